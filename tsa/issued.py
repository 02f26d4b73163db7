"""Signer certificates issued by a PKI folder's CA for keys it never sees (TEST KEYS ONLY).

A key generated on a PKCS#11 token stays there; the folder's issuing CA certifies its public
key (CSR-less: whoever runs ``pdfsign pki certify`` read it from the token) with the staff
signers' profile, valid :data:`SIGNER_LIFETIME` (5 years).  Each certificate is kept as
``issued/<serial hex>.pem``, where the OCSP responder finds the serials the CA issued
(:func:`issued_certificates`): one it does not know it answers *unknown* (RFC 6960 §2.2).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tsa.certificates import LEAF, Issuer, PublicKey, certificate, key_usage, subject_name
from tsa.errors import PkiError, PkiWriteError
from tsa.pki import load_pki

__all__ = ["ISSUED_DIR", "SIGNER_LIFETIME", "IssuedCertificate", "issue_signer_certificate",
           "issued_certificates"]

#: The folder's sub-folder of the certificates issued after generation.
ISSUED_DIR = "issued"
#: A signer certificate's validity (DOMAIN.md: 5 years; one leap day included).
SIGNER_LIFETIME = dt.timedelta(days=5 * 365 + 1)


@dataclass(frozen=True)
class IssuedCertificate:
    """A new signer certificate, where it is kept, and the CAs above it (issuing CA, root)."""

    cert: x509.Certificate
    path: Path
    chain: tuple[x509.Certificate, ...]


def issue_signer_certificate(directory: Path, public_key: PublicKey, *, common_name: str,
                             unit: str | None = "保証課", at: dt.datetime,
                             lifetime: dt.timedelta = SIGNER_LIFETIME) -> IssuedCertificate:
    """Certify ``public_key`` as the signer ``common_name`` with the folder's issuing CA.

    :param at: the start of the validity (``lifetime`` later it ends), tz-aware.
    :raises PkiError: not a PKI folder, a naive ``at``, an empty name, or a validity outside
        the issuing CA's.
    :raises PkiWriteError: ``issued/`` cannot be written.
    """
    pki = load_pki(directory)
    if at.utcoffset() is None or not common_name.strip():
        raise PkiError("needs a tz-aware time and a signer name", field="name")
    ca = Issuer(pki.certificate("ca"), pki.private_key("ca"), f"{pki.base_url}/crl/ca.crl",
                f"{pki.base_url}/ocsp")
    if not ca.cert.not_valid_before_utc <= at <= at + lifetime <= ca.cert.not_valid_after_utc:
        raise PkiError("the validity must lie within the issuing CA's", field="at")
    cert = certificate(subject_name(common_name.strip(), unit), public_key, ca,
                       not_before=at, not_after=at + lifetime,
                       extensions=[LEAF, (key_usage(sign=True, non_repudiation=True), True)])
    path = directory / ISSUED_DIR / f"{cert.serial_number:x}.pem"
    try:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    except OSError as exc:
        raise PkiWriteError(f"cannot write the certificate: {exc.strerror}",
                            field=str(path)) from None
    return IssuedCertificate(cert, path, (ca.cert, pki.certificate("root")))


def issued_certificates(directory: Path) -> list[x509.Certificate]:
    """The certificates of ``issued/`` (none if the folder has none)."""
    return [x509.load_pem_x509_certificate(path.read_bytes())
            for path in sorted((directory / ISSUED_DIR).glob("*.pem"))]
