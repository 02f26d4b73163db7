"""Client certificates of the test PKI: the client CA, banks' certificates, revocations, CRLs.

A bank's nightly pull authenticates with a TLS client certificate that the reverse proxy
(nginx, ``webui/deploy/``) verifies; the app then maps the certificate's subject CN, the
bank user ID, to the user (:mod:`webui.client_certs`).  This module issues those
certificates for tests and demos, in the PKI folder's ``clients/`` subfolder:

- ``clients/ca.pem`` / ``ca.key.pem`` — the client CA, issued by the test root and made on
  the first client certificate (the folder's other keys are never touched);
- ``clients/clients.json`` — the certificates issued (user ID, serial, validity) and revoked;
- a client certificate goes where it is asked, as PKCS#12 and as PEM (certificate and
  client CA) with its key encrypted under the same password.

:func:`write_client_crl` writes the PEM file nginx's ``ssl_crl`` loads: the client CA's
CRL and the root's, because nginx checks the CRL of every CA on the chain.  TEST KEYS ONLY.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID

from tsa.certificates import (
    LEAF,
    Issuer,
    KeyType,
    PrivateKey,
    certificate,
    key_usage,
    new_key,
    subject_name,
    write_pem,
)
from tsa.errors import PkiError, PkiWriteError
from tsa.pki import Pki, Revocation, load_pki
from tsa.revocation import CrlIssuer
from tsa.serials import MemorySerials

__all__ = ["CLIENT_CA_NAME", "DEFAULT_CLIENT_LIFETIME", "ClientCertificate", "IssuedClient",
           "client_ca_path", "issue_client_certificate", "issued_clients",
           "revoke_client_certificates", "write_client_crl"]

#: The subject CN of the client CA.
CLIENT_CA_NAME = "pdfsign Test Client CA"
#: How long a client certificate is valid unless asked otherwise.
DEFAULT_CLIENT_LIFETIME = dt.timedelta(days=365)
_CLIENTS = "clients"
_MANIFEST = "clients.json"
_CA_LIFETIME = dt.timedelta(days=20 * 365)
_MIN_PASSWORD = 8


@dataclass(frozen=True)
class IssuedClient:
    """One entry of ``clients.json``: a client certificate issued, and its revocation if any."""

    user_id: str
    serial: int
    not_before: dt.datetime
    not_after: dt.datetime
    revoked_at: dt.datetime | None = None


@dataclass(frozen=True)
class ClientCertificate:
    """What :func:`issue_client_certificate` wrote."""

    certificate: x509.Certificate
    #: The PKCS#12 file (key, certificate, client CA), protected by the password.
    p12: Path
    #: The certificate and the client CA, PEM.
    cert_pem: Path
    #: The key, PEM PKCS#8 encrypted with the same password.
    key_pem: Path


def client_ca_path(directory: Path) -> Path:
    """The client CA certificate of a PKI folder: what nginx's ``ssl_client_certificate``
    and the app's ``client_ca`` setting name."""
    return directory / _CLIENTS / "ca.pem"


def issue_client_certificate(directory: Path, user_id: str, *, out: Path, password: bytes,
                             at: dt.datetime, lifetime: dt.timedelta = DEFAULT_CLIENT_LIFETIME,
                             key_type: KeyType = "rsa") -> ClientCertificate:
    """Issue a client certificate whose subject CN is ``user_id`` and write it to ``out``.

    The profile (RFC 5280 §4.2.1.3, §4.2.1.12): not a CA, digitalSignature, EKU clientAuth;
    valid from a day before ``at`` (clock skew) for ``lifetime``, never past the client CA.
    The client CA is made first if the folder has none.

    :param user_id: the subject CN; the caller checks it is a bank user ID.
    :param out: the PKCS#12 file (``.p12`` or ``.pfx``); the PEM files are written beside
        it as ``<stem>.pem`` and ``<stem>.key.pem``.
    :param password: protects the PKCS#12 file and the PEM key (at least 8 bytes).
    :raises PkiError: a bad ``out`` name, password, time or lifetime; not a PKI folder.
    :raises PkiWriteError: a file cannot be written.
    """
    _check_request(out, password, at=at, lifetime=lifetime)
    pki = load_pki(directory)
    try:
        with _locked(directory):
            ca = _client_ca(pki, at=at)
            key = new_key(key_type)
            cert = certificate(
                subject_name(user_id, "bank client"), key, ca, not_before=at - dt.timedelta(days=1),
                not_after=min(at + lifetime, ca.cert.not_valid_after_utc),
                extensions=[LEAF, (key_usage(sign=True), True),
                            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False)])
            written = _write_client(out, user_id, cert, key, ca.cert, password)
            manifest = _read_manifest(directory)
            manifest["issued"].append({
                "user_id": user_id, "serial": cert.serial_number,
                "not_before": cert.not_valid_before_utc.isoformat(),
                "not_after": cert.not_valid_after_utc.isoformat()})
            _write_manifest(directory, manifest)
    except OSError as exc:
        raise PkiWriteError(f"cannot write the client certificate: {exc.strerror}",
                            field=str(exc.filename or out)) from None
    return written


def _check_request(out: Path, password: bytes, *, at: dt.datetime,
                   lifetime: dt.timedelta) -> None:
    if out.suffix.lower() not in (".p12", ".pfx"):
        raise PkiError("must end in .p12 or .pfx (the PEM files are written beside it)",
                       field=str(out))
    if len(password) < _MIN_PASSWORD:
        raise PkiError(f"the password must have at least {_MIN_PASSWORD} characters",
                       field="password")
    _check_time(at)
    if lifetime <= dt.timedelta(0):
        raise PkiError("must be positive", field="lifetime")


def issued_clients(directory: Path) -> tuple[IssuedClient, ...]:
    """The client certificates issued in the folder, oldest first, with their revocations."""
    manifest = _read_manifest(directory)
    revoked = {r.serial: r.revoked_at for r in _revocations(manifest)}
    return tuple(IssuedClient(entry["user_id"], int(entry["serial"]),
                              dt.datetime.fromisoformat(entry["not_before"]),
                              dt.datetime.fromisoformat(entry["not_after"]),
                              revoked.get(int(entry["serial"])))
                 for entry in manifest["issued"])


def revoke_client_certificates(directory: Path, user_id: str, *, at: dt.datetime,
                               serial: int | None = None,
                               reason: str = "key_compromise") -> tuple[Revocation, ...]:
    """Revoke ``user_id``'s client certificates not yet revoked (or only ``serial``).

    The revocation counts from ``at``: a CRL written for an earlier time does not list it.

    :param reason: an RFC 5280 §5.3.1 reason, as :class:`cryptography.x509.ReasonFlags` names it.
    :raises PkiError: nothing to revoke, or an unknown reason.
    :raises PkiWriteError: ``clients.json`` cannot be written.
    """
    _check_time(at)
    if reason not in x509.ReasonFlags.__members__:
        raise PkiError(f"unknown revocation reason {reason!r}", field="reason")
    try:
        with _locked(directory):
            due = [c for c in issued_clients(directory) if c.user_id == user_id
                   and c.revoked_at is None and serial in (None, c.serial)]
            if not due:
                which = f"serial {serial:x} of {user_id}" if serial is not None else user_id
                raise PkiError(f"no client certificate to revoke for {which}", field="user_id")
            revocations = tuple(Revocation("client-ca", c.serial, at, reason) for c in due)
            manifest = _read_manifest(directory)
            manifest["revocations"].extend(
                {"issuer": r.issuer, "serial": r.serial, "revoked_at": r.revoked_at.isoformat(),
                 "reason": r.reason} for r in revocations)
            _write_manifest(directory, manifest)
    except OSError as exc:
        raise PkiWriteError(f"cannot write the client manifest: {exc.strerror}",
                            field=str(exc.filename or directory)) from None
    return revocations


def write_client_crl(directory: Path, out: Path, *, at: dt.datetime,
                     validity: dt.timedelta = dt.timedelta(days=7)) -> Path:
    """Write the PEM CRLs nginx's ``ssl_crl`` needs: the client CA's, then the root's.

    nginx checks revocation for every CA on the chain (OpenSSL's ``CRL_CHECK_ALL``), so the
    file holds the root's CRL too, covering the client CA itself; a certificate of any other
    CA under the same root then fails there for want of its CA's CRL.  nginx refuses every
    client once a CRL's ``nextUpdate`` has passed: write it again (and reload nginx) within
    ``validity``.  CRL numbers are the issuance time in seconds, increasing (RFC 5280 §5.2.3).

    :raises PkiError: the folder has no client CA yet (issue a client certificate first).
    :raises PkiWriteError: ``out`` cannot be written.
    """
    _check_time(at)
    pki = load_pki(directory)
    if not client_ca_path(directory).exists():
        raise PkiError("no client CA yet: issue a client certificate first",
                       field=str(client_ca_path(directory)))
    ca = _load_issuer(pki)
    client_revocations = _revocations(_read_manifest(directory))
    root_revocations = [r for r in pki.revocations if r.issuer == "root"]
    pem = b""
    for cert, key, revocations in ((ca.cert, ca.key, client_revocations),
                                   (pki.certificate("root"), pki.private_key("root"),
                                    root_revocations)):
        der = CrlIssuer(certificate=cert, private_key=key, revocations=revocations,
                        numbers=MemorySerials(start=int(at.timestamp())),
                        validity=validity).crl(at=at)
        pem += x509.load_der_x509_crl(der).public_bytes(serialization.Encoding.PEM)
    try:
        _replace(out, pem, mode=0o644)
    except OSError as exc:
        raise PkiWriteError(f"cannot write the CRL file: {exc.strerror}",
                            field=str(exc.filename or out)) from None
    return out


# -- the client CA -----------------------------------------------------------------------------

def _client_ca(pki: Pki, *, at: dt.datetime) -> Issuer:
    """The folder's client CA, made now (issued by the root) if it has none."""
    if client_ca_path(pki.directory).exists():
        return _load_issuer(pki)
    root_key = pki.private_key("root")
    root = Issuer(pki.certificate("root"), root_key, f"{pki.base_url}/crl/root.crl", None)
    if not root.cert.not_valid_before_utc <= at < root.cert.not_valid_after_utc:
        raise PkiError(f"{at.isoformat()} is outside the root's validity", field="at")
    key = new_key("ec" if isinstance(root_key, ec.EllipticCurvePrivateKey) else "rsa")
    cert = certificate(subject_name(CLIENT_CA_NAME, "mTLS"), key, root,
                       not_before=at - dt.timedelta(days=1),
                       not_after=min(at + _CA_LIFETIME, root.cert.not_valid_after_utc),
                       extensions=[(x509.BasicConstraints(ca=True, path_length=0), True),
                                   (key_usage(ca=True), True)])
    client_ca_path(pki.directory).parent.mkdir(exist_ok=True)
    write_pem(client_ca_path(pki.directory), cert, key)
    return _issuer(pki, cert, key)


def _load_issuer(pki: Pki) -> Issuer:
    path = client_ca_path(pki.directory)
    try:
        cert = x509.load_pem_x509_certificate(path.read_bytes())
        key = serialization.load_pem_private_key(path.with_suffix(".key.pem").read_bytes(), None)
    except (OSError, ValueError) as exc:
        raise PkiError(f"cannot load the client CA: {exc}", field=str(path)) from None
    if key.public_key() != cert.public_key() or not isinstance(key, PrivateKey):
        raise PkiError("the client CA's key does not match its certificate", field=str(path))
    try:
        cert.verify_directly_issued_by(pki.certificate("root"))
    except (ValueError, TypeError, InvalidSignature):
        raise PkiError("the client CA is not issued by this folder's root (was the PKI "
                       "regenerated? remove clients/ to make a new one)", field=str(path)) from None
    return _issuer(pki, cert, key)


def _issuer(pki: Pki, cert: x509.Certificate, key: PrivateKey) -> Issuer:
    """The client CA as an issuer; its CRL is the file :func:`write_client_crl` writes."""
    return Issuer(cert, key, f"{pki.base_url}/crl/client-ca.crl", None)


# -- files -------------------------------------------------------------------------------------

def _write_client(out: Path, user_id: str, cert: x509.Certificate, key: PrivateKey,
                  ca: x509.Certificate, password: bytes) -> ClientCertificate:
    """The PKCS#12 file and the two PEM files, each readable by its owner only but the cert."""
    encryption = serialization.BestAvailableEncryption(password)
    p12 = pkcs12.serialize_key_and_certificates(
        user_id.encode(), key, cert, [ca], encryption)
    stem = out.with_suffix("")
    cert_pem, key_pem = stem.with_name(stem.name + ".pem"), stem.with_name(stem.name + ".key.pem")
    _replace(out, p12, mode=0o600)
    _replace(key_pem, key.private_bytes(serialization.Encoding.PEM,
                                        serialization.PrivateFormat.PKCS8, encryption), mode=0o600)
    _replace(cert_pem, b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (cert, ca)),
             mode=0o644)
    return ClientCertificate(cert, out, cert_pem, key_pem)


def _replace(path: Path, data: bytes, *, mode: int) -> None:
    """Write beside ``path``, then rename over it: a reader never sees half a file."""
    staged = path.with_name(f".{path.name}.tmp")
    fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    staged.replace(path)


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """One writer of ``clients/`` at a time (two issuers at once must not lose an entry)."""
    folder = directory / _CLIENTS
    folder.mkdir(exist_ok=True)
    fd = os.open(folder, os.O_RDONLY)  # the folder itself: no lock file left in it
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _read_manifest(directory: Path) -> dict[str, Any]:
    path = directory / _CLIENTS / _MANIFEST
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        manifest["issued"], manifest["revocations"]  # noqa: B018 - both must be there
    except FileNotFoundError:
        return {"comment": "TEST KEYS ONLY. Client certificates issued by "
                           "'pdfsign pki client-cert'.", "issued": [], "revocations": []}
    except (ValueError, KeyError, TypeError) as exc:
        raise PkiError(f"clients.json is malformed: {exc}", field=str(path)) from None
    return manifest


def _revocations(manifest: dict[str, Any]) -> tuple[Revocation, ...]:
    return tuple(Revocation("client-ca", int(r["serial"]), dt.datetime.fromisoformat(
        r["revoked_at"]), r["reason"]) for r in manifest["revocations"])


def _write_manifest(directory: Path, manifest: dict[str, Any]) -> None:
    _replace(directory / _CLIENTS / _MANIFEST,
             (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode(), mode=0o644)


def _check_time(at: dt.datetime) -> None:
    if at.utcoffset() is None:
        raise PkiError("must be timezone-aware", field="at")
