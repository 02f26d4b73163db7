"""The notifications' tables, in the registry's database (one schema, one set of migrations).

*notify_outbox* holds one upload notification per recipient per version, written in the
transaction that adds the version (so a version is never without its notifications, nor a
notification without its version) and then delivered by a sender
(:mod:`pdfsign.notify.sender`), which claims a row with a lease before sending it.
*notify_links* are the distribution links of banks in distribution mode: only the SHA-256
of a link's token is kept, with the file version and the bank/branch it was made for.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pdfsign.registry.models import Base, UtcDateTime

__all__ = ["DistributionLink", "OutboxRow"]


class DistributionLink(Base):
    """A direct link to one version of a file, mailed to one bank user."""

    __tablename__ = "notify_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: SHA-256 (hex) of the token in the URL; the token itself is never stored here.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    file_id: Mapped[str] = mapped_column(String(80))
    #: The version the link hands out; any other current version makes it invalid.
    version: Mapped[int] = mapped_column(Integer)
    #: Where the file was attached when the link was made (a transfer makes it invalid).
    association_code: Mapped[str] = mapped_column(String(2))
    bank_code: Mapped[str] = mapped_column(String(4))
    branch_code: Mapped[str] = mapped_column(String(3))
    #: The bank user it was mailed to (whose access it stands for).
    user_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    #: Downloads in all, and in the current rate-limit window (which started at ``window_start``).
    uses: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    window_uses: Mapped[int] = mapped_column(Integer, default=0)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)


class OutboxRow(Base):
    """One upload notification to one recipient, and how its delivery is going."""

    __tablename__ = "notify_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: ``<…@…>``, fixed when the row is written: a resend after a crash carries the same one.
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    file_id: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(400))
    #: What the body says (names, codes, the kind_fileID[_count] token, the date), as JSON.
    facts: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    link_id: Mapped[int | None] = mapped_column(ForeignKey("notify_links.id"), nullable=True)
    #: The link's token until the message is delivered or given up, then erased: a mail queue
    #: must hold what it will send, and nothing needs it afterwards.
    link_token: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: ``pending``, ``sent`` or ``failed`` (a permanent refusal, or retries given up).
    status: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: Not before this moment (the backoff after a temporary failure).
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    #: A sender's lease: until then no other sender takes the row.
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (
        Index("ix_notify_outbox_due", "status", "next_attempt_at"),
        Index("ix_notify_outbox_file", "file_id", "version"),
    )
