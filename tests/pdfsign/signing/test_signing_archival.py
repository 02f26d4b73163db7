"""An ES-A's validation data is issued after its signature time-stamp, never before.

ETSI EN 319 102-1 §5.6.2.1: embedded revocation data vouches for a signature only when it
was issued after the signature's proof of existence.  Checked on the bytes of the file:
every CRL and OCSP response of the DSS against the signature time-stamp's ``genTime``.
"""

from __future__ import annotations

import datetime as dt
import io
import time
from dataclasses import replace

import pytest
from asn1crypto import crl, ocsp
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.generic_cms import extract_tst_data_iter

from pdfsign.errors import TimestampError
from pdfsign.signing import Level, ParsedKeySigner, SigningServices, sign_pdf, signing_services
from tsa import embedded_fetcher_backend
from tsa.pki import Pki
from tsa.services import PkiServices
from verify.revocation_cache import crl_issued, ocsp_issued


def _times(pdf: bytes) -> tuple[dt.datetime, dt.datetime, list[dt.datetime]]:
    """(signature time-stamp genTime, document time-stamp genTime, DSS issuance times)."""
    reader = PdfFileReader(io.BytesIO(pdf))
    signature, doc_ts = reader.embedded_signatures
    token = next(extract_tst_data_iter(signature.signer_info, signed=False))
    gen = token["encap_content_info"]["content"].parsed["gen_time"].native
    archive = doc_ts.signed_data["encap_content_info"]["content"].parsed["gen_time"].native
    dss = DocumentSecurityStore.read_dss(reader)
    issued = [ocsp_issued(ocsp.OCSPResponse.load(r.get_object().data)) for r in dss.ocsps]
    issued += [crl_issued(crl.CertificateList.load(r.get_object().data)) for r in dss.crls]
    return gen, archive, [t for t in issued if t is not None]


def _sign(pdf: bytes, signer: ParsedKeySigner, services: SigningServices) -> bytes:
    return sign_pdf(pdf, signer=signer, level=Level.ES_A, timestamper=services.timestamper,
                    validation_context_factory=services.validation_context,
                    at=dt.datetime.now(dt.UTC), grace=services.grace)


def test_dss_data_is_issued_after_the_signature_timestamp(
        one_page_pdf: bytes, signers: dict[str, ParsedKeySigner],
        embedded_services: SigningServices) -> None:
    """Signed twice more than a second apart with one (caching) set of services: the second
    file must not get the first one's data, however valid that still is."""
    first = _sign(one_page_pdf, signers["staff"], embedded_services)
    time.sleep(1.1)
    second = _sign(one_page_pdf, signers["staff"], embedded_services)
    for pdf in (first, second):
        gen, archive, issued = _times(pdf)
        assert len(issued) >= 2  # the signer's OCSP response and the root's CRL
        # whole-second data: issued in the second of the proof of existence, or later
        assert all(t >= gen.replace(microsecond=0) for t in issued), (gen, issued)
        assert all(t <= archive for t in issued)  # and sealed by the archive time-stamp
    assert min(_times(second)[2]) > max(_times(first)[2])


def test_a_grace_period_delays_the_data(one_page_pdf: bytes,
                                        signers: dict[str, ParsedKeySigner],
                                        embedded_services: SigningServices) -> None:
    services = replace(embedded_services, grace=dt.timedelta(seconds=2))
    gen, _, issued = _times(_sign(one_page_pdf, signers["staff"], services))
    floor = (gen + dt.timedelta(seconds=2)).replace(microsecond=0)
    assert issued
    assert all(t >= floor for t in issued), (gen, issued)


def test_no_fresh_data_is_a_timestamp_error_naming_what_was_stale(
        pki: Pki, one_page_pdf: bytes, signers: dict[str, ParsedKeySigner]) -> None:
    """Responders stuck an hour in the past never answer after the time-stamp."""
    services = signing_services(pki_dir=pki.directory, state_dir=None)
    stuck = embedded_fetcher_backend(PkiServices.from_pki(pki, state_dir=None),
                                     clock=lambda: dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    services = replace(services, fetcher_backend=stuck)
    with pytest.raises(TimestampError, match=r"no revocation data issued after .* issued "):
        _sign(one_page_pdf, signers["staff"], services)
