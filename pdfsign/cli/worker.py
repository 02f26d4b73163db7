"""``pdfsign worker``: take batch chunks, renewals and the outbox from the work queue.

Needs the registry on PostgreSQL (:mod:`pdfsign.workqueue`).  Start as many as wanted, on
as many machines as wanted.  Each ``--signer NAME --pin-file PATH`` pair lets the worker take
the batches that signer signs: the file is read once at start and the PIN stays in the
worker's memory — never in the queue, the database, a log, the command line or the
environment.  A worker without any signer runs only the periodic jobs.
"""

from __future__ import annotations

from pathlib import Path

import click

from pdfsign.cli._home import home_options
from pdfsign.cli._signer import read_pin
from pdfsign.config import Settings
from pdfsign.workqueue import require_queue

__all__ = ["worker"]


@click.command()
@click.option("--concurrency", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes (each signs one chunk at a time).")
@click.option("--signer", "signers", multiple=True, metavar="NAME",
              help="A signer whose batches this worker issues (repeat, each with --pin-file).")
@click.option("--pin-file", "pin_files", multiple=True,
              type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="The PIN file of the --signer at the same position (read once).")
@click.option("--stalled-after", type=click.FloatRange(min=1), default=30.0,
              show_default=True, help="Seconds without a heartbeat after which a worker is "
              "taken for dead and its jobs run again (the same on every worker).")
@home_options
def worker(concurrency: int, signers: tuple[str, ...], pin_files: tuple[Path, ...],
           stalled_after: float, settings: Settings, as_json: bool) -> None:
    """Take jobs from the work queue until stopped (SIGTERM or Ctrl-C)."""
    from pdfsign.workqueue.worker import run_workers

    require_queue(settings)
    if len(signers) != len(pin_files):
        raise click.UsageError("give one --pin-file for each --signer, in the same order")
    pins = {signer: read_pin(path, None) for signer, path in zip(signers, pin_files,
                                                                 strict=True)}
    click.echo(f"pdfsign worker: {concurrency} process(es), signers "
               f"{', '.join(pins) or '(none: periodic jobs only)'}", err=True)
    run_workers(settings, pins, concurrency=concurrency, stalled_after=stalled_after)
