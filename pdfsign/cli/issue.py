"""``pdfsign issue``: issue one document from its data file, or a whole batch."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from pdfsign import batch as batch_issuing
from pdfsign import issuing
from pdfsign.atomic import write_atomically
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
@click.option("--workers", type=click.IntRange(min=1), default=os.cpu_count() or 1,
              show_default="CPU count", help="Worker processes for --batch.")
@click.option("--results", type=click.Path(dir_okay=False, path_type=Path),
              help="Where --batch writes one JSON line per row (default: BATCH.results.jsonl).")
@click.option("--idempotency-key", help="Issue at most once under this key.")
@signer_options
@home_options
def issue(data: Path | None, batch_file: Path | None, workers: int, results: Path | None,
          idempotency_key: str | None, signer: str | None, pin_file: Path | None,
          settings: Settings, as_json: bool) -> None:
    """Issue DATA (a document's JSON) as version 1, or every row of --batch."""
    if (data is None) == (batch_file is None):
        raise click.UsageError("give either DATA or --batch FILE, not both or neither")
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
    with click.progressbar(length=len(rows), label="issuing", file=sys.stderr) as bar:
        summary = batch_issuing.run_batch(settings, rows, workers=workers, clock=now,
                                          on_result=lambda _: bar.update(1))
    write_atomically(results, "".join(json.dumps(r.to_json(), ensure_ascii=False) + "\n"
                                      for r in summary.results).encode())
    for failed in (r for r in summary.results if r.status == "failed"):
        click.echo(f"line {failed.line}: {failed.error}", err=True)
    counts = {s: summary.count(s) for s in ("issued", "skipped", "failed")}
    emit(as_json, {**counts, "rows": len(rows), "seconds": round(summary.seconds, 3),
                   "per_second": round(summary.per_second, 2), "results": str(results)},
         f"{counts['issued']} issued, {counts['skipped']} already issued, {counts['failed']} "
         f"failed of {len(rows)} rows in {summary.seconds:.1f} s "
         f"({summary.per_second:.1f} documents/s); results in {results}")
    if counts["failed"]:
        raise SystemExit(InputError.exit_code)
