"""A TLS server certificate from the test PKI, for a reverse proxy on loopback (tests, demos).

nginx in front of the web app (``webui/deploy/``) needs a server certificate that clients
can check; this one is issued by the test root for the names and addresses asked (an IP
address SAN for ``127.0.0.1``), so ``requests`` with ``verify=root.pem`` accepts it.
TEST KEYS ONLY.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID

from tsa.certificates import LEAF, Issuer, KeyType, certificate, key_usage, new_key, subject_name
from tsa.errors import PkiError, PkiWriteError
from tsa.pki import load_pki

__all__ = ["issue_server_certificate"]


def issue_server_certificate(directory: Path, out: Path, *, hosts: Sequence[str],
                             at: dt.datetime, lifetime: dt.timedelta = dt.timedelta(days=365),
                             key_type: KeyType = "rsa") -> x509.Certificate:
    """Write a server certificate for ``hosts`` to ``out`` and its key to ``<stem>.key.pem``.

    The profile: not a CA, digitalSignature, EKU serverAuth, the hosts as subjectAltName
    (IP addresses as such, RFC 6125 §6.2.1) and the first one as CN; issued by the root.
    The key is written unencrypted and readable by its owner only (nginx reads it at start).

    :raises PkiError: no host, or ``at`` without a zone; not a PKI folder.
    :raises PkiWriteError: a file cannot be written.
    """
    if not hosts or at.utcoffset() is None:
        raise PkiError("needs at least one host and a tz-aware time", field="hosts")
    pki = load_pki(directory)
    root = Issuer(pki.certificate("root"), pki.private_key("root"),
                  f"{pki.base_url}/crl/root.crl", None)
    key = new_key(key_type)
    names = x509.SubjectAlternativeName([_general_name(host) for host in hosts])
    cert = certificate(subject_name(hosts[0], "TLS server"), key, root,
                       not_before=at - dt.timedelta(days=1), not_after=at + lifetime,
                       extensions=[LEAF, (key_usage(sign=True), True), (names, False),
                                   (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                                    False)])
    key_path = out.with_name(out.name.removesuffix(".pem") + ".key.pem")
    try:
        out.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    except OSError as exc:
        raise PkiWriteError(f"cannot write the server certificate: {exc.strerror}",
                            field=str(exc.filename or out)) from None
    return cert


def _general_name(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)
