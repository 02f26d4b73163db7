"""``pdfsign tsa``: run the bundled time-stamp authority and the test PKI's CRL/OCSP services."""

from __future__ import annotations

from pathlib import Path

import click

from pdfsign.config import Settings
from pdfsign.signing.sequence_serials import crl_numbers_for, tsa_serials_for
from tsa.clock import ShiftedClock, parse_clock, utc_now
from tsa.errors import TsaError
from tsa.http import create_server
from tsa.pki import load_pki
from tsa.services import PkiServices

__all__ = ["tsa"]


class _ClockParam(click.ParamType[ShiftedClock]):
    """``--clock``: read by :func:`tsa.clock.parse_clock`, a usage error when unreadable."""

    name = "time"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> ShiftedClock:
        if isinstance(value, ShiftedClock):
            return value
        try:
            return parse_clock(str(value))
        except TsaError as exc:
            self.fail(exc.message, param, ctx)


@click.group()
def tsa() -> None:
    """The bundled RFC 3161 time-stamp authority (and the test PKI's CRL and OCSP)."""


@tsa.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=3161, show_default=True,
              help="TCP port (the test PKI's certificates point at 3161).")
@click.option("--pki", "pki_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="The PKI folder to serve [default: the settings' pki_dir].")
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), envvar="PDFSIGN_HOME",
              help="Data directory whose settings and TSA state to use (default: PDFSIGN_HOME).")
@click.option("--state-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where TSA serials and CRL numbers persist across restarts "
                   "[default: <home>/tsa, shared with the embedded TSA so serials never repeat]")
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Worker threads.")
@click.option("--clock", type=_ClockParam(), default=None, metavar="TIME",
              help="Answer as of TIME: ISO 8601 (e.g. 2033-01-01T00:00:00Z) or an offset "
                   "from now such as +6y, -30d (the clock keeps ticking from there).")
def serve(host: str, port: int, pki_dir: Path | None, home: Path | None,
          state_dir: Path | None, threads: int, clock: ShiftedClock | None) -> None:
    """Serve POST /tsa, GET /crl/<name>.crl and POST|GET /ocsp until interrupted."""
    settings = Settings.load(home=home, pki_dir=pki_dir)
    pki_dir = settings.pki_dir
    pki = load_pki(pki_dir)
    state_dir = state_dir or settings.tsa_state_dir
    services = PkiServices.from_pki(pki, state_dir=state_dir,
                                    tsa_serials=tsa_serials_for(settings),
                                    crl_numbers=crl_numbers_for(settings))
    server = create_server(services, host=host, port=port, threads=threads,
                           clock=clock or utc_now)
    shifted = f", clock {clock().isoformat(timespec='seconds')}" if clock else ""
    click.echo(f"serving {pki_dir} at http://{host}:{server.effective_port} "
               f"(state in {state_dir}{shifted})", err=True)
    server.run()

