"""Signing keys: open a signer's PKCS#12 file with its PIN, and sign with the parsed key.

pyHanko's ``SimpleSigner`` keeps the key as an ASN.1 structure and parses it
again for every signature (≈30 ms for RSA-2048), and its dry run for sizing
the signature container signs for real.  :class:`ParsedKeySigner` keeps the
``cryptography`` key object, signs with it directly, and answers dry runs with
a placeholder of the largest size the key can produce, so that
:mod:`pdfsign.signing.pades` can reserve the signature space without signing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from asn1crypto import pkcs12 as asn1_pkcs12
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.sign.attributes import CMSAttributeProvider, SignedAttributeProviderSpec
from pyhanko.sign.general import as_signing_certificate_v2
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash, process_pss_params

from pdfsign.errors import InputError, PermissionDenied, SigningError

__all__ = ["ParsedKeySigner", "SigningKey", "load_signer", "signer_names", "signer_path"]

#: The private keys the product signs with.
SigningKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def _to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _max_signature_size(key: SigningKey) -> int:
    """The longest raw signature ``key`` can produce, in bytes.

    RSA signatures are exactly the modulus length.  An ECDSA signature is a DER
    ``SEQUENCE`` of two ``INTEGER`` values of at most the order's length plus a
    leading zero byte (SEC 1 §C.8 / RFC 3279 §2.2.3).
    """
    if isinstance(key, rsa.RSAPrivateKey):
        return (key.key_size + 7) // 8
    order_bytes = (key.curve.key_size + 7) // 8
    content = 2 * (2 + order_bytes + 1)
    return content + (2 if content < 128 else 3)


class _EncodedAttribute(CMSAttributeProvider):  # type: ignore[misc]
    """A signed attribute whose value is the same in every signature, encoded once."""

    def __init__(self, attribute_type: str, value: object) -> None:
        self.attribute_type = attribute_type
        self._value = value

    async def build_attr_value(self, dry_run: bool = False) -> object:
        """The value as parsed from its DER: serialising it again costs nothing."""
        return self._value


class _PadesSignedAttributes(SignedAttributeProviderSpec):  # type: ignore[misc]
    """The signed attributes of a PAdES baseline signature (ETSI EN 319 142-1 §6.3).

    Besides content-type and message-digest, which pyHanko adds, that is only
    signing-certificate-v2 (RFC 5035): no signing-time, which PAdES forbids (the time
    is the dictionary's ``/M``), and no CAdES-only extras, which the product never
    sets.  pyHanko's default builds the same value anew for every signature, copying
    the issuer name out of the certificate, and then has to re-encode the certificate
    wherever it appears; that cost about 3 ms a signature.
    """

    def __init__(self, signing_cert: asn1_x509.Certificate) -> None:
        value = as_signing_certificate_v2(signing_cert)  # type: ignore[no-untyped-call]
        self._provider = _EncodedAttribute("signing_certificate_v2",
                                           tsp.SigningCertificateV2.load(value.dump()))

    def signed_attr_providers(self, data_digest: bytes, digest_algorithm: str
                              ) -> list[CMSAttributeProvider]:
        """The constant attributes (the digest-dependent ones are pyHanko's)."""
        return [self._provider]


class ParsedKeySigner(Signer):  # type: ignore[misc]
    """A pyHanko :class:`~pyhanko.sign.signers.pdf_cms.Signer` over a parsed RSA or ECDSA key,
    for PAdES signatures.

    Everything but the raw signature and the constant signed attribute (CMS packaging,
    the digest attributes, signature mechanism selection) stays pyHanko's.
    """

    def __init__(self, *, key: SigningKey, cert: x509.Certificate,
                 chain: Sequence[x509.Certificate] = (), embed_roots: bool = True) -> None:
        """:param key: the private key, already decrypted.
        :param cert: the signer's certificate; its public key must be ``key``'s.
        :param chain: the issuing CAs (embedded in the signature, used to build paths).
        :param embed_roots: also embed self-signed roots from ``chain`` in the CMS.
        :raises InputError: when ``cert`` does not belong to ``key``.
        """
        if cert.public_key() != key.public_key():
            raise InputError("the certificate does not match the private key", field="signer")
        super().__init__(
            signing_cert=_to_asn1(cert),
            cert_registry=SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
                [_to_asn1(c) for c in chain]),
            embed_roots=embed_roots,
        )
        self.signed_attr_prov_spec = _PadesSignedAttributes(self.signing_cert)
        self._key = key
        #: The largest raw signature this key produces (bytes), for sizing the container.
        self.max_signature_size = _max_signature_size(key)
        #: Signature container sizes (DER bytes) measured by pyHanko's dry run, keyed by
        #: digest algorithm and time-stamp token length: the CMS varies only with those.
        self.container_sizes: dict[tuple[str, int], int] = {}

    async def async_sign_raw(self, data: bytes, digest_algorithm: str,
                             dry_run: bool = False) -> bytes:
        """Sign ``data`` (the DER signed attributes) with the parsed key.

        :param data: the bytes to sign; hashed here with ``digest_algorithm``.
        :param digest_algorithm: e.g. ``"sha256"``.
        :param dry_run: return zero bytes of the maximal signature length instead.
        :return: the raw signature (PKCS#1 v1.5 or PSS for RSA, DER ECDSA-Sig-Value).
        """
        if dry_run:
            return bytes(self.max_signature_size)
        mechanism: Any = self.get_signature_mechanism_for_digest(digest_algorithm)
        if isinstance(self._key, ec.EllipticCurvePrivateKey):
            return self._key.sign(data, ec.ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
        if mechanism.signature_algo == "rsassa_pss":
            pss_padding, pss_hash = process_pss_params(mechanism["parameters"])
            return self._key.sign(data, pss_padding, pss_hash)
        return self._key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))


def _read_pkcs12(p12: Path) -> bytes:
    """The file's bytes, if they are a well-formed PKCS#12 structure (RFC 7292 ``PFX``)."""
    try:
        data = p12.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the signer file: {exc.strerror}", field=str(p12)) from None
    try:
        pfx = asn1_pkcs12.Pfx.load(data, strict=True)
        pfx["auth_safe"]["content"].native  # noqa: B018 - forces the parse
    except ValueError as exc:
        raise InputError(f"not a PKCS#12 signer file: {exc}", field=str(p12)) from None
    return data


def load_signer(p12: Path, pin: str, *, embed_roots: bool = True) -> ParsedKeySigner:
    """Open a signer's PKCS#12 file with its signing PIN.

    The file is checked to be a well-formed PKCS#12 structure first, so that a
    decryption failure afterwards can only mean a wrong PIN.  The PIN error is
    deliberately opaque (it is an oracle) and never contains the PIN.

    :param p12: the ``.p12``/``.pfx`` file holding the key, its certificate and CA chain.
    :param pin: the signing PIN protecting it.
    :param embed_roots: embed the self-signed root in each signature too.
    :return: a signer that keeps the parsed key, ready for many signatures.
    :raises InputError: the file is unreadable, not PKCS#12, or lacks a key or certificate.
    :raises PermissionDenied: the PIN is wrong (``field="pin"``).
    :raises SigningError: the key is neither RSA nor ECDSA.
    """
    data = _read_pkcs12(p12)
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(data, pin.encode("utf-8"))
    except ValueError:
        raise PermissionDenied("signing PIN is wrong for this signer", field="pin") from None
    if key is None or cert is None:
        raise InputError("the PKCS#12 file holds no private key and certificate",
                         field=str(p12))
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise SigningError(f"unsupported key type {type(key).__name__}; use RSA or ECDSA",
                           field=str(p12))
    return ParsedKeySigner(key=key, cert=cert, chain=chain, embed_roots=embed_roots)


def signer_names(pki_dir: Path) -> list[str]:
    """The signers of a PKI folder (``signers/<name>.p12``), by name."""
    return sorted(path.stem for path in (pki_dir / "signers").glob("*.p12"))


def signer_path(signer: str, pki_dir: Path) -> Path:
    """``signer`` as a file, or the PKI folder's ``signers/<name>.p12`` for a bare name.

    :param signer: A path to a ``.p12``/``.pfx`` file, or a name such as ``staff``.
    :param pki_dir: The PKI folder a bare name is looked up in.
    """
    path = Path(signer)
    if path.suffix or path.exists():
        return path
    return pki_dir / "signers" / f"{signer}.p12"
