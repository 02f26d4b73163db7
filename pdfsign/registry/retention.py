"""Retention: delete exactly the stored PDFs whose time is up, and log each deletion.

Due dates are set when the event happens (see :mod:`pdfsign.registry.store`):
test slips and invalidation notices 60 days after sending, repaid certificates
two years after repayment; a purged version loses the bytes renewals replaced too.
An invalidated certificate loses only the notice that overwrote it; the certificate
versions beneath it keep no retention rule of their own in DOMAIN.md and stay in the
staff history.  Purging marks the versions and
logs them in one transaction, then deletes the bytes: a crash in between leaves
unreferenced bytes, never a version that claims bytes which are gone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from pdfsign.registry import audit
from pdfsign.registry.models import File, Renewal, Version
from pdfsign.registry.store import Registry

__all__ = ["PurgeItem", "PurgeReport", "purge"]


@dataclass(frozen=True)
class PurgeItem:
    """One stored version whose retention ended."""

    file_id: str
    version: int
    sha256: str
    #: ``test-slip``, ``invalidation`` or ``repaid``.
    rule: str
    due: dt.datetime


@dataclass(frozen=True)
class PurgeReport:
    """What a purge run deleted (or, in a dry run, would delete)."""

    at: dt.datetime
    dry_run: bool
    items: tuple[PurgeItem, ...]

    @property
    def files(self) -> int:
        """How many distinct files were affected."""
        return len({item.file_id for item in self.items})


def purge(registry: Registry, *, at: dt.datetime, actor: str, dry_run: bool = False) -> PurgeReport:
    """Delete every stored version due at ``at``; nothing else.

    :param at: the clock to judge retention by (tz-aware UTC).
    :param dry_run: list what is due without changing anything.
    """
    if dry_run:
        with registry.reading() as session:
            items = [item for _, versions in _due(session, at, lock=False) for _, item in versions]
        return PurgeReport(at, True, tuple(items))
    items = []
    with registry.writing() as session:
        for row, versions in _due(session, at, lock=True):
            for version, item in versions:
                version.purged_at = at
                audit.append(session, at=at, actor=actor, action="purge", file_id=row.file_id,
                             version=version.number, sha256=version.sha256,
                             detail={"rule": item.rule, "due": item.due})
                items.append(item)
            row.state, row.delete_due = "purged", None
    _delete_unreferenced(registry, items)
    return PurgeReport(at, False, tuple(items))


def _due(session: Session, at: dt.datetime, *, lock: bool
         ) -> list[tuple[File, list[tuple[Version, PurgeItem]]]]:
    """The files due at ``at`` with the versions to delete (only the notice if invalidated)."""
    query = select(File).where(File.delete_due <= at, File.state != "purged").order_by(File.file_id)
    rows = session.execute(query.with_for_update() if lock else query).scalars().all()
    out = []
    for row in rows:
        rule = {"invalidated": "invalidation", "repaid": "repaid"}.get(row.state, row.kind)
        versions = select(Version).where(Version.file_id == row.file_id,
                                         Version.purged_at.is_(None))
        if row.state == "invalidated":
            versions = versions.where(Version.number == row.current_version)
        found = session.execute(versions.order_by(Version.number)).scalars()
        out.append((row, [(v, PurgeItem(row.file_id, v.number, v.sha256, rule,
                                        row.delete_due or at)) for v in found]))
    return out


def _delete_unreferenced(registry: Registry, items: list[PurgeItem]) -> None:
    """Delete the bytes of purged versions — the current ones and those renewals replaced —
    unless a live version shares them."""
    purged = {(item.file_id, item.version) for item in items}
    with registry.reading() as session:
        renewed = session.execute(select(Renewal).where(
            Renewal.file_id.in_({file_id for file_id, _ in purged}))).scalars()
        digests = {item.sha256 for item in items} | {
            r.old_sha256 for r in renewed if (r.file_id, r.version) in purged}
        live = set(session.execute(select(Version.sha256).where(
            Version.sha256.in_(digests), Version.purged_at.is_(None))).scalars())
        live |= set(session.execute(select(Renewal.old_sha256).join(Version, and_(
            Version.file_id == Renewal.file_id, Version.number == Renewal.version)).where(
            Renewal.old_sha256.in_(digests), Version.purged_at.is_(None))).scalars())
    for digest in digests - live:
        registry.blobs.delete(digest)
