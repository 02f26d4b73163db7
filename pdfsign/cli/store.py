"""``pdfsign migrate-store``: move every stored PDF to another store, verified, resumable."""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import ExitStack

import click

from pdfsign.cli._home import emit, home_options
from pdfsign.cli._progress import progress_display
from pdfsign.config import Settings, check_blobs_url
from pdfsign.registry import Registry
from pdfsign.registry.blob_stores import absolute_file_url, open_blobs, s3_endpoint
from pdfsign.registry.store_migration import MigrationReport, migrate_store

__all__ = ["migrate_store_command"]


@click.command("migrate-store")
@click.option("--to", "target_url", required=True, metavar="URL",
              help="The new store: file:///PATH (or file:RELATIVE/PATH), postgresql or "
                   "s3://BUCKET/PREFIX (reached with the s3_* settings).")
@click.option("--delete-source", is_flag=True,
              help="Delete each PDF from the current store once its copy is verified.")
@click.option("--progress/--no-progress", default=None,
              help="Show progress on stderr [default: on a terminal, for 10 PDFs or more].")
@home_options
def migrate_store_command(target_url: str, delete_source: bool, progress: bool | None,
                          settings: Settings, as_json: bool) -> None:
    """Copy every PDF the registry keeps from the store of the blobs setting to --to.

    Each PDF is read hash-checked, written, and read back hash-checked from the new store
    before it counts (or, with --delete-source, is deleted from the old one). Killed, it
    resumes when run again. Afterwards set blobs = URL on every node, and run it once more
    to catch PDFs written meanwhile. Exits 1 if any PDF could not be copied intact; exits 7,
    copying nothing, if --to is the current store however spelled.
    """
    target_url = absolute_file_url(target_url)
    check_blobs_url(target_url, field="--to")
    registry = Registry.open(settings)
    target = open_blobs(target_url, registry.db, s3_endpoint(settings))
    with ExitStack() as stack:
        def start(total: int) -> Callable[[], None]:
            return stack.enter_context(progress_display(
                total, asked=progress, label="copying", done_line="copied {done}/{total} PDFs"))

        report = migrate_store(registry, target, delete_source=delete_source, progress=start)
    emit(as_json, report.to_json(), _summary(report))
    if report.failed:
        sys.exit(1)


def _summary(report: MigrationReport) -> str:
    """The human lines: one per failure, then the counts."""
    lines = [f"failed {digest}: {reason}" for digest, reason in report.failed]
    lines.append(f"{report.source} → {report.target}: {report.total} PDFs, {report.copied} "
                 f"copied, {report.present} already there, {report.repaired} repaired, "
                 f"{report.deleted} deleted from the source, {len(report.failed)} failed")
    return "\n".join(lines)
