"""The signer every PAdES signature of the product is made with, whatever holds the key.

pyHanko's signers build the constant signed attribute (signing-certificate-v2) anew for every
signature and size the signature container with a dry run that signs for real.
:class:`PadesSigner` encodes that attribute once and answers dry runs with a placeholder of
the largest size the key can produce, so that :mod:`pdfsign.signing.pades` reserves the
signature space without signing twice.  The raw signature itself is a subclass's: a parsed
PKCS#12 key (:class:`pdfsign.signing.signers.ParsedKeySigner`) or a key on a PKCS#11 token
(:class:`pdfsign.signing.token_signer.TokenSigner`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import TracebackType

from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pyhanko.sign.attributes import CMSAttributeProvider, SignedAttributeProviderSpec
from pyhanko.sign.general import as_signing_certificate_v2
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko_certvalidator.registry import SimpleCertificateStore

from pdfsign.errors import SigningError

__all__ = ["PadesSigner", "to_asn1"]


def to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    """A ``cryptography`` certificate as asn1crypto's (what pyHanko takes)."""
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _max_signature_size(public_key: object) -> int:
    """The longest raw signature the key of ``public_key`` can produce, in bytes.

    RSA signatures are exactly the modulus length.  An ECDSA signature is a DER
    ``SEQUENCE`` of two ``INTEGER`` values of at most the order's length plus a
    leading zero byte (SEC 1 §C.8 / RFC 3279 §2.2.3).
    """
    if isinstance(public_key, rsa.RSAPublicKey):
        return (public_key.key_size + 7) // 8
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        raise SigningError(f"unsupported key type {type(public_key).__name__}; use RSA or ECDSA",
                           field="signer")
    order_bytes = (public_key.curve.key_size + 7) // 8
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


class PadesSigner(Signer):  # type: ignore[misc]
    """A pyHanko :class:`~pyhanko.sign.signers.pdf_cms.Signer` for PAdES signatures.

    Everything but the raw signature and the constant signed attribute (CMS packaging,
    the digest attributes, signature mechanism selection) stays pyHanko's.  A signer may
    hold a resource (a token session): :meth:`close` it, or use it as a context manager.
    """

    def __init__(self, *, cert: x509.Certificate, chain: Sequence[x509.Certificate] = (),
                 embed_roots: bool = True) -> None:
        """:param cert: the signer's certificate.
        :param chain: the issuing CAs (embedded in the signature, used to build paths).
        :param embed_roots: also embed self-signed roots from ``chain`` in the CMS.
        """
        super().__init__(
            signing_cert=to_asn1(cert),
            cert_registry=SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
                [to_asn1(c) for c in chain]),
            embed_roots=embed_roots,
        )
        self.signed_attr_prov_spec = _PadesSignedAttributes(self.signing_cert)
        #: The signer's certificate (``cryptography``'s).
        self.certificate = cert
        #: The issuing CAs.
        self.chain = tuple(chain)
        #: The largest raw signature this key produces (bytes), for sizing the container.
        self.max_signature_size = _max_signature_size(cert.public_key())
        #: Signature container sizes (DER bytes) measured by pyHanko's dry run, keyed by
        #: digest algorithm and time-stamp token length: the CMS varies only with those.
        self.container_sizes: dict[tuple[str, int], int] = {}
        #: Called before each real signature; raises to refuse it (a signer locked since it
        #: was opened).  Set by :func:`pdfsign.signing.load_signer` when a guard is given.
        self.before_signature: Callable[[], None] | None = None

    async def async_sign_raw(self, data: bytes, digest_algorithm: str,
                             dry_run: bool = False) -> bytes:
        """Sign ``data`` (the DER signed attributes).

        :param data: the bytes to sign; hashed with ``digest_algorithm``.
        :param digest_algorithm: e.g. ``"sha256"``.
        :param dry_run: return zero bytes of the maximal signature length instead.
        :return: the raw signature (PKCS#1 v1.5 or PSS for RSA, DER ECDSA-Sig-Value).
        """
        if dry_run:
            return bytes(self.max_signature_size)
        if self.before_signature is not None:
            self.before_signature()
        return self.sign_data(data, digest_algorithm)

    def sign_data(self, data: bytes, digest_algorithm: str) -> bytes:
        """The raw signature over ``data`` with the key (a subclass's)."""
        raise NotImplementedError

    def close(self) -> None:
        """Give back what the key holds (nothing, unless it is on a token)."""

    def __enter__(self) -> PadesSigner:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()
