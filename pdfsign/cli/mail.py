"""``pdfsign mail``: deliver the upload notifications, see how delivery goes, export them.

``send`` runs the same sender loop as ``pdfsign web serve``'s background thread; ``--once``
delivers what is due now and exits.  ``export`` writes the messages as ``.eml`` files
without sending them (``make demo`` writes ``out/mail/``).
"""

from __future__ import annotations

from pathlib import Path

import click

from pdfsign.cli._home import emit, home_options, now
from pdfsign.cli._sending import run_until_stopped, sender_options
from pdfsign.config import Settings
from pdfsign.notify import (
    OutboxStatus,
    deliver_all,
    export_messages,
    outbox_status,
    requeue_failed,
    run_sender,
)
from pdfsign.registry import JST, Registry

__all__ = ["mail"]


@click.group()
def mail() -> None:
    """Upload notification e-mail: send, status, export."""


@mail.command("send")
@sender_options
@home_options
def mail_send(once: bool, interval: float, settings: Settings, as_json: bool) -> None:
    """Deliver pending notifications over SMTP (PDFSIGN_SMTP_URL), retrying with backoff."""
    registry = Registry.open(settings)
    if once:
        report = deliver_all(registry, settings, clock=now)
        emit(as_json, report.__dict__, f"sent {report.sent}, retrying {report.retrying}, "
             f"failed {report.failed}" + (f" ({report.connection_error})"
                                          if report.connection_error else ""))
        return
    run_until_stopped(lambda stop: run_sender(registry, settings, stop, poll=interval,
                                              clock=now))


def _status_lines(status: OutboxStatus) -> str:
    lines = [f"pending {status.pending}, sent {status.sent}, failed {status.failed}"]
    lines += [f"  failed  #{e.id}  {e.recipient}  {e.file_id} v{e.version}  {e.last_error}"
              for e in status.failures]
    lines += [f"  waiting #{e.id}  {e.recipient}  attempt {e.attempts}, next "
              f"{e.next_attempt_at.astimezone(JST):%Y-%m-%d %H:%M:%S JST}  {e.last_error}"
              for e in status.retrying]
    return "\n".join(lines)


@mail.command("status")
@home_options
def mail_status(settings: Settings, as_json: bool) -> None:
    """Count pending, sent and failed notifications; list the failed ones with reasons."""
    status = outbox_status(Registry.open(settings))
    emit(as_json, status.to_json(), _status_lines(status))


@mail.command("export")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@home_options
def mail_export(folder: Path, settings: Settings, as_json: bool) -> None:
    """Write each pending or sent notification to FOLDER as <outbox id>.eml (nothing is sent)."""
    paths = export_messages(Registry.open(settings), settings, folder)
    emit(as_json, [str(p) for p in paths], f"wrote {len(paths)} message(s) to {folder}")


@mail.command("retry")
@click.argument("ids", nargs=-1, type=click.IntRange(min=1))
@home_options
def mail_retry(ids: tuple[int, ...], settings: Settings, as_json: bool) -> None:
    """Send failed notifications again (IDS, or every failed one), once the cause is fixed."""
    count = requeue_failed(Registry.open(settings), list(ids) or None, actor=settings.actor,
                           at=now())
    emit(as_json, {"requeued": count}, f"requeued {count} message(s)")
