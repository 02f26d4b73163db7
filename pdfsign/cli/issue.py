"""``pdfsign issue``: issue one document from its data file, a whole batch, or a batch job.

``--job ID`` runs a batch job uploaded in the web UI (:mod:`pdfsign.batch_jobs`): the web
server starts it detached with ``--pin-file -``, the PIN on standard input, and it records
its progress and each row's result in the registry, where the job's page reads them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import click

from pdfsign import batch as batch_issuing
from pdfsign import issuing
from pdfsign.atomic import write_atomically
from pdfsign.batch_jobs import BatchJobs
from pdfsign.cli._home import emit, home_options, now
from pdfsign.cli._signer import signer_options, with_signer
from pdfsign.config import Settings
from pdfsign.documents import load_data
from pdfsign.errors import InputError

__all__ = ["issue", "open_issuer"]


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
                   "each row's result in the registry; a resumed job skips the rows it issued.")
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


def _run_job(settings: Settings, job_id: str, *, signer: str | None, pin_file: Path | None,
             workers: int, as_json: bool, results: Path | None) -> None:
    """Run (or resume) a batch job: its rows still to do, each result kept as it arrives."""
    jobs = BatchJobs(settings)
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
