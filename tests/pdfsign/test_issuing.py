"""Issuing end to end: documents → render → sign (embedded TSA) → registry, with real PDFs.

Signatures are checked with pyHanko's validator against the test PKI and with poppler's
``pdfsig``; the printed text with ``pdftotext``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature

from pdfsign import issuing
from pdfsign.config import Settings
from pdfsign.errors import InputError
from pdfsign.issuing import Issuer
from pdfsign.registry import FileStateError, Registry, UnknownFileError, set_bank
from pdfsign.signing import SigningServices, load_signer, signing_services

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "fixtures" / "samples"
PKI = ROOT / "fixtures" / "pki"


def sample(name: str) -> dict[str, Any]:
    """A committed sample data file."""
    data: dict[str, Any] = json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> SigningServices:
    """The embedded TSA and validation contexts, warm for the whole module."""
    return signing_services(pki_dir=PKI, state_dir=tmp_path_factory.mktemp("tsa"), tsa_url=None)


@pytest.fixture
def issuer(tmp_path: Path, services: SigningServices) -> Iterator[Issuer]:
    """An issuer over a fresh SQLite registry with bank 2345 (みらい銀行) under agreement."""
    registry = Registry.open(Settings.load(home=tmp_path, env={}))
    set_bank(registry, code="2345", name="みらい銀行", start=dt.date(2026, 1, 1), actor="t",
             at=dt.datetime.now(dt.UTC))
    yield Issuer(registry, load_signer(PKI / "signers" / "staff.p12", "TestPin2026"), services,
                 "staff-1")
    registry.db.dispose()


def now() -> dt.datetime:
    """The issuing clock: issuing stamps real TSA time, so the registry uses the real time."""
    return dt.datetime.now(dt.UTC)


def signature_status(pdf: bytes, services: SigningServices) -> tuple[bool, dt.datetime, int]:
    """(valid, signature time-stamp time, number of document time-stamps) of the first signature."""
    reader = PdfFileReader(io.BytesIO(pdf))
    status = validate_pdf_signature(reader.embedded_regular_signatures[0],
                                    signer_validation_context=services.validation_context(),
                                    ts_validation_context=services.validation_context())
    assert status.timestamp_validity is not None
    return (status.bottom_line, status.timestamp_validity.timestamp,
            len(reader.embedded_timestamp_signatures))


def text_of(pdf: bytes, tmp_path: Path) -> str:
    """The PDF's text as poppler extracts it."""
    path = tmp_path / "x.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def test_issue_reissue_reissue(issuer: Issuer, services: SigningServices, tmp_path: Path) -> None:
    data = sample("guarantee")
    first = issuing.issue(issuer, data, at=now())
    file_id = first.file_id
    assert file_id == "14_2345002_012345678_2026001234_000"
    corrected = {**data, "debtor_name": "株式会社山田製作所（訂正）"}
    issuing.reissue(issuer, corrected, at=now())
    third = issuing.reissue(issuer, corrected, at=now())
    assert [(v.number, v.issue_count) for v in issuer.registry.history(file_id)] == [
        (1, 1), (2, 2), (3, 3)]
    _, current = issuer.registry.pdf(file_id)
    assert issuer.registry.version(file_id) == third
    with pikepdf.open(io.BytesIO(current)) as pdf:
        assert str(pdf.docinfo["/issuecount"]) == "3"
    assert "（訂正）" in text_of(current, tmp_path)
    (tmp_path / "current.pdf").write_bytes(current)
    pdfsig = subprocess.run(["pdfsig", str(tmp_path / "current.pdf")], capture_output=True,
                            text=True, check=False).stdout
    # poppler checks the signature's bytes; it cannot validate the document time-stamp.
    assert pdfsig.count("Signature Validation: Signature is Valid.") == 1
    assert "Signature Type: ETSI.CAdES.detached" in pdfsig
    times = []
    for number in (1, 2, 3):
        _, pdf = issuer.registry.pdf(file_id, number)
        valid, stamped, doc_stamps = signature_status(pdf, services)
        assert valid
        assert doc_stamps == 1  # guarantee certificates are ES-A (B-LTA)
        times.append(stamped)
    assert times[0] < times[1] < times[2]  # each re-issue is stamped after the previous one
    assert issuer.registry.file(file_id).customer_name == "株式会社山田製作所（訂正）"


def test_invalidate_makes_an_est_notice_naming_the_certificate(
        issuer: Issuer, services: SigningServices, tmp_path: Path) -> None:
    certificate = issuing.issue(issuer, sample("guarantee"), at=now())
    notice = issuing.invalidate(issuer, certificate.file_id, reason="cancelled", at=now())
    assert (notice.number, notice.content) == (2, "invalidation")
    assert notice.meta["invalidates_sha256"] == certificate.sha256
    _, pdf = issuer.registry.pdf(certificate.file_id)
    valid, _, doc_stamps = signature_status(pdf, services)
    assert valid
    assert doc_stamps == 0  # ES-T (B-T): no document time-stamp
    with pikepdf.open(io.BytesIO(pdf)) as opened:
        assert str(opened.docinfo["/InvalidatesSHA256"]) == certificate.sha256
    text = text_of(pdf, tmp_path)
    assert "無効通知書" in text
    assert "2026001234" in text  # the guarantee number of the invalidated certificate
    assert "融資実行の取消し" in text
    _, old = issuer.registry.pdf(certificate.file_id, 1)
    assert signature_status(old, services)[0]
    with pytest.raises(FileStateError, match="cannot re-issue .* it is invalidated"):
        issuing.reissue(issuer, sample("guarantee"), at=now())


def test_twenty_concurrent_reissues_with_real_signing(issuer: Issuer) -> None:
    data = sample("guarantee")
    file_id = issuing.issue(issuer, data, at=now()).file_id
    with ThreadPoolExecutor(max_workers=20) as pool:
        done = list(pool.map(lambda _: issuing.reissue(issuer, data, at=now()), range(20)))
    assert sorted(v.issue_count for v in done) == list(range(2, 22))
    history = issuer.registry.history(file_id)
    assert [v.issue_count for v in history] == list(range(1, 22))
    for version in history:
        _, pdf = issuer.registry.pdf(file_id, version.number)
        with pikepdf.open(io.BytesIO(pdf)) as opened:
            assert str(opened.docinfo["/issuecount"]) == str(version.issue_count)


@pytest.mark.parametrize(("name", "file_id", "signatures"), [
    ("test-slip", "TS_14_2345002", 1),
    ("invoice-seed", "INV_T9234567890123_INV20260117", 0),
    ("guarantee-change", None, 1),
])
def test_other_kinds_get_stable_ids(issuer: Issuer, services: SigningServices, name: str,
                                    file_id: str | None, signatures: int) -> None:
    version = issuing.issue(issuer, sample(name), at=now())
    if file_id is not None:
        assert version.file_id == file_id
    _, pdf = issuer.registry.pdf(version.file_id)
    valid, _, doc_stamps = signature_status(pdf, services)
    assert valid
    assert doc_stamps == signatures


def test_delegation_letter_id_is_stable(issuer: Issuer) -> None:
    data = sample("delegation")
    version = issuing.issue(issuer, data, at=now(), idempotency_key="row-1")
    assert version.file_id.startswith("DL_20261122_")
    assert issuing.file_id_for(issuing.parse_document(data)) == version.file_id
    assert issuing.issue(issuer, data, at=now(), idempotency_key="row-1") == version


def test_reissue_after_transfer_names_the_file(issuer: Issuer) -> None:
    data = sample("guarantee")
    file_id = issuing.issue(issuer, data, at=now()).file_id
    set_bank(issuer.registry, code="7777", name="あおば銀行", start=dt.date(2026, 1, 1),
             actor="t", at=now())
    issuing.transfer(issuer.registry, file_id, bank_code="7777", branch_code="12", actor="t",
                     at=now())
    moved = {**data, "bank": {"name": "あおば銀行", "code": "7777"},
             "branch": {"name": "駅前支店", "code": "012"}}
    with pytest.raises(UnknownFileError, match="no file 14_7777012_"):
        issuing.reissue(issuer, moved, at=now())
    version = issuing.reissue(issuer, moved, at=now(), file_id=file_id)
    assert (version.file_id, version.issue_count) == (file_id, 2)
    info = issuer.registry.file(file_id)
    assert (info.bank_code, info.branch_code) == ("7777", "012")


def test_invalid_data_and_notices_are_refused(issuer: Issuer) -> None:
    with pytest.raises(InputError, match="guaranteed_amount"):
        issuing.issue(issuer, {**sample("guarantee"), "guaranteed_amount": -5}, at=now())
    with pytest.raises(InputError, match="made by 'invalidate'"):
        issuing.issue(issuer, sample("invalidation"), at=now())
