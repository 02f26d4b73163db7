"""Delivering the upload notifications: claim with a lease, send over SMTP, record, back off.

The bookkeeping — leases, backoff, giving up, the loop — is :mod:`pdfsign.notify.delivery`'s,
shared with the webhooks; what is the mail's own is one SMTP connection for every message
(a resend after a crash carries the same ``Message-ID``), and that a connection failure
defers every due message alike (:func:`deliver_due`).
"""

from __future__ import annotations

import datetime as dt
import threading
from email.utils import parseaddr

from sqlalchemy import or_, update

from pdfsign.config import Settings
from pdfsign.errors import ConfigurationError
from pdfsign.notify.delivery import (
    BATCH,
    LEASE,
    RETRY_FOR,
    Clock,
    DeliveryReport,
    backoff,
    claim_due,
    claimer_name,
    keep_delivering,
    record_failure,
    record_sent,
)
from pdfsign.notify.messages import email_for
from pdfsign.notify.smtp import DeliveryFailure, SmtpTransport, SmtpUrl
from pdfsign.notify.tables import OutboxRow
from pdfsign.registry import Registry

__all__ = ["BATCH", "LEASE", "RETRY_FOR", "DeliveryReport", "backoff", "deliver_all",
           "deliver_due", "envelope_sender", "run_sender"]


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
        return [(row.id, row.recipient, email_for(row, settings).as_bytes())
                for row in claim_due(session, OutboxRow, at=at, limit=limit, claimer=claimer)]


def deliver_due(registry: Registry, transport: SmtpTransport, settings: Settings, *,
                clock: Clock, limit: int = BATCH) -> DeliveryReport:
    """One pass: claim what is due now, send it, record each outcome in its own transaction.

    A connection failure stops the pass, and every due row not leased by another sender
    waits as long as the one that failed (their attempts are not counted): an outage is
    probed by one message at ever longer intervals, not by every message.
    """
    sender = envelope_sender(settings)
    claimer = claimer_name()
    claimed = _claim(registry, settings, at=clock(), limit=limit, claimer=claimer)
    sent = retrying = failed = 0
    for row_id, recipient, data in claimed:
        try:
            transport.send(sender, recipient, data)
        except DeliveryFailure as failure:
            at = clock()
            retry_at = record_failure(registry, OutboxRow, row_id, claimer, failure, at=at)
            failed, retrying = failed + (retry_at is None), retrying + (retry_at is not None)
            if failure.connection:
                deferred = _defer_due(registry, claimer, str(failure), at=at,
                                      until=retry_at or at + backoff(1))
                return DeliveryReport(sent, retrying + deferred, failed, len(claimed),
                                      str(failure))
        else:
            record_sent(registry, OutboxRow, row_id, at=clock())
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
    keep_delivering(lambda: deliver_all(registry, settings, clock=tick), stop, poll=poll,
                    noun="mail")


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
