"""``pdfsign web serve``: the web UI under waitress (registered as a ``pdfsign`` plugin command)."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from pdfsign.config import Settings
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
    """Serve the web UI until interrupted."""
    app = create_app(Settings.load(home=home))
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("pyhanko", "pyhanko_certvalidator", "fontTools", "weasyprint"):
        # pyHanko logs every failed check with a traceback; the report already says it all
        logging.getLogger(noisy).setLevel(logging.CRITICAL)
    click.echo(f"pdfsign web UI at http://{host}:{port}/ (Ctrl-C stops it)", err=True)
    create_server(app, host=host, port=port, threads=threads).run()
