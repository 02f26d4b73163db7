"""``pdfsign pki``: create a test PKI folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from pdfsign.cli._home import emit
from tsa.pki import DEFAULT_BASE_URL, DEFAULT_TEST_PIN, generate_pki

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
