"""Long-term validity, checked with a clock: files signed now, verified years later.

Each case is judged by ``pdfsign``'s verifier and by pyHanko's AdES validator run under
``faketime``, both against services that answer as of the shifted time (``time_travel``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from pathlib import Path

import pytest
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko_certvalidator import ValidationContext
from time_travel import YEAR, adesverify, serve, travel_pki
from verify_samples import base_pdf

from pdfsign.signing import Level, load_signer, sign_pdf, signing_services
from tsa import EmbeddedTimeStamper, ShiftedClock, embedded_fetcher_backend
from tsa.pki import Pki
from tsa.services import PkiServices
from verify import DocumentReport, TrustSettings, Verdict, load_trust_settings, verify_pdf


@pytest.fixture(scope="module")
def signed_at() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@pytest.fixture(scope="module")
def travel(tmp_path_factory: pytest.TempPathFactory, signed_at: dt.datetime) -> Pki:
    return travel_pki(tmp_path_factory.mktemp("travel-pki"), at=signed_at)


def _es_a(pki: Pki, signer: str) -> bytes:
    services = signing_services(pki_dir=pki.directory, state_dir=None)
    entry = pki.signer(signer)
    return sign_pdf(base_pdf(), signer=load_signer(entry.p12, entry.pin), level=Level.ES_A,
                    timestamper=services.timestamper,
                    validation_context_factory=services.validation_context,
                    at=dt.datetime.now(dt.UTC))


def _verify(pdf: bytes, pki: Pki, *, at: dt.datetime, offline: bool) -> DocumentReport:
    settings: TrustSettings = load_trust_settings(trust=[pki.path("root.pem")], offline=offline)
    return verify_pdf(pdf, path="file.pdf", settings=settings, at=at)


@pytest.fixture(scope="module")
def short_lived(travel: Pki, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An ES-A by the signer whose certificate ends a year after signing."""
    path = tmp_path_factory.mktemp("short") / "short.pdf"
    path.write_bytes(_es_a(travel, "short"))
    return path


def test_signer_expired_after_signing_is_valid_three_years_later(
        travel: Pki, short_lived: Path, signed_at: dt.datetime) -> None:
    later = 3 * YEAR
    with serve(travel, offset=later):
        report = _verify(short_lived.read_bytes(), travel, at=signed_at + later, offline=False)
        independent = adesverify(short_lived, travel, offset=later)
    signature = report.signatures[0]
    assert (report.verdict, signature.level and signature.level.value) == (Verdict.VALID,
                                                                          "B-LTA"), report
    assert all(t.ok for t in report.timestamps)
    assert signature.validity["now"].value == "expired"  # and yet valid: proven in time
    assert independent


def test_three_years_later_offline_the_newest_timestamp_needs_current_data(
        travel: Pki, short_lived: Path, signed_at: dt.datetime) -> None:
    """With no service to ask, nothing says the newest archive time-stamp's TSA is still
    unrevoked: not valid, for us and for pyHanko alike, and the report says what to do."""
    at = signed_at + 3 * YEAR
    report = _verify(short_lived.read_bytes(), travel, at=at, offline=True)
    assert report.verdict is not Verdict.VALID
    assert report.signatures[0].subindication == "TRY_LATER"
    assert "revocation" in (report.signatures[0].reason or "")
    assert not adesverify(short_lived, travel, offline_at=at)


def _stale_es_a(pki: Pki) -> bytes:
    """pyHanko's one-pass B-LTA with revocation data issued a minute before signing."""
    services = PkiServices.from_pki(pki, state_dir=None)
    before = ShiftedClock(-dt.timedelta(minutes=1))
    context = ValidationContext(
        trust_roots=[load_cert_from_pemder(str(pki.path("root.pem")))],
        allow_fetching=True, revocation_mode="require",
        fetcher_backend=embedded_fetcher_backend(services, clock=before))
    entry = pki.signer("staff")
    cms_signer = signers.SimpleSigner.load_pkcs12(str(entry.p12), passphrase=entry.pin.encode())
    assert cms_signer is not None
    meta = signers.PdfSignatureMetadata(
        field_name="Signature1", subfilter=SigSeedSubFilter.PADES, embed_validation_info=True,
        use_pades_lta=True, validation_context=context)
    out = asyncio.run(signers.async_sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(base_pdf())), meta, signer=cms_signer,
        timestamper=EmbeddedTimeStamper(services.authority)))
    data: bytes = out.getvalue()
    return data


def test_embedded_data_older_than_the_signature_timestamp_is_indeterminate_offline(
        travel: Pki) -> None:
    pdf = _stale_es_a(travel)
    report = _verify(pdf, travel, at=dt.datetime.now(dt.UTC), offline=True)
    signature = report.signatures[0]
    assert report.verdict is Verdict.INDETERMINATE
    assert (signature.indication, signature.subindication) == ("INDETERMINATE", "NO_POE")
    assert "before the signature's proof of existence" in (signature.reason or "")



def test_not_renewed_past_the_tsa_certificate_says_when_renewal_was_due(
        travel: Pki, short_lived: Path, signed_at: dt.datetime) -> None:
    """Twenty-five years on, the only archive time-stamp's TSA certificate (20 years) has
    expired: not valid, and the report names the expiry as the renewal deadline."""
    later = 25 * YEAR
    tsa_end = travel.certificate("tsa").not_valid_after_utc
    with serve(travel, offset=later):
        report = _verify(short_lived.read_bytes(), travel, at=signed_at + later, offline=False)
        independent = adesverify(short_lived, travel, offset=later)
    assert report.verdict is not Verdict.VALID
    reason = report.signatures[0].reason or ""
    assert f"TSA certificate expired at {tsa_end.isoformat()}" in reason
    assert "renewed" in reason
    assert not independent
