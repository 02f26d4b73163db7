"""verify.formats.text and html: the person's report in Japanese and English, with the matrix."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from verify import VerificationRun, verify_paths
from verify.formats import render_html, render_pdf, render_text


@pytest.fixture(scope="module")
def es_a_run(samples: object, trust: object) -> VerificationRun:
    return verify_paths([samples.path("es-a"), samples.path("tampered-bytes")],  # type: ignore[attr-defined]
                        settings=trust, at=samples.signed_at)  # type: ignore[arg-type,attr-defined]


def test_japanese_by_default(es_a_run: VerificationRun) -> None:
    text = render_text(es_a_run)
    assert "署名検証レポート" in text
    assert "判定: 有効 [valid]" in text
    assert "改ざん検知" in text
    assert "[invalid-integrity]" in text
    assert "基準時刻ごとの有効性" in text
    assert "文書タイムスタンプ時刻" in text
    assert "JST" in text
    assert "認証署名" in text
    assert "集計: 1/2" in text


def test_english_on_request(es_a_run: VerificationRun) -> None:
    text = render_text(es_a_run, lang="en")
    assert "Signature verification report" in text
    assert "Verdict: valid [valid]" in text
    assert "Validity at each reference time" in text
    assert "UTC" in text
    assert "署名検証" not in text


def test_html_has_the_matrix_and_escapes(es_a_run: VerificationRun) -> None:
    html = render_html(es_a_run, lang="ja")
    assert '<table class="matrix">' in html
    assert html.count("<section") == 2
    assert "<script" not in html


def test_pdf_report_renders_japanese(es_a_run: VerificationRun, tmp_path: Path) -> None:
    pdf = render_pdf(es_a_run, lang="ja")
    assert pdf.startswith(b"%PDF-")
    out = tmp_path / "report.pdf"
    out.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(out), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert "署名検証レポート" in text
    assert "B-LTA" in text
