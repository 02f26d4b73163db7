"""Batch jobs on the work queue (PostgreSQL): the file in the database, chunks as queue jobs.

On PostgreSQL no node keeps a batch: :func:`submit_queued` stores the uploaded bytes in
``batch_job_files`` and defers the job's rows as chunks of :data:`CHUNK_ROWS` lines on the
queue of the job's signer (:func:`pdfsign.workqueue.batch_queue`), where any worker holding
that signer's PIN takes them — two workers split a batch.  A worker runs a chunk with
:func:`run_chunk`: each row under its idempotency key, each result recorded as it
arrives, so a chunk run again (its worker was killed and the stalled job retried) finds
what it already issued and issues nothing twice.  Pages read only the database: the rows'
results, and whether a chunk is still queued or running (:func:`live_jobs`).

The signing PIN is checked at submission (by :class:`pdfsign.batch_jobs.BatchJobs`) and
never goes into a job: the workers were started with their signers' PINs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import socket
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from pathlib import Path

from procrastinate.types import JSONDict
from sqlalchemy import bindparam, delete, func, select, text
from sqlalchemy.orm import Session

from pdfsign import issuing
from pdfsign.batch import BatchRow, RowResult, issue_row, parse_rows
from pdfsign.batch_tables import BatchFileRecord, BatchJobRecord, BatchRowRecord
from pdfsign.config import Settings
from pdfsign.errors import ConfigurationError, ConflictError, InputError, NotFoundError, describe
from pdfsign.registry import Registry
from pdfsign.workqueue.app import SCHEMA, batch_queue, queue_app

__all__ = ["CHUNK_ROWS", "CHUNK_TASK", "chunks", "defer_chunks", "finish_if_complete",
           "live_jobs", "resume_queued", "run_chunk", "submit_queued"]

#: Rows per queue job: small enough that a killed worker's chunk costs little to redo, large
#: enough that the queue's own work (a fetch, a finish) is nothing beside the signing.
CHUNK_ROWS = 25
#: The chunk task's name in the queue (:mod:`pdfsign.workqueue.tasks`).
CHUNK_TASK = "pdfsign:issue_chunk"
_DONE = ("issued", "skipped")


def submit_queued(registry: Registry, settings: Settings, *, job_id: str, filename: str,
                  fmt: str, data: bytes, actor: str, at: dt.datetime) -> None:
    """Keep the file and the job in the database, record unreadable rows, defer the chunks.

    :raises InputError: not UTF-8, or no rows (``field="file"``): nothing is kept.
    :raises ConfigurationError: the queue refused the chunks (the job is then failed).
    """
    rows = _rows(data, fmt)
    with registry.writing() as session:
        session.add(BatchJobRecord(
            job_id=job_id, filename=Path(filename).name[:255], format=fmt,
            sha256=hashlib.sha256(data).hexdigest(), rows=len(rows), created_by=actor,
            created_at=at, state="queued", started_by=actor, runs=1, signer=settings.signer))
        session.flush()
        session.add(BatchFileRecord(job_id=job_id, data=data))
        for row in rows:
            if row.data is None:
                session.add(_record_of(job_id, RowResult(row.line, "failed", row.key,
                                                         error=row.error,
                                                         reason=InputError.reason)))
    defer_chunks(registry, settings, job_id, [row.line for row in rows if row.data is not None],
                 at=at)


def resume_queued(registry: Registry, settings: Settings, job_id: str, *, actor: str,
                  at: dt.datetime) -> None:
    """Queue again the rows of a stopped or failed job that have no issued result.

    :raises ConflictError: it is finished.
    :raises ConfigurationError: the queue cannot be reached.
    """
    with registry.writing() as session:
        job = _job(session, job_id)
        if job.state == "done":
            raise ConflictError("このバッチは完了しています / this batch is finished", field="job")
        job.state, job.started_by, job.runs = "queued", actor, job.runs + 1
        job.error = job.reason = job.finished_at = None
        file = session.get(BatchFileRecord, job_id)
        assert file is not None
        data, fmt = file.data, job.format
        # on the queue of the job's own signer, whatever signer the resuming node has
        settings = replace(settings, signer=job.signer or settings.signer)
        finished = set(session.scalars(select(BatchRowRecord.line).where(
            BatchRowRecord.job_id == job_id, BatchRowRecord.status.in_(_DONE))))
        session.execute(delete(BatchRowRecord).where(
            BatchRowRecord.job_id == job_id, BatchRowRecord.status == "failed"))
    rows = _rows(data, fmt)
    for row in rows:  # an unreadable row stays failed: its result is kept again
        if row.data is None:
            _record(registry, job_id, RowResult(row.line, "failed", row.key, error=row.error,
                                                reason=InputError.reason))
    defer_chunks(registry, settings, job_id,
                 [r.line for r in rows if r.data is not None and r.line not in finished], at=at)


def chunks(lines: Sequence[int]) -> list[tuple[int, int]]:
    """(first, last) line of each chunk of :data:`CHUNK_ROWS` of ``lines`` (ascending)."""
    ordered = sorted(lines)
    return [(part[0], part[-1]) for start in range(0, len(ordered), CHUNK_ROWS)
            if (part := ordered[start:start + CHUNK_ROWS])]


def defer_chunks(registry: Registry, settings: Settings, job_id: str, lines: Sequence[int], *,
                 at: dt.datetime) -> None:
    """Put the chunks of ``lines`` on the job's signer's queue; finish a job with none.

    :raises ConfigurationError: the queue cannot be reached (the job is marked failed).
    """
    parts = chunks(lines)
    if not parts:
        finish_if_complete(registry, job_id, at=at)
        return
    args: list[JSONDict] = [{"job_id": job_id, "first": first, "last": last}
                            for first, last in parts]
    try:
        with queue_app(settings, pool_size=1).open() as app:
            app.configure_task(CHUNK_TASK, queue=batch_queue(settings.signer)).batch_defer(
                *args)
    except Exception as exc:  # the queue's boundary: any driver error fails the job
        failure = ConfigurationError(f"キューに登録できません / cannot queue the batch: {exc}",
                                     field="job")
        _fail(registry, job_id, failure, at=at)
        raise failure from exc


def live_jobs(session: Session, job_ids: Collection[str]) -> set[str]:
    """The jobs among ``job_ids`` with a chunk still waiting or running on the queue."""
    if not job_ids:
        return set()
    query = text(f"SELECT DISTINCT args->>'job_id' FROM {SCHEMA}.procrastinate_jobs "
                 "WHERE task_name = :task AND status IN ('todo', 'doing') "
                 "AND args->>'job_id' IN :ids").bindparams(bindparam("ids", expanding=True))
    return set(session.scalars(query, {"task": CHUNK_TASK, "ids": list(job_ids)}))


def run_chunk(registry: Registry, job_id: str, first: int, last: int, *,
              issuer: Callable[[str], issuing.Issuer], clock: Callable[[], dt.datetime]
              ) -> int:
    """Issue the job's rows from line ``first`` to ``last`` that have no result yet.

    :param issuer: the warm issuer of a signer (the job names its signer).
    :return: how many rows it ran.
    :raises NotFoundError: no such job (it was removed).
    :raises ConflictError: the stored file's SHA-256 is not the job's.
    """
    with registry.writing() as session:
        job = _job(session, job_id)
        file = session.get(BatchFileRecord, job_id)
        if file is None or hashlib.sha256(file.data).hexdigest() != job.sha256:
            raise ConflictError("保存されたファイルが変更されています / the stored batch file "
                                "changed since it was uploaded", field="file")
        if job.state == "queued":
            job.state, job.started_at = "running", clock()
        signer, fmt, data, started_by = job.signer or "", job.format, file.data, job.started_by
        finished = set(session.scalars(select(BatchRowRecord.line).where(
            BatchRowRecord.job_id == job_id, BatchRowRecord.status.in_(_DONE),
            BatchRowRecord.line.between(first, last))))
    todo = [row for row in _rows(data, fmt) if first <= row.line <= last
            and row.data is not None and row.line not in finished]
    if not todo:
        finish_if_complete(registry, job_id, at=clock())
        return 0
    # the versions' actor is whoever started the run, as in a local job's process
    warm = replace(issuer(signer), actor=started_by)
    me = f"{socket.gethostname()}:{os.getpid()}"[:100]
    for row in todo:
        _record(registry, job_id, issue_row(warm, row, at=clock()), worker=me)
    finish_if_complete(registry, job_id, at=clock())
    return len(todo)


def finish_if_complete(registry: Registry, job_id: str, *, at: dt.datetime) -> None:
    """Mark the job done once every row has a result (whichever chunk ends last)."""
    with registry.writing() as session:
        job = session.get(BatchJobRecord, job_id, with_for_update=True)
        if job is None or job.state == "done":
            return
        results = session.scalar(select(func.count()).select_from(BatchRowRecord).where(
            BatchRowRecord.job_id == job_id))
        if results is not None and results >= job.rows:
            job.state, job.finished_at = "done", at


def _record(registry: Registry, job_id: str, result: RowResult, *,
            worker: str | None = None) -> None:
    """Keep a row's result; a failure never replaces an issued row's result.

    (A chunk retried while its first worker still ran can meet its own rows: the registry
    refuses the second issue under the same key, and the first result stands.)
    """
    with registry.writing() as session:
        kept = session.get(BatchRowRecord, (job_id, result.line), with_for_update=True)
        if kept is not None and kept.status in _DONE and result.status == "failed":
            return
        session.merge(_record_of(job_id, result, worker=worker))


def _record_of(job_id: str, result: RowResult, *, worker: str | None = None) -> BatchRowRecord:
    return BatchRowRecord(job_id=job_id, line=result.line, status=result.status,
                          key=result.key, file_id=result.file_id, version=result.version,
                          sha256=result.sha256, error=result.error, reason=result.reason,
                          worker=worker)


def _fail(registry: Registry, job_id: str, failure: Exception, *, at: dt.datetime) -> None:
    problem = describe(failure)
    with registry.writing() as session:
        job = _job(session, job_id)
        job.state, job.finished_at = "failed", at
        job.error = problem.message if problem else str(failure)
        job.reason = problem.reason if problem else "unexpected"


def _job(session: Session, job_id: str) -> BatchJobRecord:
    job = session.get(BatchJobRecord, job_id)
    if job is None:
        raise NotFoundError(f"no batch job {job_id!r}", field="job")
    return job


def _rows(data: bytes, fmt: str) -> list[BatchRow]:
    """The file's rows. :raises InputError: not UTF-8, or none (``field="file"``)."""
    rows = parse_rows(data, fmt=fmt, field="file")
    if not rows:
        raise InputError("行がありません / the file has no rows", field="file")
    return rows

