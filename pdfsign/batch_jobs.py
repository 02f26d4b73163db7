"""Batch jobs: a batch file issued by a detached process, its progress kept in the registry.

On PostgreSQL a job is instead kept whole in the database and its rows run as chunks on
the work queue (:mod:`pdfsign.batch_queue`), taken by ``pdfsign worker`` processes on any
machine; what follows is the embedded default's local process.

A front end (the web UI) :meth:`~BatchJobs.submit`\\ s the uploaded bytes — kept as
``<home>/batches/<job id>/rows.<csv|jsonl>`` — and the job's process starts at once:
``pdfsign issue --job ID --pin-file -`` in a session of its own, so that neither a finished
request nor a restarted web server stops it.  The signing PIN reaches that process
once, on its standard input: never on its command line, in its environment, on disk or in a
log.  The process (:meth:`~BatchJobs.run`) records each row's result as it arrives; a page
only reads the database.

Whether a job's process is alive is a lock, not a clock or a PID: the job's log file
(``job.log``, the process's standard output and error) is locked (``flock``) by whoever
starts the process and inherited by it and its workers; the kernel drops the lock when the
last of them ends, however it ends (exit, kill, crash, reboot).  A ``queued`` or ``running``
job whose log is not locked is *dead*, and may be resumed: the rows it already issued are
kept, the others run again, and idempotency keys make sure nothing is issued twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import secrets
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pdfsign.atomic import write_atomically
from pdfsign.batch import BatchRow, RowResult, read_rows
from pdfsign.batch_process import LOG, held_lock, is_locked, locked_log, running_error, spawn
from pdfsign.batch_queue import live_jobs, resume_queued, submit_queued
from pdfsign.batch_tables import BatchJobRecord, BatchRowRecord
from pdfsign.config import Settings
from pdfsign.errors import (
    ConfigurationError,
    ConflictError,
    InputError,
    NotFoundError,
    PdfsignError,
    describe,
)
from pdfsign.keys import open_signer
from pdfsign.registry import Registry
from pdfsign.workqueue import uses_queue

__all__ = ["FORMATS", "BatchJob", "BatchJobs", "JobRun"]

#: The batch file formats (:func:`pdfsign.batch.read_rows`).
FORMATS = ("csv", "jsonl")
_JOB_ID = re.compile(r"[0-9a-f]{16}")
_DONE = ("issued", "skipped")
#: The :class:`BatchJob` fields that are :class:`BatchJobRecord` columns.
_STORED = ("job_id", "filename", "format", "sha256", "rows", "created_by", "created_at", "state",
           "started_by", "runs", "pid", "started_at", "finished_at", "error", "reason",
           "signer")
#: How the job process is started: this interpreter, the ``pdfsign`` command line.


@dataclass(frozen=True)
class BatchJob:
    """A job as a page shows it: its file, its run and its rows' counts so far."""

    job_id: str
    filename: str
    format: str
    sha256: str
    rows: int
    created_by: str
    created_at: dt.datetime
    #: As stored: ``queued``, ``running``, ``done`` or ``failed`` (see :attr:`status`).
    state: str
    started_by: str
    runs: int
    pid: int | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    error: str | None
    reason: str | None
    issued: int
    skipped: int
    failed: int
    #: Whether a process holds the job's lock now.
    alive: bool
    #: Earlier jobs of the same file (same SHA-256), newest first.
    earlier: tuple[str, ...] = ()
    #: The signer whose workers issue it, for a job on the work queue (PostgreSQL); ``None``
    #: for a job of a local process (the embedded default).
    signer: str | None = None

    @property
    def finished_rows(self) -> int:
        """Rows with a result."""
        return self.issued + self.skipped + self.failed

    @property
    def status(self) -> str:
        """:attr:`state`, or ``dead`` for an unfinished job that no process works on."""
        if self.state in ("queued", "running") and not self.alive:
            return "dead"
        return self.state

    @property
    def active(self) -> bool:
        """A process is starting or issuing: the page refreshes itself."""
        return self.status in ("queued", "running")

    @property
    def resumable(self) -> bool:
        """Its process died, or it failed as a whole (e.g. a refused PIN): it may run again."""
        return self.status in ("dead", "failed")


class BatchJobs:
    """The batch jobs of one installation: rows in the registry database, files under its home."""

    def __init__(self, settings: Settings, registry: Registry | None = None) -> None:
        """:param registry: the installation's registry, if already open."""
        self.settings = settings
        self.registry = registry or Registry.open(settings)
        #: ``<home>/batches``: one folder per job (its input file and its log).
        self.folder = settings.home / "batches"

    # -- the front end's side ------------------------------------------------------------------

    def submit(self, filename: str, data: bytes, *, pin: str, workers: int, actor: str,
               at: dt.datetime) -> BatchJob:
        """Keep an uploaded batch file as a new job and start its process; return at once.

        The PIN is checked first and the file read next, so either refused starts nothing and
        keeps nothing.

        :param filename: the name it was uploaded as; its extension gives the format.
        :param workers: the process's worker pool size.
        :raises PermissionDenied: the PIN is wrong for the configured signer (``field="pin"``).
        :raises InputError: not ``.csv`` or ``.jsonl``, not UTF-8, or no rows
            (``field="file"``).
        :raises WriteError: the file cannot be kept.
        :raises ConfigurationError: the process cannot be started.
        """
        self._check_pin(pin, actor=actor, at=at)
        fmt = Path(filename).suffix.lower().lstrip(".")
        if fmt not in FORMATS:
            raise InputError("バッチファイルは .csv か .jsonl です / batch files are .jsonl or "
                             ".csv", field="file")
        job_id = secrets.token_hex(8)
        if uses_queue(self.settings):  # PostgreSQL: the file in the database, chunks queued
            submit_queued(self.registry, self.settings, job_id=job_id, filename=filename,
                          fmt=fmt, data=data, actor=actor, at=at)
            return self.get(job_id)
        folder = self._folder(job_id)
        rows = _keep(folder / f"rows.{fmt}", data)
        with locked_log(folder) as log:  # locked before the row exists: never seen dead
            with self.registry.writing() as session:
                session.add(BatchJobRecord(
                    job_id=job_id, filename=Path(filename).name[:255], format=fmt,
                    sha256=hashlib.sha256(data).hexdigest(), rows=len(rows),
                    created_by=actor, created_at=at, state="queued", started_by=actor,
                    runs=1))
            self._launch(job_id, run=1, pin=pin, workers=workers, actor=actor, at=at, log=log)
        return self.get(job_id)

    def resume(self, job_id: str, *, pin: str, workers: int, actor: str,
               at: dt.datetime) -> BatchJob:
        """Start a dead or failed job's process again; return at once.

        The rows it already issued keep their results; the others run again.

        :raises PermissionDenied: the PIN is wrong (checked first: nothing starts).
        :raises ConflictError: the job is running or finished.
        :raises NotFoundError: no such job.
        :raises ConfigurationError: the process cannot be started.
        """
        folder = self._folder(job_id)
        with self.registry.reading() as session:  # a finished job says so, even as it exits
            record = _record(session, job_id)
            # a queued job's own signer, whatever this node's is
            state, signer = record.state, record.signer
        self._check_pin(pin, actor=actor, at=at, signer=signer)
        if state == "done":
            raise _finished()
        if signer is not None:
            if self.get(job_id).alive:
                raise running_error()
            resume_queued(self.registry, self.settings, job_id, actor=actor, at=at)
            return self.get(job_id)
        with locked_log(folder) as log:
            with self.registry.writing() as session:
                row = _record(session, job_id)
                if row.state == "done":
                    raise _finished()
                row.state, row.started_by, row.runs = "queued", actor, row.runs + 1
                row.pid = row.error = row.reason = None
                run = row.runs
            self._launch(job_id, run=run, pin=pin, workers=workers, actor=actor, at=at,
                         log=log)
        return self.get(job_id)

    def _check_pin(self, pin: str, *, actor: str, at: dt.datetime,
                   signer: str | None = None) -> None:
        """Open the configured signer (or ``signer``) with ``pin`` through its lock, and close it.

        :raises PermissionDenied: the PIN is wrong, or the signer locked (exit code 6).
        :raises SignerCertificateError: its certificate may not sign now.
        """
        settings = replace(self.settings, signer=signer) if signer else self.settings
        open_signer(settings, self.registry, pin=pin, actor=actor, at=at).close()

    def _launch(self, job_id: str, *, run: int, pin: str, workers: int, actor: str,
                at: dt.datetime, log: IO[bytes]) -> None:
        """Spawn the job's process on the locked ``log``; a failure to spawn fails the job."""
        log.write(f"--- run {run} started by {actor} at {at.isoformat()}\n".encode())
        log.flush()
        try:
            spawn(self.settings, job_id, self._folder(job_id), pin=pin, workers=workers,
                   actor=actor, log=log)
        except OSError as exc:
            failure = ConfigurationError(f"cannot start the batch process: {exc.strerror}",
                                         field="job")
            self._end(job_id, "failed", at=at, failure=failure)
            raise failure from None

    def get(self, job_id: str) -> BatchJob:
        """The job now. :raises NotFoundError: no job ``job_id``."""
        with self.registry.reading() as session:
            row = _record(session, job_id)
            earlier = session.scalars(
                select(BatchJobRecord.job_id)
                .where(BatchJobRecord.sha256 == row.sha256,
                       BatchJobRecord.created_at < row.created_at)
                .order_by(BatchJobRecord.created_at.desc())).all()
            counts = _counts(session, [job_id])
            return self._view(row, counts.get(job_id, {}), _queued_alive(session, [row]),
                              tuple(earlier))

    def recent(self, *, limit: int = 50) -> list[BatchJob]:
        """The newest ``limit`` jobs, newest first."""
        with self.registry.reading() as session:
            rows = session.scalars(select(BatchJobRecord)
                                   .order_by(BatchJobRecord.created_at.desc())
                                   .limit(limit)).all()
            counts = _counts(session, [r.job_id for r in rows])
            alive = _queued_alive(session, rows)
            return [self._view(row, counts.get(row.job_id, {}), alive) for row in rows]

    def results(self, job_id: str, *, status: str | None = None,
                limit: int | None = None) -> list[RowResult]:
        """The rows' results so far, in input order (only ``status`` ones, at most ``limit``).

        :raises NotFoundError: no such job.
        """
        query = select(BatchRowRecord).where(BatchRowRecord.job_id == job_id)
        if status is not None:
            query = query.where(BatchRowRecord.status == status)
        with self.registry.reading() as session:
            _record(session, job_id)
            rows = session.scalars(query.order_by(BatchRowRecord.line).limit(limit)).all()
            return [RowResult(r.line, r.status, r.key, r.file_id, r.version, r.sha256, r.error,
                              r.reason) for r in rows]

    # -- the job process's side ----------------------------------------------------------------

    @contextmanager
    def run(self, job_id: str, *, actor: str, clock: Callable[[], dt.datetime]
            ) -> Iterator[JobRun]:
        """Be the job's process: hold its lock, mark it running, end it ``done`` or ``failed``.

        Started by :meth:`submit` or :meth:`resume`, the process inherited the lock with its
        log as standard output; run by hand (``pdfsign issue --job ID``), it takes the lock
        itself.  An error inside the block marks the job failed with
        :func:`pdfsign.errors.describe`'s message and is raised again, for the command line's
        boundary to report.

        :param actor: who is acting (recorded for a run by hand).
        :raises NotFoundError: no such job.
        :raises ConflictError: another process runs it, it is finished, or its stored file
            changed since the upload.
        """
        folder = self._folder(job_id)
        with self.registry.reading() as session:
            if _record(session, job_id).state == "done":
                raise _finished()
        with held_lock(folder):
            with self.registry.writing() as session:
                row = _record(session, job_id)
                if row.state == "done":
                    raise _finished()
                if row.state != "queued":  # not through submit or resume: by hand
                    row.started_by, row.runs = actor, row.runs + 1
                row.state, row.pid, row.started_at = "running", os.getpid(), clock()
                row.finished_at = row.error = row.reason = None
                path, sha256 = folder / f"rows.{row.format}", row.sha256
            try:
                if hashlib.sha256(path.read_bytes()).hexdigest() != sha256:
                    raise ConflictError("保存されたファイルが変更されています / the stored batch "
                                        "file changed since it was uploaded", field="file")
                yield JobRun(self, job_id, path, self._finished_lines(job_id))
            except Exception as exc:  # the job's boundary: record why, let the CLI report it
                self._end(job_id, "failed", at=clock(), failure=exc)
                raise
            self._end(job_id, "done", at=clock())

    def record(self, job_id: str, result: RowResult) -> None:
        """Keep one row's result (a re-run row's new result replaces the old one)."""
        with self.registry.writing() as session:
            session.merge(BatchRowRecord(
                job_id=job_id, line=result.line, status=result.status, key=result.key,
                file_id=result.file_id, version=result.version, sha256=result.sha256,
                error=result.error, reason=result.reason))

    # -- helpers -------------------------------------------------------------------------------

    def _folder(self, job_id: str) -> Path:
        """The job's folder. :raises NotFoundError: not a job ID (never a path outside)."""
        if not _JOB_ID.fullmatch(job_id):
            raise NotFoundError(f"no batch job {job_id!r}", field="job")
        return self.folder / job_id

    def _finished_lines(self, job_id: str) -> frozenset[int]:
        with self.registry.reading() as session:
            return frozenset(session.scalars(
                select(BatchRowRecord.line).where(BatchRowRecord.job_id == job_id,
                                                  BatchRowRecord.status.in_(_DONE))))

    def _end(self, job_id: str, state: str, *, at: dt.datetime,
             failure: BaseException | None = None) -> None:
        with self.registry.writing() as session:
            row = _record(session, job_id)
            row.state, row.finished_at = state, at
            if failure is not None:
                problem = describe(failure)
                row.error = (problem.message if problem else
                             f"unexpected {type(failure).__name__} (see {LOG})")
                row.reason = problem.reason if problem else "unexpected"

    def _view(self, row: BatchJobRecord, counts: dict[str, int], queued_alive: set[str],
              earlier: tuple[str, ...] = ()) -> BatchJob:
        """The job as shown; alive: a chunk on the queue, or the local process's lock."""
        alive = (row.job_id in queued_alive if row.signer is not None
                 else is_locked(self.folder / row.job_id))
        return BatchJob(**{name: getattr(row, name) for name in _STORED},
                        issued=counts.get("issued", 0), skipped=counts.get("skipped", 0),
                        failed=counts.get("failed", 0), alive=alive, earlier=earlier)


@dataclass(frozen=True)
class JobRun:
    """The job process's handle on its job (from :meth:`BatchJobs.run`)."""

    jobs: BatchJobs
    job_id: str
    #: The stored batch file.
    path: Path
    #: Lines an earlier run of this job already issued (or found issued).
    finished_lines: frozenset[int]

    def pending(self, rows: Sequence[BatchRow]) -> list[BatchRow]:
        """The rows still to run: all of them, less those an earlier run issued."""
        return [row for row in rows if row.line not in self.finished_lines]

    def record(self, result: RowResult) -> None:
        """Keep one row's result."""
        self.jobs.record(self.job_id, result)

    def results(self) -> list[RowResult]:
        """Every row's result, this run's and the earlier runs'."""
        return self.jobs.results(self.job_id)


def _finished() -> ConflictError:
    return ConflictError("このバッチは完了しています / this batch is finished", field="job")


def _record(session: Session, job_id: str) -> BatchJobRecord:
    row = session.get(BatchJobRecord, job_id)
    if row is None:
        raise NotFoundError(f"no batch job {job_id!r}", field="job")
    return row


def _queued_alive(session: Session, rows: Sequence[BatchJobRecord]) -> set[str]:
    """Which of the queued jobs among ``rows`` have a chunk waiting or running."""
    queued = [row.job_id for row in rows if row.signer is not None]
    return live_jobs(session, queued) if queued else set()


def _counts(session: Session, job_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """Rows per status, per job."""
    counts: dict[str, dict[str, int]] = {}
    if not job_ids:
        return counts
    for job_id, status, n in session.execute(
            select(BatchRowRecord.job_id, BatchRowRecord.status, func.count())
            .where(BatchRowRecord.job_id.in_(job_ids))
            .group_by(BatchRowRecord.job_id, BatchRowRecord.status)):
        counts.setdefault(job_id, {})[status] = n
    return counts


def _keep(path: Path, data: bytes) -> list[BatchRow]:
    """Store an upload in its new folder and read its rows; a refused one leaves nothing.

    :raises InputError: unreadable or without rows (``field="file"``, never the path).
    :raises WriteError: it cannot be stored.
    """
    path.parent.mkdir(parents=True)
    try:
        write_atomically(path, data)
        rows = read_rows(path)
        if not rows:
            raise InputError("行がありません / the file has no rows")
    except PdfsignError as exc:
        path.unlink(missing_ok=True)
        path.parent.rmdir()
        if isinstance(exc, InputError):
            raise InputError(exc.message, field="file") from None
        raise
    return rows
