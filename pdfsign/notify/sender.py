"""Delivering the outbox: claim with a lease, send over SMTP, record the outcome, back off.

Delivery is *at least once, never lost*: a row leaves ``pending`` only after the server
accepted it (``sent``) or refused it for good (``failed``).  An outage leaves rows pending
with an exponential backoff (:func:`backoff`); a crash between the server's acceptance and
the ``sent`` mark leaves the row pending too, and once its lease runs out another pass sends
it again, with the same ``Message-ID`` — so a duplicate is recognisable, and a loss is not
possible.  The lease (``claimed_until``, taken in its own transaction before any message is
sent) is what keeps two senders from sending one row at the same time.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parseaddr

from sqlalchemy import or_, select, update

from pdfsign.config import Settings
from pdfsign.errors import ConfigurationError
from pdfsign.notify.messages import email_for
from pdfsign.notify.smtp import DeliveryFailure, SmtpTransport, SmtpUrl
from pdfsign.notify.tables import OutboxRow
from pdfsign.registry import Registry

__all__ = ["BATCH", "LEASE", "RETRY_FOR", "DeliveryReport", "backoff", "deliver_all",
           "deliver_due", "envelope_sender", "run_sender"]

_log = logging.getLogger(__name__)
#: How long a claimed row is reserved for the sender that claimed it.
LEASE = dt.timedelta(minutes=10)
#: Rows claimed at once (each may take up to the SMTP timeout: well inside the lease).
BATCH = 10
#: The first retry waits this long, each next one twice as long, at most :data:`_BACKOFF_CAP`.
_BACKOFF_BASE = dt.timedelta(seconds=30)
_BACKOFF_CAP = dt.timedelta(hours=1)
#: A message still undelivered after temporary failures for this long is reported failed.
RETRY_FOR = dt.timedelta(days=3)

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class DeliveryReport:
    """What one or more passes did."""

    sent: int = 0
    #: Temporary failures (the rows wait for their next attempt).
    retrying: int = 0
    failed: int = 0
    #: Rows claimed; a pass that claims none found nothing due.
    claimed: int = 0
    #: The connection failure a pass stopped at, if any (password masked).
    connection_error: str | None = None

    def __add__(self, other: DeliveryReport) -> DeliveryReport:
        return DeliveryReport(self.sent + other.sent, self.retrying + other.retrying,
                              self.failed + other.failed, self.claimed + other.claimed,
                              other.connection_error or self.connection_error)


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th temporary failure: 30 s, 1 min, 2 min … ≤ 1 h."""
    doublings: int = max(0, min(attempts - 1, 20))
    return min(_BACKOFF_BASE * (1 << doublings), _BACKOFF_CAP)


def envelope_sender(settings: Settings) -> str:
    """``mail_from``'s address (the SMTP envelope sender).

    :raises ConfigurationError: ``mail_from`` is not set or is not an address.
    """
    address = parseaddr(settings.mail_from)[1]
    if "@" not in address:
        raise ConfigurationError(f"the notifications need a sender address, not "
                                 f"{settings.mail_from!r} (PDFSIGN_MAIL_FROM)",
                                 field="mail_from")
    return address


def _claim(registry: Registry, settings: Settings, *, at: dt.datetime, limit: int,
           claimer: str) -> list[tuple[int, str, bytes]]:
    """Lease up to ``limit`` due rows; their (id, recipient, message bytes), oldest first."""
    with registry.writing() as session:
        rows = session.execute(
            select(OutboxRow).where(
                OutboxRow.status == "pending", OutboxRow.next_attempt_at <= at,
                or_(OutboxRow.claimed_until.is_(None), OutboxRow.claimed_until <= at))
            .order_by(OutboxRow.id).limit(limit).with_for_update(skip_locked=True)).scalars()
        claimed = []
        for row in rows:
            row.claimed_until, row.claimed_by = at + LEASE, claimer
            claimed.append((row.id, row.recipient, email_for(row, settings).as_bytes()))
        return claimed


def deliver_due(registry: Registry, transport: SmtpTransport, settings: Settings, *,
                clock: Clock, limit: int = BATCH) -> DeliveryReport:
    """One pass: claim what is due now, send it, record each outcome in its own transaction.

    A connection failure stops the pass, and every due row not leased by another sender
    waits as long as the one that failed (their attempts are not counted): an outage is
    probed by one message at ever longer intervals, not by every message.
    """
    sender = envelope_sender(settings)
    claimer = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
    claimed = _claim(registry, settings, at=clock(), limit=limit, claimer=claimer)
    sent = retrying = failed = 0
    for row_id, recipient, data in claimed:
        try:
            transport.send(sender, recipient, data)
        except DeliveryFailure as failure:
            at = clock()
            retry_at = _record_failure(registry, row_id, claimer, failure, at=at)
            failed, retrying = failed + (retry_at is None), retrying + (retry_at is not None)
            if failure.connection:
                deferred = _defer_due(registry, claimer, str(failure), at=at,
                                      until=retry_at or at + backoff(1))
                return DeliveryReport(sent, retrying + deferred, failed, len(claimed),
                                      str(failure))
        else:
            _record_sent(registry, row_id, at=clock())
            sent += 1
    return DeliveryReport(sent, retrying, failed, len(claimed))


def deliver_all(registry: Registry, settings: Settings, *, clock: Clock,
                limit: int = BATCH) -> DeliveryReport:
    """Passes of :func:`deliver_due` over one SMTP connection until nothing is due.

    :raises SmtpUrlError, ConfigurationError: ``smtp_url`` or ``mail_from`` is not usable.
    """
    url = SmtpUrl.parse(settings.smtp_url)
    envelope_sender(settings)
    total = DeliveryReport()
    with SmtpTransport(url) as transport:
        while True:
            report = deliver_due(registry, transport, settings, clock=clock, limit=limit)
            total += report
            if not report.claimed or report.connection_error:
                return total


def run_sender(registry: Registry, settings: Settings, stop: threading.Event, *,
               poll: float = 5.0, clock: Clock | None = None) -> None:
    """Deliver until ``stop`` is set, looking for due rows every ``poll`` seconds.

    For ``pdfsign mail send`` and a background thread of ``pdfsign web serve``.  It is the
    boundary of that loop: a failed pass is logged with its traceback and the next one runs.

    :raises SmtpUrlError, ConfigurationError: at once, if nothing could ever be sent.
    """
    SmtpUrl.parse(settings.smtp_url)
    envelope_sender(settings)
    tick = clock or (lambda: dt.datetime.now(dt.UTC))
    while not stop.is_set():
        try:
            report = deliver_all(registry, settings, clock=tick)
            if report.claimed:
                _log.info("mail: sent %d, retrying %d, failed %d", report.sent,
                          report.retrying, report.failed)
        except Exception:  # the loop's boundary: log, keep the thread alive
            _log.exception("mail: delivery pass failed")
        stop.wait(poll)


def _record_sent(registry: Registry, row_id: int, *, at: dt.datetime) -> None:
    """Mark a row sent and erase its link token (a lease lost meanwhile changes nothing)."""
    with registry.writing() as session:
        row = session.get(OutboxRow, row_id, with_for_update=True)
        if row is None or row.status != "pending":
            return
        row.status, row.sent_at, row.attempts = "sent", at, row.attempts + 1
        row.claimed_until = row.claimed_by = row.link_token = row.last_error = None


def _record_failure(registry: Registry, row_id: int, claimer: str, failure: DeliveryFailure,
                    *, at: dt.datetime) -> dt.datetime | None:
    """Count an attempt; the row's next attempt, or ``None`` once it failed for good.

    Permanent (5xx) failures, and temporary ones that went on for :data:`RETRY_FOR`, fail.
    """
    with registry.writing() as session:
        row = session.get(OutboxRow, row_id, with_for_update=True)
        if row is None or row.status != "pending" or row.claimed_by != claimer:
            return at + backoff(1)  # no longer ours: whoever has it records it
        row.attempts += 1
        row.claimed_until = row.claimed_by = None
        give_up = not failure.permanent and at - row.created_at >= RETRY_FOR
        if failure.permanent or give_up:
            row.status, row.link_token = "failed", None
            row.last_error = str(failure) if failure.permanent else (
                f"gave up after {row.attempts} attempts: {failure}")
            _log.error("mail %s to %s failed: %s", row.id, row.recipient, row.last_error)
            return None
        row.next_attempt_at, row.last_error = at + backoff(row.attempts), str(failure)
        _log.warning("mail %s to %s: %s (attempt %d; next %s)", row.id, row.recipient, failure,
                     row.attempts, row.next_attempt_at.isoformat())
        return row.next_attempt_at


def _defer_due(registry: Registry, claimer: str, error: str, *, at: dt.datetime,
               until: dt.datetime) -> int:
    """After a connection failure: every pending row due before ``until`` — this pass's
    claims, and rows no sender holds — waits until then (leases of others are theirs).

    :return: how many rows were deferred.
    """
    with registry.writing() as session:
        result = session.execute(
            update(OutboxRow).where(
                OutboxRow.status == "pending", OutboxRow.next_attempt_at < until,
                or_(OutboxRow.claimed_by == claimer, OutboxRow.claimed_until.is_(None),
                    OutboxRow.claimed_until <= at))
            .values(next_attempt_at=until, claimed_until=None, claimed_by=None,
                    last_error=error))
        return int(result.rowcount)  # type: ignore[attr-defined]
