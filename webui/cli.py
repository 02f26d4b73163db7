"""``pdfsign web serve``: the web UI under waitress (registered as a ``pdfsign`` plugin command)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import click
from flask import Flask

from pdfsign.config import Settings
from pdfsign.notify import SmtpUrl, envelope_sender, run_sender
from pdfsign.notify.webhooks import run_webhook_sender
from pdfsign.workqueue import uses_queue
from webui import create_app
from webui.serving import create_server

__all__ = ["web"]

_log = logging.getLogger("webui")


@click.group()
def web() -> None:
    """The web UI (sign-in, administration, verification)."""


@web.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (put a TLS reverse proxy in front for a network).")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True)
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), envvar="PDFSIGN_HOME",
              help="Data directory (default: PDFSIGN_HOME or ~/.local/share/pdfsign).")
def serve(host: str, port: int, threads: int, home: Path | None) -> None:
    """Serve the web UI until interrupted, delivering webhooks, and with ``smtp_url`` set, the
    notification e-mail too (on PostgreSQL, ``pdfsign worker`` delivers them instead)."""
    settings = Settings.load(home=home)
    app = create_app(settings)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("pyhanko", "pyhanko_certvalidator", "fontTools", "weasyprint"):
        # pyHanko logs every failed check with a traceback; the report already says it all
        logging.getLogger(noisy).setLevel(logging.CRITICAL)
    click.echo(f"pdfsign web UI at http://{host}:{port}/ (Ctrl-C stops it)", err=True)
    stop = threading.Event()
    if uses_queue(settings):  # PostgreSQL: the workers send, as periodic queue jobs
        _log.info("the outbox is sent by pdfsign worker (the work queue)")
        senders = []
    else:
        senders = [thread for thread in (_mail_sender(app, settings, stop),
                                         _webhook_sender(app, stop)) if thread is not None]
    try:
        create_server(app, host=host, port=port, threads=threads).run()
    finally:
        stop.set()
        for thread in senders:
            thread.join(timeout=30)


def _webhook_sender(app: Flask, stop: threading.Event) -> threading.Thread:
    """The webhooks' sender beside the server (``pdfsign webhook send`` can run it alone)."""
    thread = threading.Thread(target=run_webhook_sender, name="pdfsign-webhooks", daemon=True,
                              args=(app.extensions["pdfsign"].registry, stop))
    thread.start()
    return thread


def _mail_sender(app: Flask, settings: Settings, stop: threading.Event
                 ) -> threading.Thread | None:
    """The outbox's sender beside the server (``pdfsign mail send`` can run it alone instead).

    :raises SmtpUrlError, ConfigurationError: a bad ``smtp_url`` or ``mail_from``, at start.
    """
    if not settings.smtp_url:
        _log.warning("smtp_url is not set: notifications wait in the outbox "
                     "(pdfsign mail status)")
        return None
    SmtpUrl.parse(settings.smtp_url)
    envelope_sender(settings)
    thread = threading.Thread(target=run_sender, name="pdfsign-mail", daemon=True,
                              args=(app.extensions["pdfsign"].registry, settings, stop))
    thread.start()
    return thread
