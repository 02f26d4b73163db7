"""``pdfsign pki``: create a test PKI folder, and give its TSA a successor certificate."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from pdfsign.cli._home import emit, now, parse_instant
from tsa.pki import DEFAULT_BASE_URL, DEFAULT_TEST_PIN, generate_pki, rollover_tsa

__all__ = ["pki"]


@click.group()
def pki() -> None:
    """Manage the test PKI (TEST KEYS ONLY)."""


@pki.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--key-type", type=click.Choice(["rsa", "ec"]), default="rsa", show_default=True,
              help="RSA-2048 or ECDSA P-256 keys.")
@click.option("--pin", default=DEFAULT_TEST_PIN, show_default=True,
              help="Signing PIN protecting the signers' PKCS#12 files.")
@click.option("--base-url", default=DEFAULT_BASE_URL, show_default=True,
              help="Where the bundled CRL/OCSP services answer (written into the certificates).")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
def init(directory: Path, key_type: str, pin: str, base_url: str, as_json: bool) -> None:
    """Write a complete test PKI (root, issuing CA, TSA, OCSP, signers) into DIRECTORY."""
    created = generate_pki(directory, at=dt.datetime.now(dt.UTC),
                           key_type=key_type,  # type: ignore[arg-type]
                           pin=pin, base_url=base_url)
    emit(as_json, {"directory": str(directory), "key_type": key_type,
                   "signers": sorted(created.signers)},
         f"test PKI written to {directory} ({len(created.signers)} signers, {key_type})")


@pki.command("rollover-tsa")
@click.argument("directory", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--at", "at_text", metavar="TIME",
              help="Issue the successor as of TIME (ISO 8601; JST if no zone) [default: now].")
@click.option("--years", type=click.IntRange(min=1, max=50), default=20, show_default=True,
              help="Lifetime of the successor (never past the root's end).")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
def rollover(directory: Path, at_text: str | None, years: int, as_json: bool) -> None:
    """Replace the TSA's certificate and key of DIRECTORY with a successor.

    Renewals then time-stamp with a certificate that outlives the old one; the old
    certificate is kept as tsa-<serial>.pem (tokens it signed still verify), its key is gone.
    """
    at = parse_instant(at_text, field="--at") or now()
    done = rollover_tsa(directory, at=at, lifetime=dt.timedelta(days=365 * years))
    new = done.successor
    emit(as_json, {"directory": str(directory),
                   "retired": {"serial": f"{done.retired.serial:x}",
                               "cert": str(done.retired.cert)},
                   "active": {"serial": f"{new.serial_number:x}",
                              "not_before": new.not_valid_before_utc.isoformat(),
                              "not_after": new.not_valid_after_utc.isoformat()}},
         f"TSA of {directory}: certificate {new.serial_number:x} active until "
         f"{new.not_valid_after_utc:%Y-%m-%d}; {done.retired.serial:x} kept as "
         f"{done.retired.cert.name}")
