"""render_pdf: PDF/A-2b metadata, determinism, embedded font, pages, and the printed values."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
from fontTools.ttLib import TTFont
from render_samples import CREATED_AT, SAMPLE_NAMES, SAMPLES_DIR, Rendered
from weasyprint.text import ffi as weasyprint_ffi

from pdfsign.documents import GuaranteeCertificate, Invoice
from pdfsign.errors import InputError
from pdfsign.render import TEMPLATES_DIR, render_pdf

#: Values each sample's text must show (amounts with separators, IDs, counts, names).
EXPECTED_TEXT = {
    "guarantee": ["信用保証書", "みらい銀行 本町支店", "御中", "株式会社山田製作所", "24,000,000",
                  "30,000,000", "14_2345002_012345678_2026001234_000.pdf",
                  "電子保証書発行回数 1回", "2026年11月20日", "令和8年11月20日", "保証日"],
    "guarantee-change": ["変更保証書", "条件変更決定日", "2027年4月15日", "001",
                         "14_2345002_012345678_2026001234_001.pdf", "電子保証書発行回数 2回",
                         "96か月"],
    "invalidation": ["信用保証書 無効通知書", "みらい銀行", "御中", "株式会社山田製作所",
                     "012345678", "2026001234", "2026年11月20日", "000", "2026年12月1日",
                     "14_2345002_012345678_2026001234_000.pdf", "さくら信用保証協会",
                     "03-1234-5678"],
    "test-slip": ["保証書テスト送信票", "みらい銀行（2345）", "本町支店（002）",
                  "さくら信用保証協会", "2026年11月2日", "テスト"],
    "invoice-seed": ["適格請求書", "株式会社みどり商店", "T9234567890123", "16,000", "15,800",
                     "31,800", "3,180", "34,980", "2026年11月5日"],
    "invoice-25-lines": ["適格請求書", "16,030", "1,603", "51,620", "4,129", "73,382", "※"],
    "delegation": ["委任状", "さくら信用保証協会", "様", "佐藤 花子", "代表取締役", "鈴木 一郎",
                   "2026年11月22日", "委任事項"],
}


def _text(path: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    out = subprocess.run(["pdftotext", *pages, "-layout", str(path), "-"],
                         check=True, capture_output=True, text=True).stdout
    return re.sub(r"\s+", "", out)  # titles are letter-spaced; compare without whitespace


def _pages(pdf: bytes) -> int:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return len(doc.pages)


def test_every_sample_has_expected_text() -> None:
    assert set(EXPECTED_TEXT) == set(SAMPLE_NAMES)


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_rendering_shows_the_key_values(rendered: dict[str, Rendered], name: str) -> None:
    text = _text(rendered[name].path)
    missing = [value for value in EXPECTED_TEXT[name] if value.replace(" ", "") not in text]
    assert not missing, f"{name}: not in pdftotext output: {missing}"


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_output_is_deterministic(rendered: dict[str, Rendered], name: str) -> None:
    again = render_pdf(rendered[name].document, created_at=CREATED_AT)
    assert again == rendered[name].pdf


def test_creation_time_and_content_change_the_bytes(rendered: dict[str, Rendered]) -> None:
    sample = rendered["guarantee"]
    later = render_pdf(sample.document, created_at=CREATED_AT + dt.timedelta(seconds=1))
    assert later != sample.pdf
    assert isinstance(sample.document, GuaranteeCertificate)
    reissued = dataclasses.replace(sample.document, issue_count=2)
    assert render_pdf(reissued, created_at=CREATED_AT) != sample.pdf


def test_metadata_is_pdfa_2b_with_kind_file_id_and_issue_count(
        rendered: dict[str, Rendered]) -> None:
    with pikepdf.open(rendered["guarantee"].path) as pdf:
        info = pdf.docinfo
        assert str(info["/Title"]) == "信用保証書"
        assert str(info["/Subject"]) == "信用保証書 (guarantee)"
        assert "file-id=14_2345002_012345678_2026001234_000.pdf" in str(info["/Keywords"])
        assert "issue-count=1" in str(info["/Keywords"])
        assert str(info["/fileid"]) == "14_2345002_012345678_2026001234_000.pdf"
        assert str(info["/issuecount"]) == "1"
        assert str(info["/CreationDate"]).startswith("D:20261122010000")
        assert "/OutputIntents" in pdf.Root
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "2"
        assert meta["pdfaid:conformance"] == "B"
        assert meta["dc:title"] == "信用保証書"
        assert pdf.pdf_version == "1.7"


def test_invalidation_metadata_names_the_invalidated_file(rendered: dict[str, Rendered]) -> None:
    with pikepdf.open(rendered["invalidation"].path) as pdf:
        assert str(pdf.docinfo["/fileid"]) == "14_2345002_012345678_2026001234_000.pdf"
        assert "/issuecount" not in pdf.docinfo


def test_only_the_vendored_font_is_embedded_as_a_subset(rendered: dict[str, Rendered]) -> None:
    for sample in rendered.values():
        out = subprocess.run(["pdffonts", str(sample.path)], check=True, capture_output=True,
                             text=True).stdout.splitlines()[2:]
        assert len(out) == 1, out
        name, *_, emb, sub, uni, _obj, _gen = out[0].split()
        assert name.endswith("+pdfsign-Mincho")
        assert (emb, sub, uni) == ("yes", "yes", "yes")


def test_vendored_font_has_a_glyph_for_every_character_used() -> None:
    cmap = TTFont(TEMPLATES_DIR / "fonts" / "ipaexm.ttf", lazy=True).getBestCmap()
    used = "".join(path.read_text("utf-8") for path in SAMPLES_DIR.glob("*.json"))
    used += "".join(path.read_text("utf-8") for path in TEMPLATES_DIR.glob("*.html"))
    missing = {ch for ch in used if ord(ch) > 0x7F and ord(ch) not in cmap}
    assert not missing


def test_multi_page_invoice_repeats_the_header_and_numbers_pages(
        rendered: dict[str, Rendered]) -> None:
    path = rendered["invoice-25-lines"].path
    assert _pages(rendered["invoice-25-lines"].pdf) == 2
    for page in (1, 2):
        text = _text(path, page)
        assert "品名・内容" in text
        assert "単価（円）" in text
        assert text.endswith(f"{page}/2")
    assert "73,382" in _text(path, 2)


@pytest.mark.parametrize("name", [n for n in SAMPLE_NAMES if n != "invoice-25-lines"])
def test_single_page_documents_have_no_page_number(rendered: dict[str, Rendered],
                                                   name: str) -> None:
    assert _pages(rendered[name].pdf) == 1
    assert not _text(rendered[name].path).endswith("1/1")


def test_unsigned_certificate_is_small(rendered: dict[str, Rendered]) -> None:
    assert len(rendered["guarantee"].pdf) <= 50_000


def test_naive_creation_time_is_rejected(rendered: dict[str, Rendered]) -> None:
    with pytest.raises(InputError) as caught:
        render_pdf(rendered["guarantee"].document, created_at=dt.datetime(2026, 11, 22))
    assert caught.value.field == "created_at"


def test_samples_on_disk_match_the_rendered_data(rendered: dict[str, Rendered]) -> None:
    for name, sample in rendered.items():
        assert json.loads((SAMPLES_DIR / f"{name}.json").read_text("utf-8")) == sample.data


@pytest.mark.parametrize(("field", "value"), [
    ("debtor_name", "株式会社😀"), ("conditions", "据置期間6か月。\n\U00020bb7野家と取引"),
])
def test_characters_without_a_glyph_are_refused_naming_the_field(
        rendered: dict[str, Rendered], field: str, value: str) -> None:
    document = dataclasses.replace(rendered["guarantee"].document, **{field: value})
    with pytest.raises(InputError, match="U\\+") as caught:
        render_pdf(document, created_at=CREATED_AT)
    assert caught.value.field == field


def test_nested_and_list_fields_are_checked_for_glyphs(rendered: dict[str, Rendered]) -> None:
    invoice = rendered["invoice-seed"].document
    assert isinstance(invoice, Invoice)
    line = dataclasses.replace(invoice.lines[1], description="🍣")
    broken = dataclasses.replace(invoice, lines=(invoice.lines[0], line))
    with pytest.raises(InputError) as caught:
        render_pdf(broken, created_at=CREATED_AT)
    assert caught.value.field == "lines[1].description"


def test_harfbuzz_subset_is_installed() -> None:
    # Without libharfbuzz-subset0 WeasyPrint subsets with fontTools, which stamps the font's
    # 'head' table with the current time: output would no longer be byte-identical.
    assert weasyprint_ffi.harfbuzz_subset is not None, "apt-get install libharfbuzz-subset0"
