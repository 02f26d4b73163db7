"""render_report_html/pdf: the auditor's report in the project's template and vendored font."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
from render_samples import Rendered

from pdfsign.errors import InputError
from pdfsign.render.glyphs import covered_codepoints
from pdfsign.render.report import drawable, render_report_html, render_report_pdf
from pdfsign.signing import Level, load_signer, sign_pdf, signing_services
from tsa.pki import Pki
from verify import VerificationRun, load_trust_settings, verify_paths

CREATED_AT = dt.datetime(2026, 11, 23, 3, 0, 0, tzinfo=dt.UTC)
EMOJI_NAME = "保証書😀.pdf"


@pytest.fixture(scope="module")
def run(pki: Pki, rendered: dict[str, Rendered],
        tmp_path_factory: pytest.TempPathFactory) -> VerificationRun:
    """ES-A by 山田 太郎, ES-T by 佐藤 花子 (staff-ec), an unsigned file, an emoji file name."""
    folder = tmp_path_factory.mktemp("report")
    services = signing_services(pki_dir=pki.directory, state_dir=None)
    at = dt.datetime.now(dt.UTC)
    unsigned = rendered["guarantee"].pdf
    signed = {}
    for name, signer, level in (("es-a.pdf", "staff", Level.ES_A),
                                ("es-t.pdf", "staff-ec", Level.ES_T)):
        entry = pki.signer(signer)
        signed[name] = sign_pdf(unsigned, signer=load_signer(entry.p12, entry.pin), level=level,
                                timestamper=services.timestamper,
                                validation_context_factory=services.validation_context,
                                at=at, reason=None, location=None)
    files = {**signed, "unsigned.pdf": unsigned, EMOJI_NAME: signed["es-a.pdf"]}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    trust = load_trust_settings(trust=[pki.path("root.pem")], offline=True)
    # a minute after signing: ``at`` itself is before the time-stamps existed
    return verify_paths([folder / name for name in files], settings=trust,
                        at=at + dt.timedelta(minutes=1))


@pytest.fixture(scope="module")
def report_pdf(run: VerificationRun, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report-pdf") / "report.pdf"
    path.write_bytes(render_report_pdf(run, created_at=CREATED_AT))
    return path


def _text(path: Path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                         text=True).stdout
    return re.sub(r"\s+", "", out)


def test_only_the_vendored_font_subset_is_embedded(report_pdf: Path) -> None:
    lines = subprocess.run(["pdffonts", str(report_pdf)], check=True, capture_output=True,
                           text=True).stdout.splitlines()[2:]
    assert len(lines) == 1, lines
    name, *_, emb, sub, uni, _obj, _gen = lines[0].split()
    assert re.fullmatch(r"[A-Z]{6}\+pdfsign-Mincho", name)
    assert (emb, sub, uni) == ("yes", "yes", "yes")


def test_pdf_shows_verdicts_signers_and_matrix(report_pdf: Path, run: VerificationRun) -> None:
    text = _text(report_pdf)
    assert [d.verdict.value for d in run.documents] == [
        "valid", "indeterminate", "not-signed", "valid"]
    for expected in ("署名検証レポート", "検証結果一覧", "有効[valid]",
                     "判定不能[indeterminate]", "署名なし[not-signed]", "山田太郎", "佐藤花子",
                     "B-LTA", "基準時刻ごとの有効性", "文書タイムスタンプ時刻", "TOTAL_PASSED",
                     "2/4有効なファイル"):
        assert expected in text, expected


def test_a_character_without_a_glyph_prints_as_its_code_point(report_pdf: Path) -> None:
    assert "保証書[U+1F600].pdf" in _text(report_pdf)
    assert drawable("a😀有\n") == "a[U+1F600]有\n"


def test_report_wording_needs_no_substitution(run: VerificationRun) -> None:
    """Every label, verdict and date the report prints is in the vendored font."""
    plain = dataclasses.replace(run, documents=run.documents[:3])
    for lang in ("ja", "en"):
        html = render_report_html(plain, created_at=CREATED_AT, lang=lang)  # type: ignore[arg-type]
        assert drawable(html) == html
        assert all(ord(c) in covered_codepoints() for c in html if c not in "\n\t")


def test_pdf_is_pdfa_with_report_metadata(report_pdf: Path) -> None:
    with pikepdf.open(report_pdf) as pdf:
        assert str(pdf.docinfo["/Title"]) == "署名検証レポート"
        assert str(pdf.docinfo["/CreationDate"]).startswith("D:20261123030000")
        assert pdf.open_metadata()["pdfaid:part"] == "2"
        assert len(pdf.pages) >= 4  # overview, then each file on its own page


def test_same_run_and_time_give_the_same_bytes(run: VerificationRun, report_pdf: Path) -> None:
    assert render_report_pdf(run, created_at=CREATED_AT) == report_pdf.read_bytes()
    later = render_report_pdf(run, created_at=CREATED_AT + dt.timedelta(seconds=1))
    assert later != report_pdf.read_bytes()


def test_html_is_standalone_and_escaped(run: VerificationRun) -> None:
    hostile = dataclasses.replace(run.documents[2], path="<script>alert(1)</script>.pdf")
    html = render_report_html(dataclasses.replace(run, documents=(hostile,)),
                              created_at=CREATED_AT)
    assert html.startswith("<!DOCTYPE html>")
    assert "<style>" in html
    assert re.findall(r"url\(([^)]*)\)", html) == ['"fonts/ipaexm.ttf"']
    assert "<script" not in html
    assert "<link" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.pdf" in html


def test_english_report(run: VerificationRun, tmp_path: Path) -> None:
    path = tmp_path / "en.pdf"
    path.write_bytes(render_report_pdf(run, created_at=CREATED_AT, lang="en"))
    text = _text(path)
    assert "Signatureverificationreport" in text
    assert "valid[valid]" in text
    assert "notsigned[not-signed]" in text
    assert "UTC" in text
    assert "署名検証" not in text


def test_naive_creation_time_is_rejected(run: VerificationRun) -> None:
    with pytest.raises(InputError) as caught:
        render_report_pdf(run, created_at=dt.datetime(2026, 11, 23))
    assert caught.value.field == "created_at"
