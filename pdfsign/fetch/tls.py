"""TLS for the tool: the server's CA and the bank's client certificate (mutual TLS).

The client certificate is a PEM file (certificate, chain and private key, the key encrypted
under ``client_cert_password``), which the standard library reads, or a PKCS#12 file as
seed 002 hands it out (``クライアント証明書.p12``), which needs the optional ``cryptography``
package.  The standard library's errors do not say whether a file or its password is wrong,
so the file's shape is looked at first: a well-formed file that does not open has the wrong
password (seed 002's two ERROR rows, "PKCS#12異常" and "パスワード不正").
"""

from __future__ import annotations

import os
import re
import secrets
import ssl
import tempfile
from pathlib import Path

from .errors import CertificateFileError, CertificatePasswordError, FileAccessError
from .settings import FetchSettings

__all__ = ["ssl_context"]

_PEM_CERTIFICATE = b"-----BEGIN CERTIFICATE-----"
_PEM_KEY = re.compile(rb"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----")
_PEM_ENCRYPTED = (b"-----BEGIN ENCRYPTED PRIVATE KEY-----", b"Proc-Type: 4,ENCRYPTED")
_NEEDS_CRYPTOGRAPHY = ("a PKCS#12 file needs the Python package 'cryptography' (pip install "
                       "'pdfsign-fetch[pkcs12]'), or convert it to PEM: openssl pkcs12 -in "
                       "FILE.p12 -out FILE.pem")


def ssl_context(settings: FetchSettings) -> ssl.SSLContext:
    """The TLS context for the run: the server checked against ``ca_file`` (or the system's
    store), and the client certificate loaded if one is set.

    The certificate is loaded even for an ``http://`` service, so a bad file or password is
    reported when the settings are made, not on the day the URL changes.

    :raises CertificateFileError: ``ca_file`` or ``client_cert`` cannot be used.
    :raises CertificatePasswordError: ``client_cert_password`` does not open the key.
    """
    try:
        context = ssl.create_default_context(
            cafile=str(settings.ca_file) if settings.ca_file else None)
    except ssl.SSLError as exc:
        raise CertificateFileError(f"ca_file = {settings.ca_file}: {exc.reason or exc}") from None
    if settings.client_cert is not None:
        _load_client_certificate(context, settings.client_cert, settings.client_cert_password)
    return context


def _load_client_certificate(context: ssl.SSLContext, path: Path, password: str | None) -> None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FileAccessError(f"{path}: {exc.strerror or exc}") from None
    if b"-----BEGIN" in data:
        _load_pem(context, path, data, password)
    else:
        _load_pkcs12(context, path, data, password)


def _load_pem(context: ssl.SSLContext, path: Path, data: bytes, password: str | None) -> None:
    """A PEM file holding the certificate (and chain) and its key."""
    if _PEM_CERTIFICATE not in data or not _PEM_KEY.search(data):
        raise CertificateFileError(f"{path}: a PEM client certificate holds the certificate "
                                   f"and its private key")
    encrypted = any(marker in data for marker in _PEM_ENCRYPTED)
    asked: list[bool] = []

    def give_password() -> bytes:  # never the terminal prompt OpenSSL would fall back to
        asked.append(True)
        return (password or "").encode()

    try:
        context.load_cert_chain(str(path), password=give_password)
    except ssl.SSLError as exc:
        if encrypted and asked and exc.reason != "KEY_VALUES_MISMATCH":
            raise CertificatePasswordError(f"client_cert = {path}") from None
        raise CertificateFileError(f"{path}: {exc.reason or exc}") from None


def _load_pkcs12(context: ssl.SSLContext, path: Path, data: bytes, password: str | None) -> None:
    """A PKCS#12 file, through ``cryptography``, re-encrypted into a private temporary PEM
    file for the standard library to load (it reads certificates from files only)."""
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.serialization import pkcs12
    except ImportError:
        raise CertificateFileError(f"{path}: {_NEEDS_CRYPTOGRAPHY}") from None
    if not _looks_like_pkcs12(data):
        raise CertificateFileError(f"{path}: neither a PEM nor a PKCS#12 file")
    try:
        key, certificate, chain = pkcs12.load_key_and_certificates(
            data, password.encode() if password else None)
    except ValueError:
        raise CertificatePasswordError(f"client_cert = {path}") from None
    if key is None or certificate is None:
        raise CertificateFileError(f"{path}: holds no certificate with its private key")
    secret = secrets.token_hex(32).encode()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.BestAvailableEncryption(secret))
    pem += b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (certificate, *chain))
    with tempfile.TemporaryDirectory(prefix="pdfsign-fetch-") as folder:
        temporary = Path(folder) / "client.pem"
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "wb") as out:
            out.write(pem)
        context.load_cert_chain(str(temporary), password=secret)


def _looks_like_pkcs12(data: bytes) -> bool:
    """Whether ``data`` starts as a PFX does (RFC 7292 §4): a DER SEQUENCE whose first
    element is the INTEGER 3 — a file of that shape that will not open has a wrong password."""
    if len(data) < 8 or data[0] != 0x30:
        return False
    offset = 2 + (data[1] & 0x7F if data[1] & 0x80 else 0)
    return data[offset:offset + 3] == b"\x02\x01\x03"
