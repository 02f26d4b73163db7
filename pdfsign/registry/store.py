"""The registry: every operation that changes or reads a file, each in one transaction.

A write locks the file first (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's
``BEGIN IMMEDIATE`` serialises all writers), then calls the caller's *producer*
to render and sign the new PDF with the issue count it was given, stores the
bytes (content-addressed, atomically), adds the version row, moves the file's
current pointer and appends to the audit log — and commits.  Rendering inside
the lock is what makes issue counts consecutive and timestamps ordered like
them; a crash anywhere before the commit leaves the previous version current.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pdfsign.config import Settings
from pdfsign.registry import audit
from pdfsign.registry.blob_stores import open_blobs, s3_endpoint
from pdfsign.registry.blobs import BlobStore
from pdfsign.registry.database import Database, open_database
from pdfsign.registry.errors import (
    AlreadyIssuedError,
    ChangedMeanwhileError,
    FileStateError,
    UnknownFileError,
    VersionPurgedError,
)
from pdfsign.registry.lifecycle import (
    INVALIDATION_REASONS,
    JST,
    RETENTION_SENT,
    check_may_issue,
    jst_midnight,
    repaid_delete_due,
    require_bank,
    require_state,
)
from pdfsign.registry.models import BatchKey, File, Renewal, Version
from pdfsign.registry.records import GUARANTEE_FAMILY, FileInfo, NewFile, RenewalInfo, VersionInfo

__all__ = ["ChangeHook", "InvalidationProducer", "IssueProducer", "Registry", "ReissueProducer",
           "RenewalProducer", "VersionHook"]

#: Renders and signs version 1 given its issue count.
IssueProducer = Callable[[int], bytes]
#: Renders and signs a re-issue given the file as it is now and the new issue count.
ReissueProducer = Callable[[FileInfo, int], bytes]
#: Renders and signs an invalidation notice for the file and the version it invalidates.
InvalidationProducer = Callable[[FileInfo, VersionInfo], bytes]
#: Adds an archive time-stamp to the current version's bytes (given with the version).
RenewalProducer = Callable[[VersionInfo, bytes], bytes]
#: Called inside the write transaction, after a new version is added and the file updated,
#: with the session, the file as it now is and the new version: what it writes (an upload
#: notification in the outbox, say) commits or rolls back with the version.  The registry
#: knows nothing of what it does (the layers above pass :mod:`pdfsign.notify`'s hook).
VersionHook = Callable[[Session, FileInfo, VersionInfo], None]
#: The same for a change that adds no version, called with the session, what happened
#: (``transferred``, ``renewed``), the file as it now is, its current version (renewed: with
#: the new bytes' SHA-256) and when.  :mod:`pdfsign.notify` writes webhook events with it.
ChangeHook = Callable[[Session, str, FileInfo, VersionInfo, dt.datetime], None]


class Registry:
    """The issued files, their versions and the audit log, over one database and one blob store."""

    def __init__(self, db: Database, blobs: BlobStore) -> None:
        self.db = db
        self.blobs = blobs

    @classmethod
    def open(cls, settings: Settings, *, migrate: bool = True) -> Registry:
        """Open (and by default migrate) the registry that ``settings`` point at."""
        db = open_database(settings.url, migrate=migrate)
        return cls(db, open_blobs(settings.blobs_url, db, s3_endpoint(settings)))

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A serialising write transaction (committed on success, rolled back on error)."""
        with Session(self.db.write_engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only snapshot."""
        with Session(self.db.engine) as session, session.begin():
            yield session

    # -- issuing -------------------------------------------------------------------------------

    def issue(self, new: NewFile, produce: IssueProducer, *, actor: str, at: dt.datetime,
              idempotency_key: str | None = None, meta: dict[str, Any] | None = None,
              on_version: VersionHook | None = None) -> VersionInfo:
        """File a new document as version 1 with issue count 1.

        A new file ID has no predecessor to order against, so the PDF is produced *outside*
        the write lock (batch workers sign in parallel) between a check and a re-check.

        :param produce: called with the issue count (1); returns the signed PDF.
        :param idempotency_key: if this key was already used, return that version, issue nothing.
        :param meta: document metadata to keep with the version (e.g. the source data).
        :param on_version: called in the transaction with the new version (not when the
            idempotency key returns an earlier one).
        :raises AlreadyIssuedError: the file ID exists.
        :raises UnknownBankError, AgreementWindowError: the bank may not receive it now.
        """
        with self.reading() as session:
            if done := self._may_create(session, new, at=at, idempotency_key=idempotency_key):
                return done
        pdf = produce(1)
        try:
            with self.writing() as session:
                if done := self._may_create(session, new, at=at, idempotency_key=idempotency_key):
                    return done
                row = File(**vars(new), state="active", issue_count=1, current_version=0,
                           uploaded_at=at)
                if new.kind == "test-slip":
                    row.delete_due = at + RETENTION_SENT
                session.add(row)
                version = self._add_version(session, row, pdf, actor=actor, at=at,
                                            reason="issue", issue_count=1, meta=meta)
                if idempotency_key:
                    session.add(BatchKey(key=idempotency_key, file_id=new.file_id, version=1))
                _announce(session, on_version, row, version)
                return version
        except IntegrityError as exc:  # a concurrent issue of the same file ID won the race
            raise AlreadyIssuedError(f"{new.file_id} is already issued; use reissue",
                                     field="file_id") from exc

    @staticmethod
    def _may_create(session: Session, new: NewFile, *, at: dt.datetime,
                    idempotency_key: str | None) -> VersionInfo | None:
        """The version an idempotency key already made, or ``None`` if ``new`` may be issued."""
        if idempotency_key and (done := session.get(BatchKey, idempotency_key)):
            return VersionInfo.of(_version(session, done.file_id, done.version))
        if session.get(File, new.file_id) is not None:
            raise AlreadyIssuedError(f"{new.file_id} is already issued; use reissue",
                                     field="file_id")
        check_may_issue(session, new.kind, new.bank_code, at=at)
        return None

    def reissue(self, file_id: str, produce: ReissueProducer, *, actor: str, at: dt.datetime,
                corrected: NewFile | None = None, meta: dict[str, Any] | None = None,
                expected_version: int | None = None,
                on_version: VersionHook | None = None) -> VersionInfo:
        """Overwrite the current certificate with a corrected one: same file ID, issue count + 1.

        :param corrected: the corrected document's metadata (name and date are updated).
        :param meta: document metadata to keep with the version (e.g. the corrected data).
        :param expected_version: the current version the caller saw (a form carries it).
        :param on_version: called in the transaction with the new version.
        :raises FileStateError: the file is invalidated, repaid, subrogated or purged.
        :raises ChangedMeanwhileError: the current version is no longer ``expected_version``.
        """
        with self.writing() as session:
            row = _locked(session, file_id, expected_version)
            require_state(row, "active", action="re-issue")
            check_may_issue(session, row.kind, row.bank_code, at=at)
            if corrected is not None:
                if corrected.file_id != file_id:
                    raise FileStateError(f"corrected data is for {corrected.file_id}",
                                         field="file_id")
                row.customer_name, row.guarantee_date = (corrected.customer_name,
                                                         corrected.guarantee_date)
            count = row.issue_count + 1
            pdf = produce(FileInfo.of(row), count)
            if row.kind == "test-slip":  # sent again: the 60 days start again
                row.delete_due = at + RETENTION_SENT
            version = self._add_version(session, row, pdf, actor=actor, at=at,
                                        reason="reissue", issue_count=count, meta=meta)
            _announce(session, on_version, row, version)
            return version

    def invalidate(self, file_id: str, reason: str, produce: InvalidationProducer, *, actor: str,
                   at: dt.datetime, expected_version: int | None = None,
                   on_version: VersionHook | None = None) -> VersionInfo:
        """Overwrite a certificate with an invalidation notice (kept 60 days after sending).

        :param reason: ``cancelled`` (loan not executed) or ``paper-reissue``.
        :param expected_version: the current version the caller saw.
        :param on_version: called in the transaction with the notice's version (the file
            already ``invalidated``).
        :raises FileStateError: not a guarantee certificate, or not active.
        :raises ChangedMeanwhileError: the current version is no longer ``expected_version``.
        """
        if reason not in INVALIDATION_REASONS:
            raise FileStateError(f"must be one of {', '.join(INVALIDATION_REASONS)}",
                                 field="reason")
        with self.writing() as session:
            row = _locked(session, file_id, expected_version)
            if row.kind not in GUARANTEE_FAMILY:
                raise FileStateError(f"{file_id} is a {row.kind}; only certificates are "
                                     "invalidated", field="file_id")
            require_state(row, "active", action="invalidate")
            current = VersionInfo.of(_version(session, file_id, row.current_version))
            pdf = produce(FileInfo.of(row), current)
            meta = {"invalidates_version": current.number, "invalidates_sha256": current.sha256,
                    "reason": reason}
            version = self._add_version(session, row, pdf, actor=actor, at=at, meta=meta,
                                        reason=f"invalidate:{reason}", content="invalidation",
                                        issue_count=row.issue_count)
            row.state, row.delete_due = "invalidated", at + RETENTION_SENT
            _announce(session, on_version, row, version)
            return version

    def _add_version(self, session: Session, row: File, pdf: bytes, *, actor: str,
                     at: dt.datetime, reason: str, issue_count: int, content: str = "document",
                     meta: dict[str, Any] | None = None) -> VersionInfo:
        """Store the bytes, add the version, move the current pointer, log it (caller commits)."""
        digest = self.blobs.put(pdf, session)
        version = Version(file_id=row.file_id, number=row.current_version + 1, content=content,
                          sha256=digest, size=len(pdf), issue_count=issue_count, created_at=at,
                          actor=actor, reason=reason, meta=meta or {})
        session.add(version)
        row.current_version, row.issue_count, row.uploaded_at = (version.number, issue_count, at)
        session.flush()
        audit.append(session, at=at, actor=actor, action=reason.split(":")[0],
                     file_id=row.file_id, version=version.number, sha256=digest,
                     detail={"issue_count": issue_count, "content": content,
                             **{k: v for k, v in (meta or {}).items() if k != "data"}})
        return VersionInfo.of(version)

    def renew(self, file_id: str, produce: RenewalProducer, *, reason: str, actor: str,
              at: dt.datetime, on_change: ChangeHook | None = None) -> RenewalInfo:
        """Replace the current version's bytes with ``produce``'s renewal of them.

        A renewal is not a new version: the document, its issue count and its signature are
        unchanged, only an archive time-stamp is added.  So the version keeps its number and
        issue count and points at the new bytes; the old bytes stay stored and the change is
        recorded in ``renewals`` and the audit log (``renewed``, old and new SHA-256).

        :param produce: called inside the lock with the version and its current bytes.
        :param reason: why (``tsa-expiry:<date>``, ``weak-algorithm:<name>``, ``requested``).
        :param on_change: called in the transaction with ``renewed`` and the renewed version.
        :raises FileStateError: the file was purged (its bytes are gone).
        """
        with self.writing() as session:
            row = _locked(session, file_id)
            if row.state == "purged":
                raise FileStateError(f"{file_id} was purged; nothing to renew", field="file_id")
            version = _version(session, file_id, row.current_version)
            pdf = produce(VersionInfo.of(version), self.blobs.get(version.sha256))
            renewal = Renewal(file_id=file_id, version=version.number, at=at, actor=actor,
                              reason=reason, old_sha256=version.sha256, old_size=version.size,
                              new_sha256=self.blobs.put(pdf, session),
                              new_size=len(pdf))
            session.add(renewal)
            version.sha256, version.size = renewal.new_sha256, renewal.new_size
            session.flush()
            audit.append(session, at=at, actor=actor, action="renewed", file_id=file_id,
                         version=version.number, sha256=renewal.new_sha256,
                         detail={"old_sha256": renewal.old_sha256, "reason": reason,
                                 "issue_count": version.issue_count})
            if on_change is not None:
                on_change(session, "renewed", FileInfo.of(row), VersionInfo.of(version), at)
            return RenewalInfo.of(renewal)

    # -- lifecycle without a new PDF -----------------------------------------------------------

    def transfer(self, file_id: str, *, bank_code: str, branch_code: str, actor: str,
                 at: dt.datetime, expected_version: int | None = None,
                 on_change: ChangeHook | None = None) -> FileInfo:
        """Move access to another bank/branch (merger, assignment); the file ID never changes.

        :param on_change: called in the transaction with ``transferred``, the file already
            at its new bank and branch.
        :raises UnknownBankError: no agreement with ``bank_code``.
        :raises ChangedMeanwhileError: the current version is no longer ``expected_version``.
        """
        with self.writing() as session:
            row = _locked(session, file_id, expected_version)
            require_state(row, "active", action="transfer")
            require_bank(session, bank_code)
            before = (row.bank_code, row.branch_code)
            row.bank_code, row.branch_code = bank_code, branch_code
            audit.append(session, at=at, actor=actor, action="transfer", file_id=file_id,
                         version=row.current_version,
                         detail={"from": "-".join(before), "to": f"{bank_code}-{branch_code}"})
            if on_change is not None:
                session.flush()
                current = VersionInfo.of(_version(session, file_id, row.current_version))
                on_change(session, "transferred", FileInfo.of(row), current, at)
            return FileInfo.of(row)

    def mark_repaid(self, file_id: str, *, on: dt.date, actor: str, at: dt.datetime,
                    expected_version: int | None = None) -> FileInfo:
        """Record full repayment; every version becomes due for deletion about two years later."""
        with self.writing() as session:
            row = _locked(session, file_id, expected_version)
            require_state(row, "active", action="mark repaid")
            row.state, row.delete_due = "repaid", repaid_delete_due(on)
            audit.append(session, at=at, actor=actor, action="repaid", file_id=file_id,
                         version=row.current_version,
                         detail={"repaid_on": on.isoformat(), "delete_due": row.delete_due})
            return FileInfo.of(row)

    def subrogate(self, file_id: str, *, on: dt.date, actor: str, at: dt.datetime,
                  expected_version: int | None = None) -> FileInfo:
        """Record subrogation: recipients lose access from the payment date (JST)."""
        with self.writing() as session:
            row = _locked(session, file_id, expected_version)
            require_state(row, "active", action="subrogate")
            row.state, row.access_until = "subrogated", jst_midnight(on)
            audit.append(session, at=at, actor=actor, action="subrogate", file_id=file_id,
                         version=row.current_version, detail={"paid_on": on.isoformat()})
            return FileInfo.of(row)

    # -- reading -------------------------------------------------------------------------------

    def file(self, file_id: str) -> FileInfo:
        """The file's current state. :raises UnknownFileError: no such file ID."""
        with self.reading() as session:
            row = session.get(File, file_id)
            if row is None:
                raise UnknownFileError(f"no file {file_id} in the registry", field="file_id")
            return FileInfo.of(row)

    def history(self, file_id: str) -> list[VersionInfo]:
        """Every version of the file, oldest first (purged ones included, marked)."""
        self.file(file_id)
        with self.reading() as session:
            rows = session.execute(select(Version).where(Version.file_id == file_id)
                                   .order_by(Version.number)).scalars()
            return [VersionInfo.of(v) for v in rows]

    def version(self, file_id: str, number: int | None = None) -> VersionInfo:
        """One version (default: the current one). :raises UnknownFileError: no such version."""
        number = self.file(file_id).current_version if number is None else number
        with self.reading() as session:
            return VersionInfo.of(_version(session, file_id, number))

    def pdf(self, file_id: str, number: int | None = None) -> tuple[VersionInfo, bytes]:
        """A version and its bytes, hash-checked.

        :raises VersionPurgedError: its retention ended and the bytes were deleted.
        :raises CorruptBlobError: the stored bytes no longer match the recorded SHA-256.
        """
        version = self.version(file_id, number)
        if version.purged_at is not None:
            raise VersionPurgedError(f"{file_id} version {version.number} was deleted on "
                                     f"{version.purged_at.astimezone(JST):%Y-%m-%d} (retention)",
                                     field="version")
        return version, self.blobs.get(version.sha256)

    def current_versions(self, file_ids: Sequence[str] | None = None) -> list[VersionInfo]:
        """The current version of every file whose bytes are kept (not purged), by file ID;
        or of ``file_ids``, in that order.

        :raises UnknownFileError: one of ``file_ids`` is not in the registry.
        """
        if file_ids is not None:
            return [self.version(file_id) for file_id in file_ids]
        with self.reading() as session:
            rows = session.execute(select(Version).join(File, and_(
                File.file_id == Version.file_id, File.current_version == Version.number))
                .where(File.state != "purged").order_by(File.file_id)).scalars()
            return [VersionInfo.of(v) for v in rows]

    def renewals(self, file_id: str) -> list[RenewalInfo]:
        """Every renewal of the file's versions, oldest first."""
        self.file(file_id)
        with self.reading() as session:
            rows = session.execute(select(Renewal).where(Renewal.file_id == file_id)
                                   .order_by(Renewal.id)).scalars()
            return [RenewalInfo.of(r) for r in rows]

    def verify_audit(self) -> audit.AuditReport:
        """Check the audit chain end to end (see :func:`pdfsign.registry.audit.verify_chain`)."""
        with self.reading() as session:
            return audit.verify_chain(session)

    def find_key(self, key: str) -> VersionInfo | None:
        """The version a batch idempotency key produced, if it was already used."""
        with self.reading() as session:
            done = session.get(BatchKey, key)
            return None if done is None else VersionInfo.of(
                _version(session, done.file_id, done.version))


def _announce(session: Session, hook: VersionHook | None, row: File,
              version: VersionInfo) -> None:
    """Run the caller's version hook, if any, inside the transaction."""
    if hook is not None:
        session.flush()
        hook(session, FileInfo.of(row), version)


def _locked(session: Session, file_id: str, expected_version: int | None = None) -> File:
    """Load and row-lock a file (the lock is a no-op on SQLite, already write-locked).

    :param expected_version: the current version the caller saw; checked under the lock, so
        of two staff acting at once the second is told, never silently overwritten.
    :raises ChangedMeanwhileError: the file has moved on from ``expected_version``.
    """
    row = session.execute(select(File).where(File.file_id == file_id).with_for_update()
                          ).scalar_one_or_none()
    if row is None:
        raise UnknownFileError(f"no file {file_id} in the registry", field="file_id")
    if expected_version is not None and row.current_version != expected_version:
        raise ChangedMeanwhileError(
            f"他の操作で変更されました。現在の発行回数は{row.issue_count}、版は"
            f"{row.current_version}です / changed meanwhile: now issue count {row.issue_count} "
            f"(version {row.current_version}, state {row.state}; you opened version "
            f"{expected_version})", field="version")
    return row


def _version(session: Session, file_id: str, number: int) -> Version:
    """One version row. :raises UnknownFileError: it does not exist."""
    row = session.get(Version, (file_id, number))
    if row is None:
        raise UnknownFileError(f"{file_id} has no version {number}", field="version")
    return row
