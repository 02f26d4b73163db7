"""The append-only audit log: who did what, when, to which file version, chained by SHA-256.

Each row's hash covers its own fields and the previous row's hash, so editing
a row breaks its hash, deleting one breaks the chain (or the sequence), and
deleting the last ones disagrees with the ``audit_head`` row.  Appends lock
the head row, so concurrent writers (PostgreSQL row lock, SQLite write lock)
extend the chain one after another.  Someone able to rewrite the whole table
*and* the head could forge a consistent chain; :func:`verify_chain` returns the
head hash so it can be recorded outside the database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pdfsign.registry.models import AuditHead, AuditRow

__all__ = ["AuditReport", "append", "entry_hash", "verify_chain"]

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditReport:
    """The outcome of checking the chain."""

    entries: int
    head_hash: str
    #: One line per broken link: ``seq N: reason``.
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Whether every row and the head are intact."""
        return not self.problems


def entry_hash(row: AuditRow, prev_hash: str) -> str:
    """The SHA-256 binding ``row``'s content to its predecessor's hash."""
    canonical = json.dumps(
        [row.seq, row.at.astimezone(dt.UTC).isoformat(), row.actor, row.action, row.file_id,
         row.version, row.sha256, row.detail, prev_hash],
        ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def append(session: Session, *, at: dt.datetime, actor: str, action: str,
           file_id: str | None = None, version: int | None = None, sha256: str | None = None,
           detail: Mapping[str, Any] | None = None) -> AuditRow:
    """Add one entry inside the caller's transaction (it commits or rolls back with the change).

    :param at: when the action happened (tz-aware UTC).
    :return: the new row (flushed).
    """
    locked = select(AuditHead).where(AuditHead.id == 1).with_for_update()
    head = session.execute(locked).scalar_one()
    row = AuditRow(seq=head.seq + 1, at=at.astimezone(dt.UTC), actor=actor, action=action,
                   file_id=file_id, version=version, sha256=sha256,
                   detail=json.dumps(dict(detail or {}), ensure_ascii=False, sort_keys=True,
                                     default=str),
                   prev_hash=head.hash)
    row.hash = entry_hash(row, head.hash)
    session.add(row)
    head.seq, head.hash = row.seq, row.hash
    session.flush()
    return row


def verify_chain(session: Session) -> AuditReport:
    """Recompute every hash and link; report each place the log was altered."""
    rows = session.execute(select(AuditRow).order_by(AuditRow.seq)).scalars()
    head = session.get(AuditHead, 1)
    problems, count, last_seq, last_hash = _walk(rows)
    if head is None:
        problems.append("audit head row is missing")
    elif (head.seq, head.hash) != (last_seq, last_hash):
        problems.append(f"head names seq {head.seq} but the log ends at seq {last_seq}"
                        " (rows deleted or appended outside the registry)")
    return AuditReport(count, last_hash, tuple(problems))


def _walk(rows: Iterable[AuditRow]) -> tuple[list[str], int, int, str]:
    """Check sequence, links and hashes row by row."""
    problems: list[str] = []
    count, prev_seq, prev_hash = 0, 0, GENESIS
    for row in rows:
        count += 1
        if row.seq != prev_seq + 1:
            problems.append(f"seq {row.seq}: follows seq {prev_seq} (rows deleted)")
        if row.prev_hash != prev_hash:
            problems.append(f"seq {row.seq}: prev_hash does not match the previous row")
        if entry_hash(row, row.prev_hash) != row.hash:
            problems.append(f"seq {row.seq}: content does not match its hash (row edited)")
        prev_seq, prev_hash = row.seq, row.hash
    return problems, count, prev_seq, prev_hash
