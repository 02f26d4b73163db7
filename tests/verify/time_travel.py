"""Years later, with a clock: a PKI of its own, services that answer as of a shifted time,
and pyHanko's AdES validator run under ``faketime`` as an independent judge.

A PKI generated here points its CRL and OCSP URLs at a free loopback port of its own, so a
test can serve it "in 2033" without disturbing the shared server on the committed PKI's
port.  Its ``short`` signer's certificate ends one year after generation: a signer that
expires after signing.  Its issuing CA ends with the
root (30 years), not after 25 (see :func:`_extend_ca`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from tsa import ShiftedClock
from tsa.http import ServerThread
from tsa.pki import DEFAULT_TEST_PIN, Pki, generate_pki, load_pki
from tsa.services import PkiServices

__all__ = ["YEAR", "adesverify", "pdfsign_verify", "serve", "travel_pki"]

YEAR = dt.timedelta(days=365)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _add_signer(pki: Pki, name: str, *, not_after: dt.datetime, at: dt.datetime) -> None:
    """Add signer ``name``: like ``staff`` (same issuer and extensions), ending ``not_after``."""
    staff = x509.load_pem_x509_certificate(pki.signer("staff").cert.read_bytes())
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    builder = (x509.CertificateBuilder().subject_name(x509.Name(
        [a for a in staff.subject if a.oid != x509.NameOID.COMMON_NAME]
        + [x509.NameAttribute(x509.NameOID.COMMON_NAME, f"短期 {name}")]))
        .issuer_name(staff.issuer).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(at - dt.timedelta(days=1)).not_valid_after(not_after))
    for ext in staff.extensions:
        value = ext.value
        if isinstance(value, x509.SubjectKeyIdentifier):
            value = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        builder = builder.add_extension(value, ext.critical)
    cert = builder.sign(pki.private_key("ca"), hashes.SHA256())
    signers = pki.directory / "signers"
    (signers / f"{name}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (signers / f"{name}.p12").write_bytes(pkcs12.serialize_key_and_certificates(
        name.encode(), key, cert, [pki.certificate("ca"), pki.certificate("root")],
        serialization.BestAvailableEncryption(DEFAULT_TEST_PIN.encode())))
    manifest_path = pki.directory / "pki.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["signers"][name] = {"p12": f"signers/{name}.p12", "cert": f"signers/{name}.pem",
                                 "pin": DEFAULT_TEST_PIN, "status": "good"}
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2),
                             encoding="utf-8")


def _extend_ca(pki: Pki) -> None:
    """Re-issue the issuing CA's certificate (same key and name) to end with the root.

    The generated CA ends at + 25 years, which is exactly "T1 + 5 years" for a TSA certificate
    of 20 years; an intermediate that expires at the validation time stops pyHanko's
    validation at the current time (CERTIFICATE_CHAIN_GENERAL_FAILURE) before any past
    validation, which would hide what these tests are about.
    """
    ca = pki.certificate("ca")
    builder = (x509.CertificateBuilder().subject_name(ca.subject).issuer_name(ca.issuer)
               .public_key(ca.public_key()).serial_number(ca.serial_number)
               .not_valid_before(ca.not_valid_before_utc)
               .not_valid_after(pki.certificate("root").not_valid_after_utc))
    for ext in ca.extensions:
        builder = builder.add_extension(ext.value, ext.critical)
    cert = builder.sign(pki.private_key("root"), hashes.SHA256())
    pki.path("ca.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    for entry in pki.signers.values():  # the chains signatures carry: the new CA certificate
        key, leaf, chain = pkcs12.load_key_and_certificates(entry.p12.read_bytes(),
                                                            entry.pin.encode())
        chain = [cert if c.subject == ca.subject else c for c in chain]
        entry.p12.write_bytes(pkcs12.serialize_key_and_certificates(
            entry.name.encode(), key, leaf, chain,  # type: ignore[arg-type]
            serialization.BestAvailableEncryption(entry.pin.encode())))


def travel_pki(directory: Path, *, at: dt.datetime) -> Pki:
    """A fresh test PKI generated at ``at``, on a port of its own, with the ``short`` signer."""
    pki = generate_pki(directory, at=at, base_url=f"http://127.0.0.1:{_free_port()}")
    _extend_ca(pki)
    _add_signer(pki, "short", not_after=at + YEAR, at=at)
    return load_pki(directory)


@contextmanager
def serve(pki: Pki, *, offset: dt.timedelta) -> Iterator[str]:
    """Serve ``pki``'s TSA, CRLs and OCSP at its own URLs, answering ``offset`` from now."""
    services = PkiServices.from_pki(pki, state_dir=None)
    port = int(pki.base_url.rsplit(":", 1)[1])
    with ServerThread(services, port=port, clock=ShiftedClock(offset)) as server:
        yield server.url


def _under_faketime(command: list[str], offset: dt.timedelta) -> tuple[list[str], dict[str, str]]:
    """``command`` run with the machine's clock ``offset`` from now (libfaketime)."""
    env = dict(os.environ, FAKETIME_DONT_FAKE_MONOTONIC="1")
    return ["faketime", "-f", f"{offset.total_seconds():+.0f}s", *command], env


def pdfsign_verify(path: Path, pki: Pki, *, offset: dt.timedelta) -> dict[str, Any]:
    """``pdfsign verify --format json``'s report of ``path``, run under ``faketime`` that far
    from now: the wall clock itself moved, as on an auditor's machine years later (pyHanko
    registers proof of existence at the wall clock, so ``--at`` alone is not the same)."""
    command, env = _under_faketime(
        [str(Path(sys.executable).parent / "pdfsign"), "verify", str(path), "--trust",
         str(pki.path("root.pem")), "--format", "json"], offset)
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False,
                          env=env)
    assert done.returncode in (0, 1), done.stderr
    document: dict[str, Any] = json.loads(done.stdout)["documents"][0]
    return document


def adesverify(path: Path, pki: Pki, *, offset: dt.timedelta | None = None,
               offline_at: dt.datetime | None = None) -> bool:
    """``pyhanko sign adesverify``'s valid / not-valid answer, run as its own process.

    :param offset: run it under ``faketime`` that far from now (it then fetches what it
        needs from whatever answers at the PKI's URLs).
    :param offline_at: validate at this time without fetching (pyHanko fetches nothing
        for a validation time it is given: its ``NO_HISTORICAL_FETCH`` rule).
    """
    command = [str(Path(sys.executable).parent / "pyhanko"), "sign", "adesverify",
               "--trust", str(pki.path("root.pem")), "--trust-replace", "--executive-summary"]
    if offline_at is not None:
        command += ["--validation-time", offline_at.isoformat()]
    command, env = _under_faketime(command, offset) if offset is not None \
        else (command, dict(os.environ))
    done = subprocess.run([*command, str(path)], capture_output=True, text=True, timeout=180,
                          check=False, env=env)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    return done.returncode == 0 and bool(lines) and all(ln.endswith(":VALID") for ln in lines)
