"""How the outbox's rows are delivered, whatever carries them (SMTP for mail, HTTP for webhooks).

Delivery is *at least once, never lost*: a row leaves ``pending`` only after the receiver
accepted it (:attr:`~pdfsign.notify.tables.DeliveryState.DONE`) or refused it for good
(``failed``).  A temporary failure leaves it pending with an exponential backoff
(:func:`backoff`), until it has gone on for :data:`RETRY_FOR`; a crash between the
receiver's acceptance and the mark leaves it pending too, and once its lease runs out another
pass sends it again, with the same identifier (a mail's ``Message-ID``, a webhook's
``X-Pdfsign-Delivery``) — so a duplicate is recognisable, and a loss is not possible.  The
lease (``claimed_until``, taken in its own transaction before anything is sent) is what keeps
two senders from sending one row at the same time.

The channels' senders (:mod:`pdfsign.notify.sender`, :mod:`pdfsign.notify.webhooks.sending`)
claim with :func:`claim_due`, record with :func:`record_sent` and :func:`record_failure`, and
run in :func:`keep_delivering`.
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
from typing import TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from pdfsign.notify.tables import DeliveryState
from pdfsign.registry import Registry

__all__ = ["BATCH", "LEASE", "RETRY_FOR", "Clock", "DeliveryFailure", "DeliveryReport",
           "backoff", "claim_due", "claimer_name", "fail", "keep_delivering", "record_failure",
           "record_sent", "state_counts"]

_log = logging.getLogger(__name__)
#: How long a claimed row is reserved for the sender that claimed it.
LEASE = dt.timedelta(minutes=10)
#: Rows claimed at once (each may take up to its transport's timeout: well inside the lease).
BATCH = 10
#: The first retry waits this long, each next one twice as long, at most :data:`_BACKOFF_CAP`.
_BACKOFF_BASE = dt.timedelta(seconds=30)
_BACKOFF_CAP = dt.timedelta(hours=1)
#: A row still undelivered after temporary failures for this long is reported failed.
RETRY_FOR = dt.timedelta(days=3)

Clock = Callable[[], dt.datetime]
Row = TypeVar("Row", bound=DeliveryState)


class DeliveryFailure(Exception):
    """One row could not be delivered; what kind of failure it was.

    :param permanent: the receiver refused it for good (an SMTP 5xx, an HTTP 4xx): report it.
    :param connection: the connection failed; every row for that server waits (SMTP: one
        server for all; a webhook's failure concerns its own receiver only).
    """

    def __init__(self, message: str, *, permanent: bool = False,
                 connection: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.connection = connection


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


def claimer_name() -> str:
    """A name for one pass's leases: host, process and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def claim_due(session: Session, model: type[Row], *, at: dt.datetime, limit: int,
              claimer: str) -> list[Row]:
    """Lease up to ``limit`` rows of ``model`` that are due at ``at``, oldest first.

    Runs in the caller's write transaction, so the caller reads what it will send from the
    rows before that transaction commits the leases.
    """
    rows = session.execute(
        select(model).where(
            model.status == "pending", model.next_attempt_at <= at,
            or_(model.claimed_until.is_(None), model.claimed_until <= at))
        .order_by(model.id).limit(limit).with_for_update(skip_locked=True)).scalars()
    claimed = list(rows)
    for row in claimed:
        row.claimed_until, row.claimed_by = at + LEASE, claimer
    return claimed


def record_sent(registry: Registry, model: type[DeliveryState], row_id: int, *,
                at: dt.datetime) -> None:
    """Mark a row delivered and settle it (a lease lost meanwhile changes nothing)."""
    with registry.writing() as session:
        row = session.get(model, row_id, with_for_update=True)
        if row is None or row.status != "pending":
            return
        row.status, row.sent_at, row.attempts = model.DONE, at, row.attempts + 1
        row.claimed_until = row.claimed_by = row.last_error = None
        row.settle()


def record_failure(registry: Registry, model: type[DeliveryState], row_id: int, claimer: str,
                   failure: DeliveryFailure, *, at: dt.datetime) -> dt.datetime | None:
    """Count an attempt; the row's next attempt, or ``None`` once it failed for good.

    Permanent failures, and temporary ones that went on for :data:`RETRY_FOR`, fail.
    """
    with registry.writing() as session:
        row = session.get(model, row_id, with_for_update=True)
        if row is None or row.status != "pending" or row.claimed_by != claimer:
            return at + backoff(1)  # no longer ours: whoever has it records it
        row.attempts += 1
        row.claimed_until = row.claimed_by = None
        give_up = not failure.permanent and at - row.created_at >= RETRY_FOR
        if failure.permanent or give_up:
            fail(row, str(failure) if failure.permanent else
                 f"gave up after {row.attempts} attempts: {failure}")
            return None
        row.next_attempt_at, row.last_error = at + backoff(row.attempts), str(failure)
        _log.warning("%s %s: %s (attempt %d; next %s)", model.NOUN, row.target, failure,
                     row.attempts, row.next_attempt_at.isoformat())
        return row.next_attempt_at


def fail(row: DeliveryState, reason: str) -> None:
    """Give a row up for good, saying why (in the caller's transaction)."""
    row.status, row.last_error = "failed", reason
    row.claimed_until = row.claimed_by = None
    row.settle()
    _log.error("%s %s failed: %s", type(row).NOUN, row.target, reason)


def state_counts(session: Session, model: type[DeliveryState]) -> dict[str, int]:
    """How many rows of ``model`` are in each state."""
    return {status: count for status, count in session.execute(
        select(model.status, func.count()).group_by(model.status))}


def keep_delivering(deliver: Callable[[], DeliveryReport], stop: threading.Event, *,
                    poll: float, noun: str) -> None:
    """Run ``deliver`` every ``poll`` seconds until ``stop`` is set.

    The boundary of a sender's loop (``pdfsign mail send``, ``pdfsign webhook send``, the
    web server's mail thread): a failed pass is logged with its traceback and the next runs.
    """
    while not stop.is_set():
        try:
            report = deliver()
            if report.claimed:
                _log.info("%s: sent %d, retrying %d, failed %d", noun, report.sent,
                          report.retrying, report.failed)
        except Exception:  # the loop's boundary: log, keep the thread alive
            _log.exception("%s: delivery pass failed", noun)
        stop.wait(poll)
