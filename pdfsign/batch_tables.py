"""The batch jobs' tables, in the registry's database (one schema, one set of migrations).

A *batch job* is one uploaded batch file and the detached process that issues its rows
(:mod:`pdfsign.batch_jobs`); *batch_job_rows* holds each row's result as soon as the
process has it, so the progress and the results outlive the web server and the process.
On PostgreSQL (the work queue, :mod:`pdfsign.batch_queue`) the uploaded file itself is kept
in *batch_job_files*, so that any worker on any machine reads it: no node keeps a batch.
The signing PIN has no column: it is never stored.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pdfsign.registry.models import Base, UtcDateTime

__all__ = ["BatchFileRecord", "BatchJobRecord", "BatchRowRecord"]


class BatchJobRecord(Base):
    """One batch job: its input file, who started it, and how far its process got."""

    __tablename__ = "batch_jobs"

    job_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    #: The file name as uploaded (shown, never used as a path).
    filename: Mapped[str] = mapped_column(String(255))
    #: ``csv`` or ``jsonl``: the stored input is ``<home>/batches/<job_id>/rows.<format>``.
    format: Mapped[str] = mapped_column(String(5))
    #: SHA-256 of the input, so that the same file uploaded again can be recognised.
    sha256: Mapped[str] = mapped_column(String(64))
    #: Rows read from the file at upload (blank lines not counted).
    rows: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    #: ``queued`` (process starting), ``running``, ``done`` or ``failed`` (the job as a whole,
    #: e.g. the PIN was refused); a dead process is found from its lock, not stored.
    state: Mapped[str] = mapped_column(String(10))
    #: Who started the current run (the uploader, or whoever resumed it).
    started_by: Mapped[str] = mapped_column(String(100))
    #: How many times a process was started for the job (1 + resumes).
    runs: Mapped[int] = mapped_column(Integer, default=1)
    #: The current run's process, as it recorded itself.
    pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    #: Why the job as a whole failed (``describe``'s message and reason token).
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    #: The signer whose workers issue it, for a job on the work queue (``None``: a local
    #: process, the embedded default).
    signer: Mapped[str | None] = mapped_column(String(300), nullable=True)

    __table_args__ = (Index("ix_batch_jobs_created_at", "created_at"),
                      Index("ix_batch_jobs_sha256", "sha256"))


class BatchRowRecord(Base):
    """One input row's result (:class:`pdfsign.batch.RowResult`), keyed by its line."""

    __tablename__ = "batch_job_rows"

    job_id: Mapped[str] = mapped_column(ForeignKey("batch_jobs.job_id"), primary_key=True)
    line: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: ``issued``, ``skipped`` (an earlier run issued it) or ``failed``.
    status: Mapped[str] = mapped_column(String(8))
    #: The row's idempotency key (its own ``idempotency_key`` or its data's SHA-256).
    key: Mapped[str] = mapped_column(String(200))
    file_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    #: Which worker process produced it (``host:pid``), for a job on the work queue.
    worker: Mapped[str | None] = mapped_column(String(100), nullable=True)


class BatchFileRecord(Base):
    """A queued job's uploaded file, as uploaded (its SHA-256 is the job's ``sha256``)."""

    __tablename__ = "batch_job_files"

    job_id: Mapped[str] = mapped_column(ForeignKey("batch_jobs.job_id"), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
