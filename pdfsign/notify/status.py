"""Reading the outbox: counts and failures (``pdfsign mail status``), ``.eml`` exports, requeue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from pdfsign.atomic import write_atomically
from pdfsign.config import Settings
from pdfsign.errors import WriteError
from pdfsign.notify.delivery import state_counts
from pdfsign.notify.messages import email_for
from pdfsign.notify.tables import OutboxRow
from pdfsign.registry import Registry
from pdfsign.registry import audit as audit_log

__all__ = ["OutboxEntry", "OutboxStatus", "export_messages", "list_outbox", "outbox_status",
           "requeue_failed"]

#: How many failed and retrying rows a status lists (newest first); the counts are complete.
_LISTED = 100


@dataclass(frozen=True)
class OutboxEntry:
    """One outbox row as an administrator reads it (never its link token)."""

    id: int
    message_id: str
    created_at: dt.datetime
    file_id: str
    version: int
    user_id: str
    recipient: str
    subject: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    sent_at: dt.datetime | None
    last_error: str | None

    @classmethod
    def of(cls, row: OutboxRow) -> OutboxEntry:
        """Snapshot an ORM row."""
        return cls(**{name: getattr(row, name) for name in cls.__dataclass_fields__})

    def to_json(self) -> dict[str, object]:
        """JSON-ready (times as ISO 8601)."""
        return {name: value.isoformat() if isinstance(value, dt.datetime) else value
                for name, value in self.__dict__.items()}


@dataclass(frozen=True)
class OutboxStatus:
    """How many rows are in each state; the failed ones and those retrying, with reasons."""

    pending: int
    sent: int
    failed: int
    failures: tuple[OutboxEntry, ...]
    #: Pending rows that already failed temporarily (waiting for their next attempt).
    retrying: tuple[OutboxEntry, ...]

    def to_json(self) -> dict[str, object]:
        """What ``mail status --json`` prints."""
        return {"pending": self.pending, "sent": self.sent, "failed": self.failed,
                "failures": [e.to_json() for e in self.failures],
                "retrying": [e.to_json() for e in self.retrying]}


def outbox_status(registry: Registry) -> OutboxStatus:
    """Counts per state, and the newest failed and retrying rows."""
    with registry.reading() as session:
        counts = state_counts(session, OutboxRow)
        failures = session.execute(select(OutboxRow).where(OutboxRow.status == "failed")
                                   .order_by(OutboxRow.id.desc()).limit(_LISTED)).scalars()
        failed = tuple(OutboxEntry.of(r) for r in failures)
        waiting = session.execute(select(OutboxRow).where(
            OutboxRow.status == "pending", OutboxRow.attempts > 0)
            .order_by(OutboxRow.id.desc()).limit(_LISTED)).scalars()
        return OutboxStatus(counts.get("pending", 0), counts.get("sent", 0),
                            counts.get("failed", 0), failed,
                            tuple(OutboxEntry.of(r) for r in waiting))


def list_outbox(registry: Registry, *, file_id: str | None = None,
                status: str | None = None) -> list[OutboxEntry]:
    """Every row (of one file, in one state), oldest first."""
    query = select(OutboxRow).order_by(OutboxRow.id)
    if file_id is not None:
        query = query.where(OutboxRow.file_id == file_id)
    if status is not None:
        query = query.where(OutboxRow.status == status)
    with registry.reading() as session:
        return [OutboxEntry.of(r) for r in session.execute(query).scalars()]


def export_messages(registry: Registry, settings: Settings, folder: Path) -> list[Path]:
    """Write every pending and sent message as ``<outbox id>.eml`` into ``folder``; send none.

    The files are exactly what the sender sends (a sent distribution mail's link is no
    longer stored, so its file says so instead).

    :raises WriteError: a file could not be written.
    """
    with registry.reading() as session:
        rows = session.execute(select(OutboxRow).where(OutboxRow.status.in_(("pending", "sent")))
                               .order_by(OutboxRow.id)).scalars()
        messages = [(row.id, email_for(row, settings).as_bytes()) for row in rows]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteError(f"cannot create the folder: {exc.strerror}", field=str(folder)) from None
    written = []
    for row_id, data in messages:
        path = folder / f"{row_id:06d}.eml"
        write_atomically(path, data)
        written.append(path)
    return written


def requeue_failed(registry: Registry, ids: list[int] | None = None, *, actor: str,
                   at: dt.datetime) -> int:
    """Make failed rows pending again (after the cause was fixed); audited.

    A distribution link's token was erased when its row failed, so such a mail goes out
    without the link (the recipient signs in instead).

    :param ids: the rows to requeue; ``None``: every failed row.
    :return: how many rows were requeued.
    """
    query = select(OutboxRow).where(OutboxRow.status == "failed")
    if ids is not None:
        query = query.where(OutboxRow.id.in_(ids))
    with registry.writing() as session:
        rows = list(session.execute(query.with_for_update()).scalars())
        for row in rows:
            row.status, row.next_attempt_at, row.attempts = "pending", at, 0
        if rows:
            audit_log.append(session, at=at, actor=actor, action="mail-requeue",
                             detail={"outbox": [r.id for r in rows]})
        return len(rows)
