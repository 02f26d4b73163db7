"""CRL issuer (RFC 5280 §5) and OCSP responder (RFC 6960) for the test PKI.

Pure protocol like :mod:`tsa.authority`: they take a time and return DER;
:mod:`tsa.services`, :mod:`tsa.fetchers` and :mod:`tsa.http` carry the bytes.
What is revoked comes from :attr:`tsa.pki.Pki.revocations`; a revocation
counts only from its ``revoked_at`` on, so a response for an earlier time
shows the certificate as good.

Issuance times (``thisUpdate``) are whole seconds (RFC 5280 §4.1.2.5.2), rounded down, never
in the future.  A CRL is re-signed once its second has passed: an ES-A signer asks for
revocation data right after its signature time-stamp, and ETSI EN 319 102-1's past
signature validation uses embedded data only when it was issued after that proof of
existence (§5.6.2.1); at the data's one-second resolution, "after" means "in the same
second or later" (see :func:`issuance_time`).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from asn1crypto import keys as asn1_keys
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import ocsp

from tsa.errors import PkiError, TsaError
from tsa.pki import Revocation
from tsa.serials import SerialSource

__all__ = ["CrlIssuer", "OcspResponder", "issuance_time"]

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def _reason(revocation: Revocation) -> x509.ReasonFlags:
    """The RFC 5280 §5.3.1 reason code named in ``pki.json`` (e.g. ``key_compromise``)."""
    try:
        return x509.ReasonFlags[revocation.reason]
    except KeyError:
        known = ", ".join(r.name for r in x509.ReasonFlags)
        raise PkiError(f"unknown revocation reason {revocation.reason!r} (known: {known})",
                       field=f"revocations[{revocation.serial}].reason") from None


def _utc(at: dt.datetime) -> dt.datetime:
    """``at`` in UTC, whole seconds (CRL and OCSP times have no fractions, RFC 5280 §4.1.2.5)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise TsaError("must be timezone-aware", field="at")
    return at.astimezone(dt.UTC).replace(microsecond=0)


def issuance_time(at: dt.datetime) -> dt.datetime:
    """The ``thisUpdate`` of data issued at ``at``: UTC, the whole second it falls in.

    Not rounded up: a response claiming a time in the future is refused by clients that
    ask within the same second (NSS, and pyHanko's point-in-time rules)."""
    return _utc(at)


def _in_force(revocations: Iterable[Revocation], at: dt.datetime) -> tuple[Revocation, ...]:
    """The revocations made at or before ``at`` (exact, before rounding to seconds)."""
    return tuple(r for r in revocations if r.revoked_at <= at)


@dataclass(frozen=True)
class _CachedCrl:
    this_update: dt.datetime
    listed: tuple[Revocation, ...]
    der: bytes


class CrlIssuer:
    """Issues the CRL of one CA, re-signed at most once a second.

    A CRL asked for is never from an earlier second than the one it is asked in: a
    long-term signature embeds the CRL it fetches right after its time-stamp, and one
    issued before could not show the CA unrevoked at that time-stamp (module docstring).

    Thread-safe.  Each newly signed CRL takes the next number from ``numbers``
    (RFC 5280 §5.2.3: CRL numbers increase); with a file-backed source the
    numbers keep increasing across restarts.
    """

    def __init__(self, *, certificate: x509.Certificate, private_key: PrivateKey,
                 revocations: Iterable[Revocation], numbers: SerialSource,
                 validity: dt.timedelta = dt.timedelta(days=1)) -> None:
        """:param certificate: the CA certificate; its subject is the CRL issuer.
        :param private_key: the CA key that signs the CRL.
        :param revocations: the certificates this CA revoked.
        :param numbers: where CRL numbers come from.
        :param validity: time from thisUpdate to nextUpdate.
        :raises PkiError: for a key that is not the certificate's or an unknown reason.
        """
        if certificate.public_key() != private_key.public_key():
            raise PkiError("the private key does not match the CA certificate", field="private_key")
        if validity <= dt.timedelta(0):
            raise TsaError(f"must be positive, got {validity}", field="validity")
        self._cert = certificate
        self._key = private_key
        self._revocations = tuple(revocations)
        self._reasons = {r.serial: _reason(r) for r in self._revocations}
        self._numbers = numbers
        self._validity = validity
        self._lock = threading.Lock()
        self._cached: _CachedCrl | None = None

    def crl(self, *, at: dt.datetime) -> bytes:
        """The DER CRL issued in ``at``'s second (the same bytes within that second).

        :param at: the time the CRL is asked for, tz-aware.
        """
        now = issuance_time(at)
        listed = _in_force(self._revocations, at)
        with self._lock:
            cached = self._cached
            if cached is None or cached.listed != listed or now != cached.this_update:
                cached = _CachedCrl(now, listed, self._sign(now, listed))
                self._cached = cached
            return cached.der

    def _sign(self, at: dt.datetime, listed: tuple[Revocation, ...]) -> bytes:
        ski = self._cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self._cert.subject)
            .last_update(at)
            .next_update(at + self._validity)
            # RFC 5280 §5.2.1 and §5.2.3: authorityKeyIdentifier and cRLNumber are MUST.
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), False)
            .add_extension(x509.CRLNumber(self._numbers.next_serial()), False)
        )
        for revocation in listed:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(revocation.serial)
                .revocation_date(_utc(revocation.revoked_at))
                .add_extension(x509.CRLReason(self._reasons[revocation.serial]), False)
                .build())
        crl = builder.sign(self._key, hashes.SHA256())
        return crl.public_bytes(serialization.Encoding.DER)


def _key_hash_input(certificate: x509.Certificate) -> bytes:
    """RFC 6960 §4.1.1: issuerKeyHash hashes the subjectPublicKey BIT STRING value."""
    spki = certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return bytes(asn1_keys.PublicKeyInfo.load(spki)["public_key"].contents[1:])


def _digest(algorithm: hashes.HashAlgorithm, data: bytes) -> bytes:
    h = hashes.Hash(algorithm)
    h.update(data)
    return h.finalize()


class OcspResponder:
    """A delegated OCSP responder (RFC 6960 §4.2.2.2) for the certificates of one CA.

    Answers good, revoked (time and reason) or unknown (a serial the CA never
    issued, when ``issued_serials`` is given); a request about another CA's
    certificate gets ``unauthorized``, a malformed one ``malformedRequest``.
    """

    def __init__(self, *, issuer: x509.Certificate, responder_certificate: x509.Certificate,
                 responder_key: PrivateKey, revocations: Iterable[Revocation],
                 issued_serials: Iterable[int] | None = None,
                 validity: dt.timedelta = dt.timedelta(days=1)) -> None:
        """:param issuer: the CA whose certificates this responder covers.
        :param responder_certificate: the responder's certificate, issued by ``issuer``
            with EKU OCSPSigning (RFC 6960 §4.2.2.2).
        :param responder_key: its private key.
        :param revocations: the certificates ``issuer`` revoked.
        :param issued_serials: every serial ``issuer`` issued; ``None`` treats any
            unrevoked serial as good.
        :param validity: time from thisUpdate to nextUpdate.
        :raises PkiError: when the responder is not delegated by ``issuer`` or the key
            does not match.
        """
        if responder_certificate.issuer != issuer.subject:
            raise PkiError("the OCSP responder is not issued by the CA it answers for",
                           field="responder_certificate")
        if responder_certificate.public_key() != responder_key.public_key():
            raise PkiError("the private key does not match the OCSP responder certificate",
                           field="responder_key")
        self._issuer = issuer
        self._cert = responder_certificate
        self._key = responder_key
        self._revoked = {r.serial: r for r in revocations}
        self._reasons = {r.serial: _reason(r) for r in self._revoked.values()}
        self._issued = frozenset(issued_serials) if issued_serials is not None else None
        self._validity = validity
        self._name_der = issuer.subject.public_bytes()
        self._key_bits = _key_hash_input(issuer)

    def respond(self, request_der: bytes, *, at: dt.datetime) -> bytes:
        """Answer a DER ``OCSPRequest`` with a DER ``OCSPResponse``; never raises for bad input.

        :param at: the time of the answer (thisUpdate), tz-aware.
        """
        _utc(at)  # refuse a naive time before reading anything
        try:
            request = ocsp.load_der_ocsp_request(request_der)
            algorithm = request.hash_algorithm
            nonce = _nonce(request)
        except (ValueError, UnsupportedAlgorithm):
            # RFC 6960 §2.3: malformedRequest, "illegal confirmation request"; this also
            # covers requests for several certificates, which cryptography cannot read.
            return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
        if request.serial_number < 0:
            # RFC 5280 §4.1.2.2: a serial is a positive INTEGER; cryptography cannot even
            # build an answer naming a negative one (found by fuzzing, issue 12).
            return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
        if not self._covers(request, algorithm):
            # RFC 6960 §2.3: unauthorized, the responder cannot answer for this issuer.
            return _unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)
        return self._signed(request, algorithm, nonce, at)

    def _covers(self, request: ocsp.OCSPRequest, algorithm: hashes.HashAlgorithm) -> bool:
        """RFC 6960 §4.1.1: the CertID's issuer hashes must be those of our CA."""
        return (request.issuer_name_hash == _digest(algorithm, self._name_der)
                and request.issuer_key_hash == _digest(algorithm, self._key_bits))

    def _signed(self, request: ocsp.OCSPRequest, algorithm: hashes.HashAlgorithm,
                nonce: x509.OCSPNonce | None, at: dt.datetime) -> bytes:
        serial = request.serial_number
        revocation = self._revoked.get(serial)
        this_update = issuance_time(at)
        status = ocsp.OCSPCertStatus.GOOD
        if revocation is not None and revocation.revoked_at <= at:
            status = ocsp.OCSPCertStatus.REVOKED
        elif self._issued is not None and serial not in self._issued:
            status = ocsp.OCSPCertStatus.UNKNOWN  # RFC 6960 §2.2: never issued by this CA
        revoked = status is ocsp.OCSPCertStatus.REVOKED and revocation is not None
        builder = (
            ocsp.OCSPResponseBuilder()
            .add_response_by_hash(
                request.issuer_name_hash, request.issuer_key_hash, serial, algorithm, status,
                this_update=this_update, next_update=this_update + self._validity,
                revocation_time=_utc(revocation.revoked_at) if revoked and revocation else None,
                revocation_reason=self._reasons[serial] if revoked else None)
            .responder_id(ocsp.OCSPResponderEncoding.HASH, self._cert)
            .certificates([self._cert, self._issuer])  # the chain up to a root-only trust store
        )
        if nonce is not None:
            builder = builder.add_extension(nonce, critical=False)  # RFC 6960 §4.4.1: echo
        response = builder.sign(self._key, hashes.SHA256())
        return response.public_bytes(serialization.Encoding.DER)


def _nonce(request: ocsp.OCSPRequest) -> x509.OCSPNonce | None:
    try:
        return request.extensions.get_extension_for_class(x509.OCSPNonce).value
    except x509.ExtensionNotFound:
        return None


def _unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(
        serialization.Encoding.DER)
