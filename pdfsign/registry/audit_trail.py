"""Reading the audit trail: filtered, newest first, a page at a time.

The administration page and ``pdfsign audit list`` both read it here, with the same
filters and page size.  Writing and the hash chain are :mod:`pdfsign.registry.audit`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select

from pdfsign.registry.lifecycle import jst_midnight
from pdfsign.registry.models import AuditRow
from pdfsign.registry.store import Registry

__all__ = ["AUDIT_PAGE_SIZE", "AuditEntry", "AuditPage", "AuditQuery", "audit_page"]

AUDIT_PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditEntry:
    """One audit row as people read it."""

    seq: int
    at: dt.datetime
    actor: str
    action: str
    file_id: str | None
    version: int | None
    detail: dict[str, object]

    def to_json(self) -> dict[str, object]:
        """What ``audit list --json`` prints per entry."""
        return {"seq": self.seq, "at": self.at.isoformat(), "actor": self.actor,
                "action": self.action, "file_id": self.file_id, "version": self.version,
                "detail": self.detail}


@dataclass(frozen=True)
class AuditQuery:
    """Filters (all optional, combined with AND) and the page wanted."""

    actor: str | None = None
    action: str | None = None
    #: A file ID prefix.
    file_id: str | None = None
    #: From this day / to this day, both inclusive, Japanese calendar days.
    since: dt.date | None = None
    until: dt.date | None = None
    page: int = 1

    def conditions(self) -> list[ColumnElement[bool]]:
        """The SQL conditions the filters stand for."""
        found: list[ColumnElement[bool]] = []
        if self.actor:
            found.append(AuditRow.actor == self.actor)
        if self.action:
            found.append(AuditRow.action == self.action)
        if self.file_id:
            found.append(AuditRow.file_id.startswith(self.file_id, autoescape=True))
        if self.since is not None:
            found.append(AuditRow.at >= jst_midnight(self.since))
        if self.until is not None:
            found.append(AuditRow.at < jst_midnight(self.until + dt.timedelta(days=1)))
        return found


@dataclass(frozen=True)
class AuditPage:
    """One page of entries and how many match in all."""

    entries: tuple[AuditEntry, ...]
    total: int
    page: int

    @property
    def pages(self) -> int:
        """Pages in all (at least one, even when empty)."""
        return max(1, -(-self.total // AUDIT_PAGE_SIZE))


def _entry(row: AuditRow) -> AuditEntry:
    try:
        detail = json.loads(row.detail) if row.detail else {}
    except ValueError:  # an edited row: show it as it is (the chain check reports it)
        detail = {"raw": row.detail}
    return AuditEntry(row.seq, row.at, row.actor, row.action, row.file_id, row.version,
                      detail if isinstance(detail, dict) else {"value": detail})


def audit_page(registry: Registry, query: AuditQuery) -> AuditPage:
    """The entries matching ``query``, newest first, page ``query.page``."""
    conditions = query.conditions()
    with registry.reading() as session:
        total = session.execute(select(func.count()).select_from(AuditRow)
                                .where(*conditions)).scalar_one()
        rows = session.execute(select(AuditRow).where(*conditions)
                               .order_by(AuditRow.seq.desc())
                               .offset((query.page - 1) * AUDIT_PAGE_SIZE)
                               .limit(AUDIT_PAGE_SIZE)).scalars()
        return AuditPage(tuple(_entry(r) for r in rows), total, query.page)
