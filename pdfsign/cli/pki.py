"""``pdfsign pki``: create a test PKI folder, give its TSA a successor certificate, and issue
the TLS certificates of the mTLS set-up (banks' client certificates, their CRL, a server
certificate for a proxy on loopback)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from pdfsign.cli._home import emit, now, parse_instant
from pdfsign.documents import parse_user_id
from pdfsign.errors import InputError
from tsa.client_certs import (
    issue_client_certificate,
    revoke_client_certificates,
    write_client_crl,
)
from tsa.issued import SIGNER_LIFETIME
from tsa.pki import DEFAULT_BASE_URL, DEFAULT_TEST_PIN, generate_pki, rollover_tsa
from tsa.server_certs import issue_server_certificate

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


_PKI_DIR = click.option("--pki", "directory", required=True, metavar="DIR",
                        type=click.Path(file_okay=False, exists=True, path_type=Path),
                        help="The PKI folder (its clients/ subfolder holds the client CA).")
_AT = click.option("--at", "at_text", metavar="TIME",
                   help="As of TIME (ISO 8601; JST if no zone) [default: now].")
_JSON = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
_REASONS = ("key_compromise", "affiliation_changed", "superseded", "cessation_of_operation")


@pki.command("client-cert")
@click.argument("user_id")
@_PKI_DIR
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE.p12",
              help="The PKCS#12 file; FILE.pem (certificate, client CA) and FILE.key.pem "
                   "(key, encrypted with the same password) are written beside it.")
@click.option("--password-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A file whose first line is the password (at least 8 characters).")
@click.option("--days", type=click.IntRange(min=1, max=3650), default=365, show_default=True,
              help="Lifetime of the certificate.")
@click.option("--revoke", is_flag=True,
              help="Revoke USER_ID's client certificates (those not yet revoked, or --serial).")
@click.option("--serial", metavar="HEX", help="With --revoke: only this certificate.")
@click.option("--reason", type=click.Choice(_REASONS), default=_REASONS[0], show_default=True,
              help="With --revoke: the RFC 5280 reason.")
@_AT
@_JSON
def client_cert(user_id: str, directory: Path, out: Path | None, password_file: Path | None,
                days: int, revoke: bool, serial: str | None, reason: str, at_text: str | None,
                as_json: bool) -> None:
    """Issue a TLS client certificate for the bank user USER_ID (its subject CN), or revoke.

    TEST KEYS ONLY.  The client CA (issued by the test root) is made on the first one.
    """
    bank_user = str(parse_user_id(user_id))
    at = parse_instant(at_text, field="--at") or now()
    if revoke:
        if out is not None or password_file is not None:
            raise InputError("--revoke は --out / --password-file と一緒に使えません / --revoke "
                             "takes no --out or --password-file", field="--revoke")
        _revoke(directory, bank_user, serial=_serial(serial), reason=reason, at=at,
                as_json=as_json)
        return
    if out is None or password_file is None or serial is not None:
        raise InputError("発行には --out と --password-file が必要です（--serial は --revoke "
                         "専用） / issuing needs --out and --password-file (--serial is for "
                         "--revoke)", field="--out")
    issued = issue_client_certificate(directory, bank_user, out=out,
                                      password=_password(password_file), at=at,
                                      lifetime=dt.timedelta(days=days))
    cert = issued.certificate
    emit(as_json, {"user_id": bank_user, "serial": f"{cert.serial_number:x}",
                   "not_after": cert.not_valid_after_utc.isoformat(), "p12": str(issued.p12),
                   "cert": str(issued.cert_pem), "key": str(issued.key_pem)},
         f"client certificate {cert.serial_number:x} for {bank_user} (until "
         f"{cert.not_valid_after_utc:%Y-%m-%d}): {issued.p12}, {issued.cert_pem}, "
         f"{issued.key_pem}")


def _revoke(directory: Path, user_id: str, *, serial: int | None, reason: str,
            at: dt.datetime, as_json: bool) -> None:
    revoked = revoke_client_certificates(directory, user_id, at=at, serial=serial,
                                         reason=reason)
    serials = [f"{r.serial:x}" for r in revoked]
    emit(as_json, {"user_id": user_id, "revoked": serials, "revoked_at": at.isoformat()},
         f"revoked {len(serials)} client certificate(s) of {user_id}: {', '.join(serials)} "
         f"(write the CRL again: pdfsign pki client-crl)")


def _serial(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text, 16)
    except ValueError:
        raise InputError(f"シリアル番号は16進数です / a serial number is hexadecimal, not "
                         f"{text!r}", field="--serial") from None


def _password(path: Path) -> bytes:
    """The first line of the password file, without its line break."""
    lines = path.read_bytes().splitlines()
    return lines[0] if lines else b""


@pki.command("client-crl")
@_PKI_DIR
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILE.pem", help="Where to write the CRLs (nginx's ssl_crl).")
@click.option("--days", type=click.IntRange(min=1, max=366), default=7, show_default=True,
              help="Until nextUpdate: write it again (and reload nginx) before then.")
@_AT
@_JSON
def client_crl(directory: Path, out: Path, days: int, at_text: str | None,
               as_json: bool) -> None:
    """Write the CRLs of the client CA and the root, PEM, for nginx's ssl_crl."""
    at = parse_instant(at_text, field="--at") or now()
    written = write_client_crl(directory, out, at=at, validity=dt.timedelta(days=days))
    next_update = at + dt.timedelta(days=days)
    emit(as_json, {"crl": str(written), "next_update": next_update.isoformat()},
         f"CRLs of the client CA and the root written to {written} (next update "
         f"{next_update:%Y-%m-%d %H:%M} UTC)")


@pki.command("server-cert")
@_PKI_DIR
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILE.pem", help="The certificate; the key goes to FILE.key.pem.")
@click.option("--host", "hosts", multiple=True, default=["127.0.0.1"], show_default=True,
              help="A DNS name or IP address the server answers at (repeatable).")
@_AT
@_JSON
def server_cert(directory: Path, out: Path, hosts: tuple[str, ...], at_text: str | None,
                as_json: bool) -> None:
    """Issue a TLS server certificate from the test root (for nginx on loopback)."""
    at = parse_instant(at_text, field="--at") or now()
    cert = issue_server_certificate(directory, out, hosts=hosts, at=at)
    emit(as_json, {"cert": str(out), "hosts": list(hosts), "serial": f"{cert.serial_number:x}"},
         f"server certificate for {', '.join(hosts)} written to {out}")


@pki.command("certify")
@click.argument("directory", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.argument("signer", metavar="URI")
@click.option("--name", "common_name", required=True, help="The signer's name (CN), as "
              "registered ('pdfsign signer rename' changes the registered one).")
@click.option("--unit", default="保証課", show_default=True, help="The signer's unit (OU).")
@click.option("--at", "at_text", metavar="TIME",
              help="Start of the validity (ISO 8601; JST if no zone) [default: now].")
@click.option("--years", type=click.IntRange(min=1, max=5), default=5, show_default=True,
              help="Lifetime (DOMAIN.md: signer certificates are valid 5 years).")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
def certify(directory: Path, signer: str, common_name: str, unit: str, at_text: str | None,
            years: int, as_json: bool) -> None:
    """Issue the certificate of the token key URI with DIRECTORY's issuing CA.

    The public key is read from the token (no PIN); the certificate and the CAs above it are
    stored on the token beside the key, and kept in DIRECTORY/issued/ for the OCSP responder.
    """
    from pdfsign.config import Settings  # only this command needs the settings (the module)
    from pdfsign.keys.manage import certify as run_certify

    at = parse_instant(at_text, field="--at") or now()
    lifetime = SIGNER_LIFETIME if years == 5 else dt.timedelta(days=365 * years)
    issued = run_certify(directory, signer, common_name=common_name, unit=unit or None, at=at,
                         module=Settings.load().pkcs11_module, lifetime=lifetime)
    end = issued.cert.not_valid_after_utc
    emit(as_json, {"signer": signer, "serial": f"{issued.cert.serial_number:x}",
                   "subject": issued.cert.subject.rfc4514_string(),
                   "not_after": end.isoformat(), "cert": str(issued.path)},
         f"certified {signer} as {issued.cert.subject.rfc4514_string()} until {end:%Y-%m-%d}")
