"""``pdfsign renew``: a new archive time-stamp for ES-A files, in the registry or loose."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import click

from pdfsign.archive_chain import archive_state, parse_weak_algorithms
from pdfsign.atomic import write_atomically
from pdfsign.cli._home import emit, home_options, now, parse_instant
from pdfsign.cli._progress import progress_display
from pdfsign.config import Settings
from pdfsign.errors import InputError
from pdfsign.registry import Registry
from pdfsign.registry.blobs import sha256_hex
from pdfsign.renewal import Outcome, renew_pdf, run_renewal
from pdfsign.signing import signing_services_from

__all__ = ["renew"]


@click.command("renew")
@click.argument("targets", nargs=-1, metavar="FILE_ID...|IN.pdf")
@click.option("-o", "--output", metavar="OUT.pdf", type=click.Path(dir_okay=False, path_type=Path),
              help="Renew the one loose file IN.pdf into OUT.pdf (the registry is not used).")
@click.option("--due-within", type=click.IntRange(min=0), metavar="DAYS",
              help="Renew every registry file whose newest archive time-stamp's TSA chain ends "
                   "within DAYS of --at, or uses a weak algorithm (setting weak_algorithms).")
@click.option("--at", "at_text", metavar="TIME",
              help="Plan as of TIME (ISO 8601; JST if no zone) [default: now]. The new "
                   "time-stamp's time is the TSA's.")
@click.option("--dry-run", is_flag=True, help="List what would be renewed; change nothing.")
@click.option("--progress/--no-progress", default=None,
              help="Show progress on stderr [default: on a terminal, for 10 files or more].")
@click.option("--pki", "pki_dir", type=click.Path(file_okay=False, path_type=Path),
              help="The PKI folder (trust root; the bundled TSA's key). [default: configured]")
@click.option("--tsa-url", metavar="URL", help="Use this RFC 3161 TSA and fetch revocation "
              "data over HTTP (default: the configured TSA).")
@home_options
def renew(targets: tuple[str, ...], output: Path | None, due_within: int | None,
          at_text: str | None, dry_run: bool, progress: bool | None, pki_dir: Path | None,
          tsa_url: str | None, settings: Settings, as_json: bool) -> None:
    """Add a new archive time-stamp (and its chain's validation data) to ES-A files.

    \b
    pdfsign renew FILE_ID... [--dry-run]       the registry files named
    pdfsign renew --due-within DAYS [--dry-run] the registry files that are due
    pdfsign renew IN.pdf -o OUT.pdf             one loose file

    -o decides: with it the one argument is a PDF path, without it every argument is a
    file ID. A renewed registry file keeps its version and issue count; its new SHA-256 is
    recorded (history, audit 'renewed') and recipients get the renewed bytes.
    """
    settings = dataclasses.replace(
        settings, pki_dir=pki_dir or settings.pki_dir, tsa_url=tsa_url or settings.tsa_url,
        tsa_mode="http" if tsa_url else settings.tsa_mode)
    if output is not None:
        if len(targets) != 1 or due_within is not None or dry_run:
            raise click.UsageError("-o renews exactly one IN.pdf (no --due-within, --dry-run)")
        _renew_loose(Path(targets[0]), output, settings=settings, as_json=as_json)
        return
    if bool(targets) == (due_within is not None):
        raise click.UsageError("give FILE_IDs or --due-within DAYS (or IN.pdf -o OUT.pdf)")
    _renew_registry(targets or None, due_within, at_text=at_text, dry_run=dry_run,
                    progress=progress, settings=settings, as_json=as_json)


def _renew_loose(source: Path, output: Path, *, settings: Settings, as_json: bool) -> None:
    """Renew one PDF file outside the registry."""
    try:
        pdf = source.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", field=str(source)) from None
    renewed = renew_pdf(pdf, services=signing_services_from(settings))
    write_atomically(output, renewed)
    until = archive_state(renewed).renew_before
    emit(as_json, {"input": str(source), "output": str(output), "old_sha256": sha256_hex(pdf),
                   "new_sha256": sha256_hex(renewed), "renew_before": until},
         f"{output}: renewed ({len(renewed):,} bytes); renew again before "
         f"{until:%Y-%m-%d}" if until else f"{output}: renewed")


def _renew_registry(file_ids: tuple[str, ...] | None, due_within: int | None, *,
                    at_text: str | None, dry_run: bool, progress: bool | None,
                    settings: Settings, as_json: bool) -> None:
    """Plan, renew (unless a dry run), print; exit with the first failure's code."""
    at = parse_instant(at_text, field="--at") or now()
    with ExitStack() as stack:
        def start(total: int) -> Callable[[], None]:
            return stack.enter_context(progress_display(
                total, asked=progress, label="renewing", done_line="renewed {done}/{total} files"))

        outcomes = run_renewal(
            Registry.open(settings), at=at, file_ids=file_ids,
            within=None if due_within is None else dt.timedelta(days=due_within),
            weak=parse_weak_algorithms(settings.weak_algorithms), actor=settings.actor,
            services=None if dry_run else signing_services_from(settings), progress=start)
    shown = [o for o in outcomes if o.status != "not-due"]
    counts = {status: sum(o.status == status for o in outcomes)
              for status in ("renewed", "planned", "not-due", "skipped", "failed")}
    emit(as_json, {"at": at.isoformat(), "dry_run": dry_run, "counts": counts,
                   "files": [o.to_json() for o in shown]},
         "\n".join([*(_line(o) for o in shown),
                    ", ".join(f"{n} {status}" for status, n in counts.items() if n)
                    or "nothing to renew"]))
    failed = [o for o in outcomes if o.status == "failed"]
    if failed:
        sys.exit(failed[0].exit_code or 1)


def _line(outcome: Outcome) -> str:
    """One human line per file that was (or would be) renewed, skipped or failed."""
    why = ", ".join(outcome.reasons)
    until = f"; renew before {outcome.renew_before:%Y-%m-%d}" if outcome.renew_before else ""
    if outcome.status in ("renewed", "planned"):
        return f"{outcome.status} {outcome.file_id} v{outcome.version} ({why}){until}"
    return f"{outcome.status} {outcome.file_id} v{outcome.version}: {outcome.detail}"
