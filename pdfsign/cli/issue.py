"""``pdfsign issue``: issue one document from its data file, a whole batch, or a batch job.

On PostgreSQL ``--batch`` submits the file to the work queue and follows it while the
``pdfsign worker`` processes issue it (:mod:`pdfsign.batch_queue`); ``--job ID`` of such a
job queues its unfinished rows again, as the job's web page's Resume does, and follows it.

``--job ID`` runs a batch job uploaded in the web UI (:mod:`pdfsign.batch_jobs`): the web
server starts it detached with ``--pin-file -``, the PIN on standard input, and it records
its progress and each row's result in the registry, where the job's page reads them.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import click

from pdfsign import batch as batch_issuing
from pdfsign import issuing
from pdfsign.atomic import write_atomically
from pdfsign.batch_jobs import BatchJob, BatchJobs
from pdfsign.cli._home import emit, home_options, now
from pdfsign.cli._signer import signer_options, with_signer
from pdfsign.config import Settings
from pdfsign.documents import load_data
from pdfsign.errors import ConflictError, InputError
from pdfsign.workqueue import uses_queue

__all__ = ["issue", "open_issuer"]

#: How often ``issue --batch`` on the work queue looks at its job's progress.
_FOLLOW_POLL_S = 0.5


def open_issuer(settings: Settings, *, signer: str | None, pin_file: Path | None
                ) -> tuple[Settings, issuing.Issuer]:
    """Resolve the signer and PIN (see :mod:`pdfsign.cli._signer`), then build the warm issuer."""
    settings = with_signer(settings, signer=signer, pin_file=pin_file)
    return settings, issuing.Issuer.open(settings)



@click.command()
@click.argument("data", required=False, type=click.Path(dir_okay=False, exists=True,
                                                        path_type=Path))
@click.option("--batch", "batch_file", type=click.Path(dir_okay=False, exists=True,
                                                       path_type=Path),
              help="Issue every row of a .jsonl or .csv file.")
@click.option("--job", "job_id", metavar="ID",
              help="Run batch job ID (uploaded in the web UI), recording its progress and "
                   "each row's result in the registry; a resumed job skips the rows it issued. "
                   "On PostgreSQL: queue its unfinished rows again for the workers and follow it.")
@click.option("--workers", type=click.IntRange(min=1), default=os.cpu_count() or 1,
              show_default="CPU count", help="Worker processes for --batch and --job.")
@click.option("--results", type=click.Path(dir_okay=False, path_type=Path),
              help="Where --batch writes one line per row, CSV if it ends in .csv, else JSON "
                   "lines (default: BATCH.results.jsonl; --job: none, the job keeps them).")
@click.option("--idempotency-key", help="Issue at most once under this key.")
@signer_options
@home_options
def issue(data: Path | None, batch_file: Path | None, job_id: str | None, workers: int,
          results: Path | None, idempotency_key: str | None, signer: str | None,
          pin_file: Path | None, settings: Settings, as_json: bool) -> None:
    """Issue DATA (a document's JSON) as version 1, every row of --batch, or batch job --job."""
    if sum(given is not None for given in (data, batch_file, job_id)) != 1:
        raise click.UsageError("give one of DATA, --batch FILE or --job ID")
    if job_id is not None:
        _run_job(settings, job_id, signer=signer, pin_file=pin_file, workers=workers,
                 as_json=as_json, results=results)
        return
    if batch_file is not None and uses_queue(settings):
        _queue_batch(with_signer(settings, signer=signer, pin_file=pin_file), batch_file,
                     as_json=as_json, results=results or batch_file.with_suffix(".results.jsonl"))
        return
    settings, issuer = open_issuer(settings, signer=signer, pin_file=pin_file)
    if batch_file is not None:
        _run_batch(settings, batch_file, workers=workers, as_json=as_json,
                   results=results or batch_file.with_suffix(".results.jsonl"))
        return
    assert data is not None
    version = issuing.issue(issuer, load_data(data), at=now(), idempotency_key=idempotency_key)
    emit(as_json, version.to_json(),
         f"issued {version.file_id} version {version.number} (issue count "
         f"{version.issue_count}, sha256 {version.sha256[:16]}…)")


def _run_batch(settings: Settings, path: Path, *, workers: int, as_json: bool,
               results: Path) -> None:
    """Run a batch with a progress bar on stderr; write the results file; print the summary."""
    rows = batch_issuing.read_rows(path)
    summary = _issue_rows(settings, rows, workers=workers)
    _finish(summary.results, summary, rows=len(rows), as_json=as_json, results_file=results,
            where=str(results))


def _queue_batch(settings: Settings, path: Path, *, as_json: bool, results: Path) -> None:
    """On PostgreSQL: submit the file as a batch job on the work queue, follow it to its end.

    The workers (``pdfsign worker``) issue it; this process only checks the PIN, keeps the
    file in the database and watches the rows' results arrive.

    :raises ConflictError: the job stopped before its end (no worker could finish it).
    """
    jobs = BatchJobs(settings)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", field=str(path)) from exc
    job = jobs.submit(path.name, data, pin=settings.pin, workers=1, actor=settings.actor,
                      at=now())
    _follow(jobs, job, verb="queued", as_json=as_json, results=results)


def _follow_queued_job(settings: Settings, jobs: BatchJobs, job: BatchJob, *,
                       signer: str | None, pin_file: Path | None, as_json: bool,
                       results: Path | None) -> None:
    """``--job`` for a job on the work queue: queue its unfinished rows again (as the web
    page's Resume does, with the PIN checked) unless a chunk is still queued or running,
    then follow it to its end.  The workers issue it; this process signs nothing.

    :raises InputError: ``--signer`` names another signer than the job's.
    """
    if signer is not None and signer != job.signer:
        raise InputError(f"このジョブの署名者は {job.signer} です / this job signs with "
                         f"{job.signer}, not {signer}", field="signer")
    if job.alive:
        verb = "already queued"
    else:
        settings = with_signer(settings, signer=job.signer, pin_file=pin_file)
        job = BatchJobs(settings, jobs.registry).resume(
            job.job_id, pin=settings.pin, workers=1, actor=settings.actor, at=now())
        verb = "queued again"
    _follow(jobs, job, verb=verb, as_json=as_json, results=results)


def _follow(jobs: BatchJobs, job: BatchJob, *, verb: str, as_json: bool,
            results: Path | None) -> None:
    """Watch a queued job's rows get results until it ends; report like a local batch.

    :raises ConflictError: the job stopped before its end (no worker could finish it).
    """
    started = time.perf_counter()
    click.echo(f"batch job {job.job_id}: {job.rows - job.finished_rows} rows {verb} for the "
               f"workers (pdfsign worker --signer {job.signer} …)", err=True)
    with click.progressbar(length=job.rows, label="issuing", file=sys.stderr) as bar:
        while job.active:
            time.sleep(_FOLLOW_POLL_S)
            job = jobs.get(job.job_id)
            bar.update(job.finished_rows - bar.pos)
    if job.status != "done":
        raise ConflictError(f"バッチ {job.job_id} は途中で停止しました / batch job {job.job_id} "
                            f"stopped before its end ({job.error or job.status}); resume it "
                            f"on its web page", field="job")
    summary = batch_issuing.BatchSummary(tuple(jobs.results(job.job_id)),
                                         time.perf_counter() - started)
    _finish(summary.results, summary, rows=job.rows, as_json=as_json, results_file=results,
            where=str(results) if results else f"batch job {job.job_id}")


def _run_job(settings: Settings, job_id: str, *, signer: str | None, pin_file: Path | None,
             workers: int, as_json: bool, results: Path | None) -> None:
    """Run (or resume) a batch job: its rows still to do, each result kept as it arrives."""
    jobs = BatchJobs(settings)
    job = jobs.get(job_id)
    if job.signer is not None:
        _follow_queued_job(settings, jobs, job, signer=signer, pin_file=pin_file,
                           as_json=as_json, results=results)
        return
    with jobs.run(job_id, actor=settings.actor, clock=now) as run:  # an error fails the job
        settings, _ = open_issuer(settings, signer=signer, pin_file=pin_file)
        rows = batch_issuing.read_rows(run.path)
        jobs.registry.db.dispose()  # no pooled connection crosses the workers' fork
        summary = _issue_rows(settings, run.pending(rows), workers=workers,
                              on_result=run.record)
        everything = run.results()
    _finish(everything, summary, rows=len(rows), as_json=as_json, results_file=results,
            where=str(results) if results else f"batch job {job_id}")


def _issue_rows(settings: Settings, rows: list[batch_issuing.BatchRow], *, workers: int,
                on_result: Callable[[batch_issuing.RowResult], None] = lambda _: None
                ) -> batch_issuing.BatchSummary:
    """:func:`pdfsign.batch.run_batch` with a progress bar on standard error."""
    with click.progressbar(length=len(rows), label="issuing", file=sys.stderr) as bar:
        def arrived(result: batch_issuing.RowResult) -> None:
            on_result(result)
            bar.update(1)

        return batch_issuing.run_batch(settings, rows, workers=workers, clock=now,
                                       on_result=arrived)


def _finish(results: Sequence[batch_issuing.RowResult], run: batch_issuing.BatchSummary, *,
            rows: int, as_json: bool, results_file: Path | None, where: str) -> None:
    """Write the results file, list the failed rows on stderr, print the summary.

    :param results: every row's result (a job's earlier runs' too).
    :param run: this run, for its time and speed.
    :param where: where the results are, for the summary.
    :raises SystemExit: 3 if any row failed.
    """
    if results_file is not None:
        csv = results_file.suffix.lower() == ".csv"
        write_atomically(results_file, (batch_issuing.results_csv if csv else
                                        batch_issuing.results_jsonl)(results))
    for failed in (r for r in results if r.status == "failed"):
        click.echo(f"line {failed.line}: {failed.error}", err=True)
    counts = {s: sum(1 for r in results if r.status == s) for s in ("issued", "skipped", "failed")}
    emit(as_json, {**counts, "rows": rows, "seconds": round(run.seconds, 3),
                   "per_second": round(run.per_second, 2), "results": where},
         f"{counts['issued']} issued, {counts['skipped']} already issued, {counts['failed']} "
         f"failed of {rows} rows in {run.seconds:.1f} s "
         f"({run.per_second:.1f} documents/s); results in {where}")
    if counts["failed"]:
        raise SystemExit(InputError.exit_code)
