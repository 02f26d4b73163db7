"""verify.formats.view: the auditor's report as worded, frozen data (laid out by pdfsign.render)."""

from __future__ import annotations

import dataclasses

import pytest

from verify import VerificationRun
from verify.formats import build_view
from verify.formats.view import ReportView


@pytest.fixture(scope="module")
def view_ja(run_all: VerificationRun) -> ReportView:
    return build_view(run_all, lang="ja")


def _strings(view: ReportView) -> list[str]:
    """Every string a template would print (fields, sections, matrix)."""
    out: list[str] = []
    for d in view.documents:
        out += [d.path, d.verdict, d.level, *d.signers]
        for section in (*d.signatures, *d.timestamps):
            out += [section.heading, section.verdict]
            out += [line for f in section.fields for line in (f.label, *f.lines)]
        out += [line for f in d.fields for line in (f.label, *f.lines)]
        if d.matrix:
            out += [x for c in d.matrix.columns for x in (c.id, c.kind, c.time)]
            out += [c.text for r in d.matrix.rows for c in r.cells] + [r.label for r in
                                                                       d.matrix.rows]
    return out


def test_one_document_view_per_file_in_input_order(run_all: VerificationRun,
                                                   view_ja: ReportView) -> None:
    assert [d.path for d in view_ja.documents] == [d.path for d in run_all.documents]
    assert [d.number for d in view_ja.documents] == list(range(1, len(run_all.documents) + 1))
    assert [d.verdict_code for d in view_ja.documents] == [d.verdict.value
                                                           for d in run_all.documents]
    assert view_ja.valid_count == sum(d.ok for d in run_all.documents)
    assert [d.status for d in view_ja.documents] == ["ok" if d.ok else "bad"
                                                     for d in run_all.documents]


def test_matrix_rows_are_signatures_then_timestamps(run_all: VerificationRun,
                                                    view_ja: ReportView) -> None:
    for report, view in zip(run_all.documents, view_ja.documents, strict=True):
        if not report.reference_times:
            assert view.matrix is None
            continue
        assert view.matrix is not None
        assert [c.id for c in view.matrix.columns] == [r.id for r in report.reference_times]
        items = [*report.signatures, *report.timestamps]
        assert [r.id for r in view.matrix.rows] == [i.id for i in items]
        for row, item in zip(view.matrix.rows, items, strict=True):
            assert [c.code for c in row.cells] == [
                item.validity[r.id].value if r.id in item.validity else ""
                for r in report.reference_times]
            assert all(c.status == "ok" for c in row.cells if c.code == "valid")
            assert all(c.status == "bad" for c in row.cells
                       if c.code not in ("valid", "not-applicable", ""))


def test_everything_is_worded_in_japanese(view_ja: ReportView) -> None:
    strings = _strings(view_ja)
    assert "有効" in strings
    assert "改ざん検知（署名対象または署名値が不一致）" in strings
    assert any("署名時の版の全体" in s or "ファイル全体" in s for s in strings)
    assert not [s for s in strings if s.startswith(("verdict.", "cell.", "coverage.",
                                                    "change.", "revocation.", "ref."))]
    assert view_ja.label("title") == "署名検証レポート"
    assert view_ja.validated_at.endswith("JST")


def test_english_on_request(run_all: VerificationRun) -> None:
    view = build_view(run_all, lang="en")
    assert view.label("title") == "Signature verification report"
    assert view.validated_at.endswith("UTC")
    assert view.documents[0].verdict == "valid"
    assert "署名検証" not in "".join(_strings(view))


def test_view_is_frozen(view_ja: ReportView) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        view_ja.documents[0].verdict = "valid"  # type: ignore[misc]
