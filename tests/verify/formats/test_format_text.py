"""verify.formats.text: the person's report in Japanese and English, with an aligned matrix."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from verify import VerificationRun, verify_paths
from verify.formats import display_width, render_text
from verify.messages import LANGS, Lang, message


@pytest.fixture(scope="module")
def es_a_run(samples: object, trust: object) -> VerificationRun:
    return verify_paths([samples.path("es-a"), samples.path("tampered-bytes")],  # type: ignore[attr-defined]
                        settings=trust, at=samples.signed_at + dt.timedelta(minutes=1))  # type: ignore[arg-type,attr-defined]


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


@pytest.mark.parametrize(("text", "width"), [
    ("now", 3), ("有効", 4), ("失効情報なし", 12), ("ｶﾅ", 2), ("ＡＢ", 4), ("—", 1), ("e\u0301", 1),
])
def test_display_width_counts_wide_characters_twice(text: str, width: int) -> None:
    assert display_width(text) == width


def _starts(line: str) -> list[int]:
    """Display column where each cell of a grid line starts (cells are 2+ spaces apart)."""
    return [display_width(line[:m.start()]) for m in re.finditer(r"\S+(?: \S+)*", line)]


@pytest.mark.parametrize("lang", LANGS)
def test_matrix_columns_line_up_by_display_width(es_a_run: VerificationRun, lang: Lang) -> None:
    lines = render_text(es_a_run, lang=lang).splitlines()
    heading = f"  {message('matrix', lang=lang)}:"
    grids = 0
    for start in (i for i, line in enumerate(lines) if line == heading):
        document = es_a_run.documents[grids]
        columns = len(document.reference_times)
        header = lines[start + 1 + columns]
        rows = lines[start + 2 + columns:start + 2 + columns + len(document.signatures)
                     + len(document.timestamps)]
        assert len(_starts(header)) == columns
        for row in rows:
            assert _starts(row)[1:] == _starts(header)[:len(_starts(row)) - 1], (header, row)
        grids += 1
    assert grids == 2
