"""``pdfsign tsa``: run the bundled time-stamp authority and the test PKI's CRL/OCSP services."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import click

from tsa.http import create_server
from tsa.pki import load_pki
from tsa.services import PkiServices

__all__ = ["tsa"]


@click.group()
def tsa() -> None:
    """The bundled RFC 3161 time-stamp authority (and the test PKI's CRL and OCSP)."""


@tsa.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=3161, show_default=True,
              help="TCP port (the test PKI's certificates point at 3161).")
@click.option("--pki", "pki_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("fixtures/pki"), show_default=True, help="The PKI folder to serve.")
@click.option("--state-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where TSA serials and CRL numbers persist across restarts "
                   "[default: $XDG_STATE_HOME/pdfsign/tsa/<PKI folder hash>]")
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Worker threads.")
def serve(host: str, port: int, pki_dir: Path, state_dir: Path | None, threads: int) -> None:
    """Serve POST /tsa, GET /crl/<name>.crl and POST|GET /ocsp until interrupted."""
    pki = load_pki(pki_dir)
    state_dir = state_dir or _default_state_dir(pki_dir)
    services = PkiServices.from_pki(pki, state_dir=state_dir)
    server = create_server(services, host=host, port=port, threads=threads)
    click.echo(f"serving {pki_dir} at http://{host}:{server.effective_port} "
               f"(state in {state_dir})", err=True)
    server.run()


def _default_state_dir(pki_dir: Path) -> Path:
    """One state folder per PKI folder, so two PKIs never share serial counters."""
    base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    key = hashlib.sha256(str(pki_dir.resolve()).encode()).hexdigest()[:16]
    return base / "pdfsign" / "tsa" / key
