"""The registry's tables, as SQLAlchemy 2 typed mappings.

A *file* is one file ID with its current state and access (bank/branch); a
*version* is one stored PDF of that file, never updated except to record that
its bytes were purged or renewed (a new archive time-stamp: same version, new bytes, the
change kept in the append-only *renewals* table); the *audit* table is append-only and hash-chained
(:mod:`pdfsign.registry.audit`), its head kept in a one-row table that writers
lock so that concurrent appends cannot fork the chain.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["AuditHead", "AuditRow", "Bank", "Base", "BatchKey", "File", "InstallationSecret",
           "KeptItem", "Renewal", "StoredBlob", "UtcDateTime", "Version"]


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored as UTC and always read back tz-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None,
                           dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the registry; pass tz-aware UTC")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None,
                             dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base of the registry schema."""


class Bank(Base):
    """A financial institution with an electronic-issuing agreement."""

    __tablename__ = "banks"

    code: Mapped[str] = mapped_column(String(4), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: First day electronic issuing is allowed.
    agreement_start: Mapped[dt.date] = mapped_column(Date)
    #: Last day electronic issuing is allowed (``None``: open-ended).
    agreement_end: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    #: How its users hear of uploads: ``storage`` (an e-mail; they sign in and search) or
    #: ``distribution`` (the e-mail carries an expiring direct link to the file).
    delivery_mode: Mapped[str] = mapped_column(String(12), default="storage",
                                               server_default="storage")


class File(Base):
    """One file ID: its kind, the current version and who may see it."""

    __tablename__ = "files"

    file_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    #: ``active``, ``invalidated``, ``repaid``, ``subrogated`` or ``purged``.
    state: Mapped[str] = mapped_column(String(12), default="active")
    association_code: Mapped[str] = mapped_column(String(2))
    #: The bank and branch the file is currently attached to (access follows these).
    bank_code: Mapped[str] = mapped_column(String(4))
    branch_code: Mapped[str] = mapped_column(String(3))
    customer_number: Mapped[str | None] = mapped_column(String(9), nullable=True)
    guarantee_number: Mapped[str | None] = mapped_column(String(10), nullable=True)
    change_number: Mapped[str | None] = mapped_column(String(3), nullable=True)
    customer_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    guarantee_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    #: Electronic issue count of the current certificate (0 for kinds without one).
    issue_count: Mapped[int] = mapped_column(Integer, default=1)
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    #: When the current version was stored ("upload date" in search).
    uploaded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    #: When the current version's bytes are due for deletion (retention), if ever.
    delete_due: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    #: Recipients lose access from this moment (subrogation).
    access_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)

    __table_args__ = (
        Index("ix_files_uploaded", "uploaded_at"),
        Index("ix_files_bank_branch", "association_code", "bank_code", "branch_code"),
        Index("ix_files_delete_due", "delete_due"),
    )


class Version(Base):
    """One stored PDF of a file; rows are only ever added (and marked purged or renewed).

    ``sha256`` and ``size`` name the version's current bytes: a renewal moves them to the
    renewed file and records the bytes it replaced in :class:`Renewal`.
    """

    __tablename__ = "versions"

    file_id: Mapped[str] = mapped_column(ForeignKey("files.file_id"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: ``document`` (the file's own kind) or ``invalidation`` (an invalidation notice).
    content: Mapped[str] = mapped_column(String(12))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    issue_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    #: Why this version exists (``issue``, ``reissue``, ``invalidate:cancelled`` ...).
    reason: Mapped[str] = mapped_column(String(40))
    #: Document metadata (e.g. the SHA-256 of the version an invalidation notice invalidates).
    meta: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    purged_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Renewal(Base):
    """One renewal of a version: the bytes before and after a new archive time-stamp.

    Rows are only added.  The version's first bytes are the first renewal's ``old_sha256``
    (or the version's ``sha256`` if never renewed); every set of bytes stays in the store
    until retention deletes the version.
    """

    __tablename__ = "renewals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    file_id: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    #: Why: ``tsa-expiry:<date>``, ``weak-algorithm:<name>`` (``;``-joined) or ``requested``.
    reason: Mapped[str] = mapped_column(String(200))
    old_sha256: Mapped[str] = mapped_column(String(64))
    old_size: Mapped[int] = mapped_column(Integer)
    new_sha256: Mapped[str] = mapped_column(String(64))
    new_size: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        ForeignKeyConstraint(["file_id", "version"], ["versions.file_id", "versions.number"]),
        Index("ix_renewals_version", "file_id", "version"),
    )


class AuditRow(Base):
    """One entry of the append-only audit log, chained to its predecessor by hash."""

    __tablename__ = "audit"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    file_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    detail: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The single row naming the last audit entry; locked by every append."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class BatchKey(Base):
    """An idempotency key of a batch row, so that re-running a batch issues nothing twice."""

    __tablename__ = "batch_keys"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    file_id: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer)


class StoredBlob(Base):
    """A PDF's bytes kept in the database itself (``blobs = "postgresql"``), by SHA-256.

    Written in the transaction that adds the version, so neither can exist without the
    other; unused by the other stores.
    """

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class InstallationSecret(Base):
    """A secret every node of the installation must share (the web's session-signing key),
    made once by whichever node needs it first."""

    __tablename__ = "installation_secrets"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class KeptItem(Base):
    """Something a user comes back to within a day (a web draft, a verification run), kept
    where every web node finds it; never registry state."""

    __tablename__ = "kept_items"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    token: Mapped[str] = mapped_column(String(43), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    kept_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
