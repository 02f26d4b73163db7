"""pdfsign.signing.pades: ES-T (PAdES B-T) and ES-A (B-LTA), checked with pyHanko's AdES validator.

Every validation trusts only ``fixtures/pki/root.pem``.  ES-T files fetch their
revocation data (in-process fetchers); ES-A files must validate from their DSS alone.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import socket
from collections.abc import Callable
from io import BytesIO

import pytest
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESPassed
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, ModificationLevel
from pyhanko.sign.general import find_unique_cms_attribute
from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper
from pyhanko.sign.validation import DocumentSecurityStore
from pyhanko.sign.validation.ades import ades_lta_validation, ades_with_time_validation
from pyhanko.sign.validation.policy_decl import PdfSignatureValidationSpec, SignatureValidationSpec
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator.fetchers.api import FetcherBackend
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo

from pdfsign.errors import InputError, SigningError, TimestampError
from pdfsign.signing import (
    Level,
    ParsedKeySigner,
    SigningServices,
    load_signer,
    sign_pdf,
    signing_services,
)
from tsa.fetchers import embedded_fetcher_backend
from tsa.pki import Pki
from tsa.services import PkiServices

PIN = "TestPin2026"
SignFn = Callable[[Level, str, str], bytes]
SpecFn = Callable[[FetcherBackend | None], SignatureValidationSpec]
SIGNERS = ["staff", "staff-ec"]
MODES = ["embedded", "http"]


def _reader(pdf: bytes) -> PdfFileReader:
    return PdfFileReader(BytesIO(pdf))


def _with_time(pdf: bytes, spec: SignatureValidationSpec) -> object:
    """ETSI EN 319 102-1 §5.5 validation (signature + its time-stamp) of the first signature."""
    sig = _reader(pdf).embedded_regular_signatures[0]
    result = asyncio.run(ades_with_time_validation(sig.signed_data, spec,
                                                   raw_digest=sig.compute_digest()))
    return result.ades_subindic


def _lta(pdf: bytes, spec: SignatureValidationSpec, at: dt.datetime | None = None) -> object:
    """ETSI EN 319 102-1 §5.6.3 validation (long-term, document time-stamps as evidence)."""
    sig = _reader(pdf).embedded_regular_signatures[0]
    timing = None if at is None else ValidationTimingInfo(at, at, point_in_time_validation=False)
    result = asyncio.run(ades_lta_validation(sig, PdfSignatureValidationSpec(spec),
                                             timing_info=timing))
    return result.ades_subindic


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("signer", SIGNERS)
def test_es_t_is_pades_b_t(signed_samples: SignFn, validation_spec: SpecFn,
                           pki_services: PkiServices, signer: str, mode: str) -> None:
    pdf = signed_samples(Level.ES_T, signer, mode)
    reader = _reader(pdf)
    [sig] = reader.embedded_signatures
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    token = find_unique_cms_attribute(sig.signer_info["unsigned_attrs"],
                                      "signature_time_stamp_token")
    assert token["content"]["encap_content_info"]["content_type"].native == "tst_info"
    assert "/DSS" not in reader.root
    spec = validation_spec(embedded_fetcher_backend(pki_services))
    assert _with_time(pdf, spec) is AdESPassed.OK


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("signer", SIGNERS)
def test_es_a_is_pades_b_lta_and_validates_from_its_dss(
        signed_samples: SignFn, validation_spec: SpecFn, pki: Pki, signer: str,
        mode: str) -> None:
    pdf = signed_samples(Level.ES_A, signer, mode)
    reader = _reader(pdf)
    signature, doc_ts = reader.embedded_signatures
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert doc_ts.sig_object["/SubFilter"] == "/ETSI.RFC3161"
    assert doc_ts.evaluate_signature_coverage() is SignatureCoverageLevel.ENTIRE_FILE
    # the DSS and document time-stamp are changes the certification (P=2) allows
    signature.compute_integrity_info(DEFAULT_DIFF_POLICY)
    assert signature.diff_result.modification_level is ModificationLevel.LTA_UPDATES
    dss = DocumentSecurityStore.read_dss(reader)
    assert dss.ocsps  # the signer's OCSP response
    assert dss.crls  # the root's CRL, covering the issuing CA and the TSA
    subjects = {asn1_x509.Certificate.load(ref.get_object().data).subject.human_friendly
                for ref in dss.certs.values()}
    assert any("Time-Stamp Authority" in s for s in subjects)
    assert any("Issuing CA" in s for s in subjects)
    assert _lta(pdf, validation_spec(None)) is AdESPassed.OK


def test_es_t_needs_fetched_revocation_data_but_es_a_carries_it(
        signed_samples: SignFn, validation_spec: SpecFn) -> None:
    offline = validation_spec(None)
    assert _with_time(signed_samples(Level.ES_T, "staff", "embedded"), offline) \
        is not AdESPassed.OK
    assert _lta(signed_samples(Level.ES_A, "staff", "embedded"), offline) is AdESPassed.OK


def test_es_a_still_validates_after_the_signer_certificate_expired(
        signed_samples: SignFn, validation_spec: SpecFn, pki_services: PkiServices) -> None:
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=6 * 365)  # signer certs last 5 years
    backend = embedded_fetcher_backend(pki_services, clock=lambda: later)
    pdf = signed_samples(Level.ES_A, "staff", "embedded")
    assert _lta(pdf, validation_spec(backend), at=later) is AdESPassed.OK


def test_tampered_content_fails_validation(signed_samples: SignFn,
                                           validation_spec: SpecFn) -> None:
    pdf = signed_samples(Level.ES_A, "staff", "embedded")
    tampered = pdf.replace(b"(pdfsign signing test)", b"(pdfsign signing TEST)")
    assert tampered != pdf
    assert _lta(tampered, validation_spec(None)) is not AdESPassed.OK


def test_first_signature_certifies_with_docmdp_p2(signed_samples: SignFn) -> None:
    reader = _reader(signed_samples(Level.ES_A, "staff", "embedded"))
    docmdp = reader.root["/Perms"]["/DocMDP"]
    assert docmdp["/Reference"][0]["/TransformParams"]["/P"] == 2


def test_signing_a_signed_pdf_adds_an_approval_signature(
        signed_samples: SignFn, signers: dict[str, ParsedKeySigner],
        embedded_services: SigningServices, validation_spec: SpecFn,
        pki_services: PkiServices) -> None:
    first = signed_samples(Level.ES_T, "staff", "embedded")
    second = sign_pdf(first, signer=signers["staff-ec"], level=Level.ES_T,
                      timestamper=embedded_services.timestamper,
                      validation_context_factory=embedded_services.validation_context,
                      at=dt.datetime.now(dt.UTC), field_name="Signature2")
    certifying, approving = _reader(second).embedded_signatures
    assert "/Reference" in certifying.sig_object
    assert "/Reference" not in approving.sig_object
    spec = validation_spec(embedded_fetcher_backend(pki_services))
    result = asyncio.run(ades_with_time_validation(approving.signed_data, spec,
                                                   raw_digest=approving.compute_digest()))
    assert result.ades_subindic is AdESPassed.OK


def test_signature_dictionary_records_time_reason_and_location(
        one_page_pdf: bytes, signers: dict[str, ParsedKeySigner],
        embedded_services: SigningServices) -> None:
    at = dt.datetime(2026, 11, 22, 1, 2, 3, tzinfo=dt.UTC)
    pdf = sign_pdf(one_page_pdf, signer=signers["staff"], level=Level.ES_T,
                   timestamper=embedded_services.timestamper,
                   validation_context_factory=embedded_services.validation_context,
                   at=at, reason="保証書の発行", location="東京")
    sig = _reader(pdf).embedded_signatures[0]
    assert sig.self_reported_timestamp == at
    assert sig.sig_object["/Reason"] == "保証書の発行"
    assert sig.sig_object["/Location"] == "東京"


def test_signature_space_is_sized_once_and_tightly(signed_samples: SignFn,
                                                   signers: dict[str, ParsedKeySigner]) -> None:
    pdf = signed_samples(Level.ES_T, "staff", "embedded")
    assert list(signers["staff"].container_sizes)  # measured once, reused afterwards
    sig = _reader(pdf).embedded_signatures[0]
    used = len(sig.pkcs7_content)
    reserved = len(sig.sig_object.raw_get("/Contents").original_bytes)
    assert used <= reserved < used * 1.15  # pyHanko alone reserves ~1.5x


@pytest.mark.parametrize(("name", "reason"), [
    ("revoked", "revoked"),
    ("expired", "expired"),
    ("untrusted", "could not be validated"),
])
def test_refuses_a_signer_whose_certificate_does_not_validate(
        one_page_pdf: bytes, pki: Pki, embedded_services: SigningServices,
        name: str, reason: str) -> None:
    signer = load_signer(pki.signers[name].p12, PIN)
    with pytest.raises(SigningError, match=reason) as caught:
        sign_pdf(one_page_pdf, signer=signer, level=Level.ES_T,
                 timestamper=embedded_services.timestamper,
                 validation_context_factory=embedded_services.validation_context,
                 at=dt.datetime.now(dt.UTC))
    assert caught.value.field == "signer"
    assert caught.value.exit_code == 8


def test_rejects_bytes_that_are_not_a_pdf(signers: dict[str, ParsedKeySigner],
                                          embedded_services: SigningServices) -> None:
    with pytest.raises(InputError, match="not a readable PDF") as caught:
        sign_pdf(b"%PDF-1.7 nothing else", signer=signers["staff"], level=Level.ES_A,
                 timestamper=embedded_services.timestamper,
                 validation_context_factory=embedded_services.validation_context,
                 at=dt.datetime.now(dt.UTC))
    assert caught.value.field == "pdf"


def test_rejects_a_naive_signing_time(one_page_pdf: bytes, signers: dict[str, ParsedKeySigner],
                                      embedded_services: SigningServices) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        sign_pdf(one_page_pdf, signer=signers["staff"], level=Level.ES_T,
                 timestamper=embedded_services.timestamper,
                 validation_context_factory=embedded_services.validation_context,
                 at=dt.datetime(2026, 11, 22, 9, 0))


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def services_with_tsa(embedded_services: SigningServices,
                      ) -> Callable[[str], SigningServices]:
    """Embedded revocation data with an HTTP TSA at the given URL."""
    return lambda url: SigningServices(timestamper=HTTPTimeStamper(url, timeout=5),
                                       trust_roots=embedded_services.trust_roots,
                                       fetcher_backend=embedded_services.fetcher_backend)


@pytest.mark.parametrize("where", ["closed port", "not a TSA"])
def test_tsa_failure_is_a_timestamp_error(one_page_pdf: bytes, tsa_server: str,
                                          signers: dict[str, ParsedKeySigner],
                                          services_with_tsa: Callable[[str], SigningServices],
                                          where: str) -> None:
    url = (f"http://127.0.0.1:{_closed_port()}/tsa" if where == "closed port"
           else f"{tsa_server}/no-such-route")
    services = services_with_tsa(url)
    with pytest.raises(TimestampError) as caught:
        sign_pdf(one_page_pdf, signer=signers["staff"], level=Level.ES_T,
                 timestamper=services.timestamper,
                 validation_context_factory=services.validation_context,
                 at=dt.datetime.now(dt.UTC))
    assert caught.value.field == "tsa"
    assert caught.value.exit_code == 9


def test_signature_embeds_the_signer_chain(signed_samples: SignFn) -> None:
    sig = _reader(signed_samples(Level.ES_T, "staff-ec", "embedded")).embedded_signatures[0]
    assert "佐藤 花子" in sig.signer_cert.subject.human_friendly
    subjects = {c.subject.human_friendly for c in sig.other_embedded_certs}
    assert any("Issuing CA" in s for s in subjects)


def test_a_second_es_a_gets_its_dss_from_the_revocation_cache(
        one_page_pdf: bytes, signers: dict[str, ParsedKeySigner], pki: Pki,
        validation_spec: SpecFn) -> None:
    """Fresh services: the first signature fetches, the second is served from the cache and
    still carries every piece of revocation data, so it validates from its DSS alone."""
    services = signing_services(pki_dir=pki.directory, state_dir=None)

    def sign() -> bytes:
        return sign_pdf(one_page_pdf, signer=signers["staff"], level=Level.ES_A,
                        timestamper=services.timestamper,
                        validation_context_factory=services.validation_context,
                        at=dt.datetime.now(dt.UTC))

    first = sign()
    fetched = services.revocation_cache.misses
    second = sign()
    assert services.revocation_cache.misses == fetched
    assert services.revocation_cache.hits > 0
    dss = [DocumentSecurityStore.read_dss(_reader(pdf)) for pdf in (first, second)]
    assert [len(d.ocsps) for d in dss] == [len(dss[0].ocsps)] * 2
    assert dss[0].ocsps
    assert [len(d.crls) for d in dss] == [len(dss[0].crls)] * 2
    assert dss[0].crls
    assert _lta(second, validation_spec(None)) is AdESPassed.OK


@pytest.mark.parametrize("signer", SIGNERS)
def test_signed_attributes_are_the_pades_set(signed_samples: SignFn, one_page_pdf: bytes,
                                             signer: str) -> None:
    """content-type, message-digest and signing-certificate-v2 (ETSI EN 319 142-1 §6.3),
    no signing-time; the certificate reference is the signer's own certificate."""
    sig = _reader(signed_samples(Level.ES_T, signer, "embedded")).embedded_signatures[0]
    attrs = sig.signer_info["signed_attrs"]
    assert sorted(a["type"].native for a in attrs) == [
        "content_type", "message_digest", "signing_certificate_v2"]
    ess = find_unique_cms_attribute(attrs, "signing_certificate_v2")["certs"][0]
    assert ess["cert_hash"].native == hashlib.sha256(sig.signer_cert.dump()).digest()
    assert ess["issuer_serial"]["serial_number"].native == sig.signer_cert.serial_number
    assert find_unique_cms_attribute(attrs, "message_digest").native == sig.compute_digest()
