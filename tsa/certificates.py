"""Building the test PKI's certificates: keys, names, extensions and the profiles they share.

Used by :mod:`tsa.pki` to generate a PKI folder and to roll its TSA over; kept apart so that
module stays about what a PKI folder holds.  TEST KEYS ONLY.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

__all__ = ["CA_EXTENSIONS", "LEAF", "Issuer", "KeyType", "PrivateKey", "PublicKey", "certificate",
           "key_usage", "new_key", "subject_name", "tsa_certificate", "write_pem"]

KeyType = Literal["rsa", "ec"]
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey

_ORG = "pdfsign テスト信用保証協会"


def new_key(key_type: KeyType) -> PrivateKey:
    if key_type == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def subject_name(common_name: str, unit: str | None = None) -> x509.Name:
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, _ORG),
    ]
    if unit:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attrs)


@dataclass(frozen=True)
class Issuer:
    cert: x509.Certificate
    key: PrivateKey
    crl_url: str
    ocsp_url: str | None


def certificate(
    subject: x509.Name,
    key: PrivateKey | PublicKey,
    issuer: Issuer | None,
    *,
    not_before: dt.datetime,
    not_after: dt.datetime,
    extensions: Iterable[tuple[x509.ExtensionType, bool]],
) -> x509.Certificate:
    """Build and sign one certificate; ``issuer=None`` makes it self-signed.

    :param key: the subject's key: its public half is enough when an ``issuer`` signs (a key
        that stays on a token).
    """
    public = key if isinstance(key, PublicKey) else key.public_key()
    if issuer is None and isinstance(key, PublicKey):
        raise ValueError("a self-signed certificate needs the private key")
    signing_key = issuer.key if issuer else key
    assert not isinstance(signing_key, PublicKey)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signing_key.public_key()), False
        )
    )
    if issuer:
        builder = builder.add_extension(
            x509.CRLDistributionPoints([x509.DistributionPoint(
                [x509.UniformResourceIdentifier(issuer.crl_url)], None, None, None)]),
            False,
        )
        if issuer.ocsp_url:
            builder = builder.add_extension(
                x509.AuthorityInformationAccess([x509.AccessDescription(
                    AuthorityInformationAccessOID.OCSP,
                    x509.UniformResourceIdentifier(issuer.ocsp_url))]),
                False,
            )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical)
    return builder.sign(signing_key, hashes.SHA256())


def key_usage(*, sign: bool = False, non_repudiation: bool = False,
               ca: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign, content_commitment=non_repudiation, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
        encipher_only=False, decipher_only=False,
    )


def tsa_certificate(key: PrivateKey, root: Issuer, *, not_before: dt.datetime,
                     not_after: dt.datetime) -> x509.Certificate:
    """The TSA profile, the same for the first certificate and every successor: issued by the
    root, critical EKU timeStamping only (RFC 3161 §2.3), digitalSignature + nonRepudiation."""
    return certificate(
        subject_name("pdfsign Test Time-Stamp Authority", "TSA"), key, root,
        not_before=not_before, not_after=not_after,
        extensions=[LEAF, (key_usage(sign=True, non_repudiation=True), True),
                    (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True)])


CA_EXTENSIONS: list[tuple[x509.ExtensionType, bool]] = [
    (x509.BasicConstraints(ca=True, path_length=None), True),
    (key_usage(ca=True), True),
]
LEAF: tuple[x509.ExtensionType, bool] = (x509.BasicConstraints(ca=False, path_length=None), True)


def write_pem(path: Path, cert: x509.Certificate, key: PrivateKey | None = None) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    if key is not None:
        path.with_suffix(".key.pem").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
