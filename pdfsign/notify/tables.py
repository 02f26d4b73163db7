"""The notifications' tables, in the registry's database (one schema, one set of migrations).

*notify_outbox* holds one upload notification per recipient per version, written in the
transaction that adds the version (so a version is never without its notifications, nor a
notification without its version) and then delivered by a sender
(:mod:`pdfsign.notify.sender`), which claims a row with a lease before sending it.
*notify_links* are the distribution links of banks in distribution mode: only the SHA-256
of a link's token is kept, with the file version and the bank/branch it was made for.

*webhooks* are the receivers users registered (:mod:`pdfsign.notify.webhooks`), and
*webhook_deliveries* the events owed to them: one row per event per receiver, written in
the registry's transaction like the e-mails beside them.  The e-mails and the deliveries
share how a delivery goes (:class:`DeliveryState`: pending, claimed with a lease, retried,
sent or failed), so one sender bookkeeping (:mod:`pdfsign.notify.delivery`) serves both.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pdfsign.registry.models import Base, UtcDateTime

__all__ = ["DeliveryState", "DistributionLink", "OutboxRow", "Webhook", "WebhookDelivery"]


class DeliveryState:
    """The columns of something the outbox owes a receiver, and how delivering it goes.

    ``pending`` rows are due from ``next_attempt_at``; a sender leases one
    (``claimed_until``/``claimed_by``) before it tries; the row ends ``DONE`` once the
    receiver accepted it, or ``failed`` (a permanent refusal, or retries given up).
    """

    #: What a delivered row's ``status`` says.
    DONE: ClassVar[str] = "sent"
    #: What the log calls one row (``mail 12 …``).
    NOUN: ClassVar[str] = "delivery"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True,
                                    sort_order=-1)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    #: ``pending``, :attr:`DONE` or ``failed``.
    status: Mapped[str] = mapped_column(String(9), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: Not before this moment (the backoff after a temporary failure).
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    #: A sender's lease: until then no other sender takes the row.
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)

    @property
    def target(self) -> str:
        """Whom the row is for, as the log names it (never a secret)."""
        return f"#{self.id}"

    def settle(self) -> None:
        """Erase what only a delivery still to come needs (called on delivered and failed)."""


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


class OutboxRow(DeliveryState, Base):
    """One upload notification to one recipient, and how its delivery is going."""

    __tablename__ = "notify_outbox"
    NOUN = "mail"

    #: ``<…@…>``, fixed when the row is written: a resend after a crash carries the same one.
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
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

    __table_args__ = (
        Index("ix_notify_outbox_due", "status", "next_attempt_at"),
        Index("ix_notify_outbox_file", "file_id", "version"),
    )

    @property
    def target(self) -> str:
        """The recipient's address."""
        return f"{self.id} to {self.recipient}"

    def settle(self) -> None:
        """A delivered or failed mail's link token is never needed again."""
        self.link_token = None


class Webhook(Base):
    """A URL a user registered for some events (removed ones stay, secret erased)."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: The owner: what it may see decides which events it gets.
    user_id: Mapped[str] = mapped_column(ForeignKey("users.user_id"))
    url: Mapped[str] = mapped_column(String(2000))
    #: The event types it wants (a sorted list of :data:`pdfsign.notify.webhooks.EVENTS`).
    events: Mapped[list[str]] = mapped_column(JSON)
    #: The HMAC key, kept as it is because every delivery is signed with it (a hash could
    #: not sign); never logged, never shown after creation, erased on removal.
    secret: Mapped[str | None] = mapped_column(String(80), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    removed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    removed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class WebhookDelivery(DeliveryState, Base):
    """One event owed to one webhook: the exact body to POST, and how its delivery goes."""

    __tablename__ = "webhook_deliveries"
    DONE = "delivered"
    NOUN = "webhook delivery"

    #: ``X-Pdfsign-Delivery``: the same on every attempt, so a receiver can drop a repeat.
    delivery_id: Mapped[str] = mapped_column(String(40), unique=True)
    #: The event's own ID, shared by its deliveries to different webhooks.
    event_id: Mapped[str] = mapped_column(String(40))
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id"))
    #: ``issued``, ``reissued``, ``invalidated``, ``transferred`` or ``renewed``.
    event: Mapped[str] = mapped_column(String(16))
    file_id: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer)
    #: The JSON body, fixed when the event is written: every attempt sends the same bytes.
    body: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_webhook", "webhook_id"),
    )

    @property
    def target(self) -> str:
        """The webhook it is for (its URL and secret stay out of the log)."""
        return f"{self.id} to webhook {self.webhook_id}"
