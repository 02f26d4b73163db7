"""The signers' tables, in the registry's database (one schema, one set of migrations).

*signer_pins* holds, per PIN scope (a PKCS#12 signer, or a PKCS#11 token whose user PIN
protects every key on it), the run of consecutive wrong PINs and the lock; it is changed
only by conditional ``UPDATE`` statements, so that processes on any machine count and lock
atomically (:mod:`pdfsign.keys.guard`).  *signers* holds each signer's registered name (the
person and the organisation its certificate must name) and what was seen of its certificate.

No PIN, and nothing derived from one, is stored: a PKCS#12 file's password is its PIN and
the token checks its own, so the key itself is the PIN's only verifier.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pdfsign.registry.models import Base, UtcDateTime

__all__ = ["SignerName", "SignerPin"]

#: Long enough for a PKCS#11 URI or a file's absolute path.
_NAME = 400


class SignerPin(Base):
    """One PIN's consecutive failures and its lock."""

    __tablename__ = "signer_pins"

    #: The signer ID of a file signer, or the token's ``pkcs11:`` URI.
    scope: Mapped[str] = mapped_column(String(_NAME), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    #: ``failures`` (the limit was reached), ``token`` (the token's own lock), or the
    #: administrator who locked it.
    locked_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class SignerName(Base):
    """A signer the registry knows: its registered name and its certificate as last seen."""

    __tablename__ = "signers"

    #: A PKI-folder name, a PKCS#12 file's absolute path, or a key's ``pkcs11:`` URI.
    signer_id: Mapped[str] = mapped_column(String(_NAME), primary_key=True)
    pin_scope: Mapped[str] = mapped_column(ForeignKey("signer_pins.scope"))
    #: The registered name: the certificate's subject CN and O must be these.
    common_name: Mapped[str] = mapped_column(String(200))
    organization: Mapped[str] = mapped_column(String(200))
    registered_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    registered_by: Mapped[str] = mapped_column(String(64))
    #: The certificate last opened (SHA-256 of its DER, subject, end), for the list.
    cert_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    cert_subject: Mapped[str | None] = mapped_column(String(500), nullable=True)
    cert_not_after: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_opened_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
