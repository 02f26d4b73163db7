"""Verify many paths: files and folders (recursively, ``*.pdf``), results in input order.

Few files are verified in this process.  Many are spread over a warm pool of worker
processes: each worker starts once, receives the trust settings once (its initializer), and
then verifies one file per task; ``Executor.map`` hands the reports back in input order as
soon as each one and those before it are done, so a caller can print them as they come.
Every file is verified on its own, from its bytes, exactly as in a single-file run: a worker
keeps nothing from one file to the next but the trust settings and the run's revocation
cache (CRLs and OCSP responses fetched successfully, kept until their ``nextUpdate``; see
:mod:`verify.revocation_cache`), so a folder signed by one signer asks the responders once
per process, not once per file.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from verify.document import verify_pdf
from verify.errors import UnreadablePathError
from verify.report import DocumentReport, Level, VerificationRun
from verify.revocation_cache import RevocationCache
from verify.trust import TrustSettings

__all__ = ["POOL_MIN_FILES", "default_workers", "expand_paths", "iter_reports", "verify_paths"]

#: Below this many files per worker, starting the workers costs more than it saves and
#: the files are verified in this process.  A spawned worker imports the caller's main
#: module and pyHanko (≈0.6 s since the CLI loads its commands lazily) before its first
#: file; at ≈55 ms a file, two workers break even at about 20 files (measured: 20 files
#: 1.1 s either way, 40 files 2.2 s in-process and 1.6 s with two workers).
POOL_MIN_FILES = 12
#: Files a worker takes per task: enough to amortise the hand-over, few enough that
#: reports still come back one by one.
_CHUNK = 2


def default_workers() -> int:
    """Worker processes for a large run: one per CPU this process may use."""
    return max(len(os.sched_getaffinity(0)), 1)


def expand_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """Each file as given; each folder's ``*.pdf`` files, recursively, in sorted order.

    :raises UnreadablePathError: for a path that does not exist.
    """
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file()
                              and p.suffix.lower() == ".pdf")
        elif path.exists():
            yield path
        else:
            raise UnreadablePathError("no such file or folder", field=str(path))


@dataclass(frozen=True)
class _Job:
    """What every file of a run is verified with."""

    settings: TrustSettings
    at: datetime
    require: Level | None
    #: Pickled into a worker, it arrives empty: each process fills its own.
    cache: RevocationCache

    def run(self, path: Path) -> DocumentReport:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise UnreadablePathError(f"cannot read: {exc.strerror}",
                                      field=str(path)) from None
        return verify_pdf(data, path=str(path), settings=self.settings, at=self.at,
                          require=self.require, revocation_cache=self.cache)


_worker_job: _Job | None = None
#: Loggers whose levels a worker takes from the caller: pyHanko logs every failed check with
#: a traceback, and a caller that silenced that (``pdfsign verify``) means it for the
#: workers too, whose logging is otherwise unconfigured.
_LIBRARY_LOGGERS = ("pyhanko", "pyhanko_certvalidator")


def _start_worker(job: _Job, log_levels: dict[str, int]) -> None:
    """Pool initializer: the trust settings arrive once per worker, not once per file."""
    global _worker_job  # noqa: PLW0603 - the one piece of state a pool worker keeps
    _worker_job = job
    for name, level in log_levels.items():
        logging.getLogger(name).setLevel(level)


def _verify_in_worker(path: Path) -> DocumentReport:
    assert _worker_job is not None, "the pool initializer did not run"
    return _worker_job.run(path)


def iter_reports(paths: Iterable[Path], *, settings: TrustSettings, at: datetime,
                 require: Level | None = None, workers: int = 1,
                 min_files_per_worker: int = POOL_MIN_FILES) -> Iterator[DocumentReport]:
    """Verify every PDF named by ``paths``, yielding each report in input order.

    :param at: the validation time, tz-aware, the same for every file.
    :param workers: processes to spread a large run over; with 1, or fewer than
        ``min_files_per_worker`` files per worker, everything runs in this process.
    :raises UnreadablePathError: when a given path is missing or cannot be read (the files
        before it have been yielded).
    """
    files = list(expand_paths(paths))
    job = _Job(settings, at, require, RevocationCache())
    if workers <= 1 or len(files) < min_files_per_worker * workers:
        yield from (job.run(p) for p in files)
        return
    # spawn: a forked child would inherit the parent's threads and locks half-held
    context = multiprocessing.get_context("spawn")
    levels = {name: logging.getLogger(name).getEffectiveLevel() for name in _LIBRARY_LOGGERS}
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                               initargs=(job, levels))
    try:
        yield from pool.map(_verify_in_worker, files, chunksize=_CHUNK)
    finally:  # a caller that stops early must not wait for the files it no longer wants
        pool.shutdown(wait=True, cancel_futures=True)


def verify_paths(paths: Iterable[Path], *, settings: TrustSettings, at: datetime,
                 require: Level | None = None, workers: int = 1) -> VerificationRun:
    """Verify every PDF named by ``paths``; a broken file is a report, never an exception.

    :param at: the validation time, tz-aware.
    :param workers: see :func:`iter_reports`.
    :raises UnreadablePathError: when a given path is missing or cannot be read.
    """
    reports = tuple(iter_reports(paths, settings=settings, at=at, require=require,
                                 workers=workers))
    return VerificationRun(documents=reports, validated_at=at)
