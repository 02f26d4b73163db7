"""The RFC 3161 time-stamp authority: a request and a time in, a signed response out.

Pure protocol, no transport: :mod:`tsa.http` and :mod:`tsa.client` are thin
adapters over :meth:`TimeStampAuthority.respond`.  Unlike pyHanko's
test-only dummy time stamper, this authority checks what it is asked
(:mod:`tsa.request_checks`: the decoding, the request version, the digest algorithm
and imprint length, the policy and extensions), and honours ``certReq``.  Every refusal
is a ``rejection`` response with the RFC's ``PKIFailureInfo`` and a status string, never
an exception.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID
from pyhanko.sign import general as pyhanko_general

from tsa.errors import PkiError, TsaError
from tsa.pki import Pki
from tsa.request_checks import ACCEPTED_DIGESTS, CHECKS, Rejection, decode_request
from tsa.serials import SerialSource

__all__ = ["ACCEPTED_DIGESTS", "TimeStampAuthority", "TimeStampResponse"]

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

# pyHanko's CMS helpers, typed for mypy (they are unannotated upstream).
_attribute = cast(Callable[[str, Any], Any], pyhanko_general.simple_cms_attribute)
_signing_certificate_v2 = cast(Callable[[Any, str], Any],
                               pyhanko_general.as_signing_certificate_v2)


def _to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _accuracy(value: dt.timedelta) -> Any:
    """RFC 3161 §2.4.2 Accuracy from a timedelta (seconds, millis 1..999, micros 1..999)."""
    micros_total = value // dt.timedelta(microseconds=1)
    seconds, rest = divmod(micros_total, 1_000_000)
    millis, micros = divmod(rest, 1000)
    fields = {"seconds": seconds or None, "millis": millis or None, "micros": micros or None}
    return tsp.Accuracy({k: v for k, v in fields.items() if v is not None})


@dataclass(frozen=True)
class _FixedParts:
    """The DER of every token part that never changes, encoded once.

    asn1crypto re-encodes objects built from parsed values (two certificates
    are most of a token), so per request each part is loaded from these bytes,
    which it dumps back unchanged at no cost.
    """

    tsa_name: bytes
    signing_certificate: bytes
    signer_id: bytes
    signature_algorithm: bytes
    certificates: bytes

    @classmethod
    def of(cls, certificate: x509.Certificate, extra: Iterable[x509.Certificate],
           key: PrivateKey) -> _FixedParts:
        cert = _to_asn1(certificate)
        with_certs = cms.SignedData({"certificates": [cert, *(_to_asn1(c) for c in extra)]})
        algorithm = ("sha256_ecdsa" if isinstance(key, ec.EllipticCurvePrivateKey)
                     else "rsassa_pkcs1v15")
        return cls(
            tsa_name=tsp.TSTInfo({"tsa": asn1_x509.GeneralName(
                name="directory_name", value=cert.subject)})["tsa"].dump(),
            signing_certificate=_attribute(
                "signing_certificate_v2", _signing_certificate_v2(cert, "sha256")).dump(),
            signer_id=cms.SignerIdentifier({"issuer_and_serial_number": {
                "issuer": cert.issuer, "serial_number": cert.serial_number}}).dump(),
            signature_algorithm=algos.SignedDigestAlgorithm({"algorithm": algorithm}).dump(),
            certificates=with_certs["certificates"].dump(),
        )


class TimeStampAuthority:
    """An RFC 3161 TSA over one certificate and key, thread-safe and transport-free.

    The key is parsed once at construction; signing uses SHA-256 with
    PKCS#1 v1.5 (RSA) or ECDSA.  Serial numbers come from ``serials`` (see
    :mod:`tsa.serials`).
    """

    def __init__(
        self,
        *,
        certificate: x509.Certificate,
        private_key: PrivateKey,
        extra_certificates: Iterable[x509.Certificate] = (),
        policy_oid: str,
        serials: SerialSource,
        accuracy: dt.timedelta | None = dt.timedelta(seconds=1),
    ) -> None:
        """:param certificate: the TSA certificate (critical EKU timeStamping, RFC 3161 §2.3).
        :param private_key: its private key, RSA or EC.
        :param extra_certificates: the chain to embed beside the TSA certificate on certReq.
        :param policy_oid: the one TSA policy served (dotted OID).
        :param serials: where token serial numbers come from.
        :param accuracy: the declared accuracy of ``genTime``; ``None`` leaves it out.
        :raises PkiError: when the key does not match the certificate or the
            certificate may not sign time stamps.
        """
        _check_tsa_certificate(certificate, private_key)
        if accuracy is not None and accuracy <= dt.timedelta(0):
            raise TsaError(f"must be positive, got {accuracy}", field="accuracy")
        self._key = private_key
        self._cert = certificate
        self._policy = policy_oid
        self._serials = serials
        self._accuracy = _accuracy(accuracy).dump() if accuracy is not None else None
        self._parts = _FixedParts.of(certificate, extra_certificates, private_key)

    @classmethod
    def from_pki(cls, pki: Pki, *, serials: SerialSource) -> TimeStampAuthority:
        """The test PKI's TSA: ``tsa.pem``/``tsa.key.pem``, embedding ``root.pem`` on certReq.

        :raises PkiError: when the PKI folder's TSA files are missing or unusable.
        """
        try:
            return cls(certificate=pki.certificate("tsa"), private_key=pki.private_key("tsa"),
                       extra_certificates=[pki.certificate("root")],
                       policy_oid=pki.policy_oid, serials=serials)
        except (OSError, ValueError) as exc:
            raise PkiError(f"cannot load the TSA certificate or key: {exc}",
                           field=str(pki.directory)) from None

    @property
    def certificate(self) -> x509.Certificate:
        """The TSA certificate tokens are signed with."""
        return self._cert

    @property
    def policy_oid(self) -> str:
        """The TSA policy every token is issued under."""
        return self._policy

    def respond(self, request_der: bytes, *, at: dt.datetime) -> bytes:
        """Answer a DER ``TimeStampReq`` with a DER ``TimeStampResp``.

        Never raises for a bad request: undecodable input gets a ``rejection``
        with badDataFormat, an unknown hash algorithm badAlg (RFC 3161 §2.4.2).

        :param request_der: the request body as received.
        :param at: the time to certify (``genTime``), tz-aware.
        :return: the DER response, granted or rejected.
        """
        req, rejection = decode_request(request_der)
        if rejection is not None:
            return bytes(_rejection_response(rejection).dump())
        return bytes(self.respond_to(req, at=at).dump())

    def respond_to(self, req: Any, *, at: dt.datetime) -> Any:
        """Answer a parsed ``tsp.TimeStampReq`` with a ``tsp.TimeStampResp``.

        :param at: the time to certify (``genTime``), tz-aware.
        :raises TsaError: when ``at`` is naive (a programming error, not a bad request).
        """
        if at.tzinfo is None or at.utcoffset() is None:
            raise TsaError("must be timezone-aware", field="at")
        for check in CHECKS:
            rejection = check(req, self._policy)
            if rejection is not None:
                return _rejection_response(rejection)
        if not self._cert.not_valid_before_utc <= at <= self._cert.not_valid_after_utc:
            # RFC 3161 §2.4.2 systemFailure: a token signed outside the TSA certificate's
            # validity could never be verified; refuse rather than issue it.
            return _rejection_response(Rejection(
                "tsa-certificate-validity", "system_failure",
                f"at: {at.isoformat()} is outside the TSA certificate's validity "
                f"({self._cert.not_valid_before_utc:%Y-%m-%d} to "
                f"{self._cert.not_valid_after_utc:%Y-%m-%d})"))
        return TimeStampResponse({
            "status": tsp.PKIStatusInfo({"status": "granted"}),
            "time_stamp_token": self._token(req, at.astimezone(dt.UTC)),
        })

    def _tst_info(self, req: Any, at: dt.datetime) -> Any:
        """RFC 3161 §2.4.2 TSTInfo: our policy, the imprint as sent, a fresh serial, the nonce."""
        fields: dict[str, Any] = {
            "version": "v1",
            "policy": self._policy,
            "message_imprint": req["message_imprint"],
            "serial_number": self._serials.next_serial(),
            "gen_time": at,
            "tsa": asn1_x509.GeneralName.load(self._parts.tsa_name, explicit=0),
        }
        if self._accuracy is not None:
            fields["accuracy"] = tsp.Accuracy.load(self._accuracy)
        if req["nonce"].native is not None:
            fields["nonce"] = req["nonce"].native  # §2.4.2: MUST echo the request's nonce
        return tsp.TSTInfo(fields)

    def _token(self, req: Any, at: dt.datetime) -> Any:
        """Wrap the TSTInfo in CMS SignedData (RFC 3161 §2.4.2, RFC 5652 §5)."""
        tst_info_der = self._tst_info(req, at).dump()
        digest = hashes.Hash(hashes.SHA256())
        digest.update(tst_info_der)
        signed_attrs = cms.CMSAttributes([
            _attribute("content_type", "tst_info"),
            _attribute("signing_time", cms.Time({"utc_time": core.UTCTime(at)})),
            _attribute("message_digest", digest.finalize()),
            cms.CMSAttribute.load(self._parts.signing_certificate),  # RFC 5816: ESSCertIDv2
        ])
        sha256 = algos.DigestAlgorithm({"algorithm": "sha256"})
        signer_info = cms.SignerInfo({
            "version": "v1",
            "sid": cms.SignerIdentifier.load(self._parts.signer_id),
            "digest_algorithm": sha256,
            "signed_attrs": signed_attrs,
            "signature_algorithm": algos.SignedDigestAlgorithm.load(
                self._parts.signature_algorithm),
            "signature": self._sign(signed_attrs.dump()),
        })
        signed_data: dict[str, Any] = {
            "version": "v3",  # RFC 5652 §5.1: v3 because eContentType is not id-data
            "digest_algorithms": [sha256],
            "encap_content_info": {"content_type": "tst_info",
                                   "content": cms.ParsableOctetString(tst_info_der)},
            "signer_infos": [signer_info],
        }
        if req["cert_req"].native:
            # §2.4.1: certReq true → the TSA certificate MUST be in the token; otherwise not.
            signed_data["certificates"] = cms.CertificateSet.load(self._parts.certificates,
                                                                  implicit=0)
        return cms.ContentInfo({"content_type": "signed_data",
                                "content": cms.SignedData(signed_data)})

    def _sign(self, data: bytes) -> bytes:
        if isinstance(self._key, ec.EllipticCurvePrivateKey):
            return self._key.sign(data, ec.ECDSA(hashes.SHA256()))
        return self._key.sign(data, padding.PKCS1v15(), hashes.SHA256())


class TimeStampResponse(tsp.TimeStampResp):  # type: ignore[misc]
    """``TimeStampResp`` with ``timeStampToken OPTIONAL``, as RFC 3161 §2.4.2 has it.

    asn1crypto 1.5 declares the token mandatory, so ``tsp.TimeStampResp`` can
    neither encode nor read a rejection; load responses with this class instead.
    """

    _fields = [
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


def _rejection_response(rejection: Rejection) -> Any:
    """RFC 3161 §2.4.2: status rejection, the reason as statusString and one failInfo bit."""
    return TimeStampResponse({"status": tsp.PKIStatusInfo({
        "status": "rejection",
        "status_string": [f"{rejection.check}: {rejection.reason}"],
        "fail_info": tsp.PKIFailureInfo({rejection.failure}),
    })})


def _check_tsa_certificate(certificate: x509.Certificate, key: PrivateKey) -> None:
    """Refuse a key that is not the certificate's, or a certificate not made for time-stamping."""
    if certificate.public_key() != key.public_key():
        raise PkiError("the private key does not match the TSA certificate", field="private_key")
    try:
        eku = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        eku = None
    # RFC 3161 §2.3: the TSA certificate MUST have exactly one EKU, id-kp-timeStamping, critical.
    if eku is None or not eku.critical or list(eku.value) != [ExtendedKeyUsageOID.TIME_STAMPING]:
        raise PkiError("needs exactly one critical extended key usage, timeStamping "
                       "(RFC 3161 §2.3)", field="certificate")
