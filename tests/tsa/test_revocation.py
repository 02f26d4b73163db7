"""CRL issuer (RFC 5280) and OCSP responder (RFC 6960) of the test PKI."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509 import ocsp

from tsa.errors import PkiError, TsaError
from tsa.pki import Pki, Revocation
from tsa.revocation import CrlIssuer, OcspResponder, issuance_time
from tsa.serials import MemorySerials
from tsa.services import PkiServices

OcspAsk = Callable[..., ocsp.OCSPResponse]
_SHA1 = hashes.SHA1()  # OpenSSL's and pyHanko's default CertID hash


def _signer_cert(pki: Pki, name: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pki.signer(name).cert.read_bytes())


def _crl_issuer(pki: Pki, name: str = "ca") -> CrlIssuer:
    return CrlIssuer(certificate=pki.certificate(name), private_key=pki.private_key(name),
                     revocations=[r for r in pki.revocations if r.issuer == name],
                     numbers=MemorySerials())


@pytest.fixture(scope="module")
def responder(pki: Pki) -> OcspResponder:
    return PkiServices.from_pki(pki, state_dir=None).ocsp_responder


@pytest.fixture(scope="module")
def ask(pki: Pki, responder: OcspResponder, at: dt.datetime) -> OcspAsk:
    """Ask the responder about a signer; returns the parsed response."""

    def ask(name: str, *, when: dt.datetime = at, algorithm: hashes.HashAlgorithm = _SHA1,
            nonce: bytes | None = b"0123456789abcdef",
            issuer: x509.Certificate | None = None) -> ocsp.OCSPResponse:
        builder = ocsp.OCSPRequestBuilder().add_certificate(
            _signer_cert(pki, name), issuer or pki.certificate("ca"), algorithm)
        if nonce is not None:
            builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
        der = builder.build().public_bytes(serialization.Encoding.DER)
        return ocsp.load_der_ocsp_response(responder.respond(der, at=when))

    return ask


def test_ca_crl_lists_the_revoked_signer(pki: Pki, at: dt.datetime) -> None:
    crl = x509.load_der_x509_crl(_crl_issuer(pki).crl(at=at))
    assert crl.issuer == pki.certificate("ca").subject
    assert crl.is_signature_valid(pki.certificate("ca").public_key())  # type: ignore[arg-type]
    assert not crl.is_signature_valid(pki.certificate("root").public_key())  # type: ignore[arg-type]
    entry = crl.get_revoked_certificate_by_serial_number(_signer_cert(pki, "revoked").serial_number)
    assert entry is not None
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == (
        x509.ReasonFlags.key_compromise)
    assert crl.get_revoked_certificate_by_serial_number(
        _signer_cert(pki, "staff").serial_number) is None
    assert crl.last_update_utc == issuance_time(at)
    assert crl.next_update_utc == issuance_time(at) + dt.timedelta(days=1)


def test_root_crl_is_signed_by_root_and_empty(pki: Pki, at: dt.datetime) -> None:
    crl = x509.load_der_x509_crl(_crl_issuer(pki, "root").crl(at=at))
    assert crl.is_signature_valid(pki.certificate("root").public_key())  # type: ignore[arg-type]
    assert len(crl) == 0


def test_issuance_time_is_the_whole_second_never_the_future(at: dt.datetime) -> None:
    whole = at.replace(microsecond=0)
    assert issuance_time(whole + dt.timedelta(microseconds=999_999)) == whole
    assert issuance_time(at) <= at


def test_crl_is_reused_within_its_second_then_renumbered(pki: Pki, at: dt.datetime) -> None:
    """A CRL is never older than the second it is asked in (data for an ES-A must postdate
    the signature time-stamp), and re-signing takes the next CRL number."""
    issuer = _crl_issuer(pki)
    whole = at.replace(microsecond=0)
    first = issuer.crl(at=whole + dt.timedelta(microseconds=1))
    assert issuer.crl(at=whole + dt.timedelta(microseconds=999_999)) == first
    renewed = issuer.crl(at=whole + dt.timedelta(seconds=1, microseconds=1))
    assert renewed != first
    numbers = [x509.load_der_x509_crl(c).extensions.get_extension_for_class(x509.CRLNumber)
               .value.crl_number for c in (first, renewed)]
    assert numbers == [1, 2]


def test_revocation_counts_only_from_its_time(pki: Pki) -> None:
    revoked_at = pki.revocations[0].revoked_at
    issuer = _crl_issuer(pki)
    before = x509.load_der_x509_crl(issuer.crl(at=revoked_at - dt.timedelta(seconds=1)))
    after = x509.load_der_x509_crl(issuer.crl(at=revoked_at))
    assert (len(before), len(after)) == (0, 1)


def test_unknown_revocation_reason_is_a_pki_error(pki: Pki, at: dt.datetime) -> None:
    with pytest.raises(PkiError, match=r"revocations\[7\]\.reason: unknown revocation reason"):
        CrlIssuer(certificate=pki.certificate("ca"), private_key=pki.private_key("ca"),
                  revocations=[Revocation("ca", 7, at, "lost_it")], numbers=MemorySerials())


def test_crl_key_must_match(pki: Pki) -> None:
    with pytest.raises(PkiError, match="does not match the CA certificate"):
        CrlIssuer(certificate=pki.certificate("ca"), private_key=pki.private_key("root"),
                  revocations=[], numbers=MemorySerials())


def test_ocsp_good(ask: OcspAsk, pki: Pki, at: dt.datetime) -> None:
    response = ask("staff")
    assert response.response_status is ocsp.OCSPResponseStatus.SUCCESSFUL
    assert response.certificate_status is ocsp.OCSPCertStatus.GOOD
    assert response.serial_number == _signer_cert(pki, "staff").serial_number
    assert response.this_update_utc == issuance_time(at)
    assert response.this_update_utc <= at < response.this_update_utc + dt.timedelta(seconds=1)
    assert response.next_update_utc == issuance_time(at) + dt.timedelta(days=1)


def test_ocsp_revoked_with_time_and_reason(ask: OcspAsk, pki: Pki) -> None:
    response = ask("revoked")
    assert response.certificate_status is ocsp.OCSPCertStatus.REVOKED
    assert response.revocation_time_utc == pki.revocations[0].revoked_at.replace(microsecond=0)
    assert response.revocation_reason is x509.ReasonFlags.key_compromise


def test_ocsp_good_before_the_revocation(ask: OcspAsk, pki: Pki) -> None:
    before = pki.revocations[0].revoked_at - dt.timedelta(minutes=1)
    assert ask("revoked", when=before).certificate_status is ocsp.OCSPCertStatus.GOOD


def test_ocsp_signed_by_the_delegated_responder(ask: OcspAsk, pki: Pki) -> None:
    response = ask("staff")
    responder_cert = pki.certificate("ocsp")
    assert response.responder_key_hash == x509.SubjectKeyIdentifier.from_public_key(
        responder_cert.public_key()).digest
    assert response.certificates == [responder_cert, pki.certificate("ca")]
    public_key = responder_cert.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)  # the committed PKI is RSA
    public_key.verify(response.signature, response.tbs_response_bytes, padding.PKCS1v15(),
                      hashes.SHA256())  # raises InvalidSignature if not


@pytest.mark.parametrize("nonce", [b"0123456789abcdef", None])
def test_ocsp_nonce_echoed(ask: OcspAsk, nonce: bytes | None) -> None:
    extensions = ask("staff", nonce=nonce).extensions
    echoed = [e.value.nonce for e in extensions if isinstance(e.value, x509.OCSPNonce)]
    assert echoed == ([nonce] if nonce else [])


def test_ocsp_sha256_cert_id(ask: OcspAsk) -> None:
    response = ask("staff", algorithm=hashes.SHA256())
    assert response.certificate_status is ocsp.OCSPCertStatus.GOOD
    assert isinstance(response.hash_algorithm, hashes.SHA256)


def test_ocsp_unknown_for_a_serial_never_issued(pki: Pki, responder: OcspResponder,
                                                at: dt.datetime) -> None:
    der = ocsp.OCSPRequestBuilder().add_certificate_by_hash(
        *_ca_hashes(pki), 123456789, hashes.SHA1()).build().public_bytes(serialization.Encoding.DER)
    response = ocsp.load_der_ocsp_response(responder.respond(der, at=at))
    assert response.certificate_status is ocsp.OCSPCertStatus.UNKNOWN


def _ca_hashes(pki: Pki) -> tuple[bytes, bytes]:
    staff = ocsp.OCSPRequestBuilder().add_certificate(
        _signer_cert(pki, "staff"), pki.certificate("ca"), hashes.SHA1()).build()
    return staff.issuer_name_hash, staff.issuer_key_hash


def test_ocsp_unauthorized_for_another_issuer(ask: OcspAsk, pki: Pki) -> None:
    response = ask("staff", issuer=pki.certificate("root"))
    assert response.response_status is ocsp.OCSPResponseStatus.UNAUTHORIZED


@pytest.mark.parametrize("body", [b"", b"not an OCSP request", b"\x30\x00"])
def test_ocsp_malformed_request(responder: OcspResponder, at: dt.datetime, body: bytes) -> None:
    response = ocsp.load_der_ocsp_response(responder.respond(body, at=at))
    assert response.response_status is ocsp.OCSPResponseStatus.MALFORMED_REQUEST


def test_ocsp_responder_must_be_delegated_by_the_ca(pki: Pki) -> None:
    with pytest.raises(PkiError, match="not issued by the CA it answers for"):
        OcspResponder(issuer=pki.certificate("root"), responder_certificate=pki.certificate("ocsp"),
                      responder_key=pki.private_key("ocsp"), revocations=[])


def test_naive_times_are_refused(pki: Pki, responder: OcspResponder) -> None:
    naive = dt.datetime(2026, 12, 1)
    with pytest.raises(TsaError, match="at: must be timezone-aware"):
        _crl_issuer(pki).crl(at=naive)
    with pytest.raises(TsaError, match="at: must be timezone-aware"):
        responder.respond(b"", at=naive)
