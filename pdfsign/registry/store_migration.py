"""Moving every stored PDF from the registry's store to another (``pdfsign migrate-store``).

Each blob the registry still references (every kept version's bytes, and the bytes each
renewal replaced) is read from the source hash-checked, written to the target and read
back from the target hash-checked; only then is it counted as copied, and only then, if
asked, is the source's copy deleted.  Stores are content-addressed, so a run that is
killed is resumed by running it again: what the target already holds intact is checked,
not copied again, and a damaged copy there is replaced.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import and_, select

from pdfsign.errors import ConfigurationError, NotFoundError
from pdfsign.registry.blob_folder import FolderBlobs
from pdfsign.registry.blobs import BlobStore, CorruptBlobError
from pdfsign.registry.models import Renewal, Version
from pdfsign.registry.store import Registry

__all__ = ["MigrationReport", "migrate_store", "referenced_digests", "same_store"]


@dataclass
class MigrationReport:
    """What a run did, blob by blob counted."""

    source: str
    target: str
    total: int = 0
    #: Written to the target (and verified there) by this run.
    copied: int = 0
    #: Already in the target, intact (a resumed run).
    present: int = 0
    #: Damaged in the target and written again.
    repaired: int = 0
    #: Removed from the source after their copy was verified (``delete_source``).
    deleted: int = 0
    #: In neither store intact: ``(digest, reason)``; the run goes on with the others.
    failed: list[tuple[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        """The report for ``--json``."""
        return {"source": self.source, "target": self.target, "total": self.total,
                "copied": self.copied, "present": self.present, "repaired": self.repaired,
                "deleted": self.deleted,
                "failed": [{"sha256": d, "reason": r} for d, r in self.failed]}


def referenced_digests(registry: Registry) -> list[str]:
    """The SHA-256 of every blob a kept (not purged) version still needs, sorted."""
    with registry.reading() as session:
        current = set(session.execute(select(Version.sha256).where(
            Version.purged_at.is_(None))).scalars())
        replaced = set(session.execute(select(Renewal.old_sha256).join(Version, and_(
            Version.file_id == Renewal.file_id, Version.number == Renewal.version)).where(
            Version.purged_at.is_(None))).scalars())
    return sorted(current | replaced)


def migrate_store(registry: Registry, target: BlobStore, *, delete_source: bool = False,
                  progress: Callable[[int], Callable[[], None]] | None = None
                  ) -> MigrationReport:
    """Copy every referenced blob from ``registry.blobs`` to ``target``, verifying each.

    :param delete_source: delete each source blob once its copy in the target is verified.
    :param progress: called with the number of blobs; returns a callback per blob done.
    :raises ConfigurationError: the target is the source.
    """
    source = registry.blobs
    if same_store(source, target):
        raise ConfigurationError(f"移行先は現在の保存先です / the target is the current store "
                                 f"({source.url})", field="--to")
    digests = referenced_digests(registry)
    report = MigrationReport(source.url, target.url, total=len(digests))
    step = progress(len(digests)) if progress else (lambda: None)
    for digest in digests:
        outcome = _copy_one(source, target, digest)
        if outcome.startswith("failed:"):
            report.failed.append((digest, outcome.removeprefix("failed:")))
        else:
            setattr(report, outcome, getattr(report, outcome) + 1)
            if delete_source and source.delete(digest):
                report.deleted += 1
        step()
    return report


def same_store(one: BlobStore, other: BlobStore) -> bool:
    """Whether two stores are one: the same URL, or two folders that are one directory.

    A folder's URL is its resolved path (trailing slash, ``..`` and symlinks already gone);
    two existing folders are also compared by device and inode, which catches the same
    directory mounted at two paths.  Copying a store onto itself and then deleting the
    "source" would delete every PDF, so this is checked before anything is copied.
    """
    if one.url == other.url:
        return True
    if isinstance(one, FolderBlobs) and isinstance(other, FolderBlobs):
        try:
            return os.path.samefile(one.root, other.root)
        except OSError:  # one of them does not exist yet: not the same directory
            return False
    return False


def _copy_one(source: BlobStore, target: BlobStore, digest: str) -> str:
    """Make ``target`` hold ``digest`` intact: ``present``, ``copied``, ``repaired`` or
    ``failed:<why>`` (the source's copy is missing or damaged, and the target has none).

    :raises StoreUnavailableError, WriteError: a store cannot be reached or written (the
        run stops; running it again resumes).
    """
    damaged = False
    if target.has(digest):
        try:
            target.get(digest)
            return "present"
        except CorruptBlobError:
            damaged = True
    try:
        data = source.get(digest)
    except (CorruptBlobError, NotFoundError) as exc:  # reported; the others still move
        return f"failed:{exc}"
    if damaged:
        target.delete(digest)  # a put keeps what is filed under the digest
    target.put(data)
    target.get(digest)  # read back and hash-check before anything counts it as copied
    return "repaired" if damaged else "copied"
