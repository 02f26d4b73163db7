"""verify.batch: paths and folders in input order; one bad file never stops the others."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from verify_samples import SampleSet

from verify import TrustSettings, UnreadablePathError, Verdict, expand_paths, verify_paths


def test_folders_are_expanded_recursively_in_order(tmp_path: Path) -> None:
    (tmp_path / "b" / "deep").mkdir(parents=True)
    for name in ("b/deep/z.pdf", "b/a.PDF", "b/notes.txt", "top.pdf"):
        (tmp_path / name).write_bytes(b"")
    single = tmp_path / "top.pdf"
    assert list(expand_paths([single, tmp_path / "b"])) == [
        single, tmp_path / "b" / "a.PDF", tmp_path / "b" / "deep" / "z.pdf"]


def test_missing_path_is_an_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "nope.pdf"
    with pytest.raises(UnreadablePathError, match="no such file") as info:
        list(expand_paths([missing]))
    assert info.value.field == str(missing)


def test_bad_files_do_not_stop_the_others(samples: SampleSet, trust: TrustSettings,
                                          tmp_path: Path) -> None:
    (tmp_path / "1-broken.pdf").write_bytes(b"%PDF-1.7\nnot really")
    (tmp_path / "2-good.pdf").write_bytes(samples.path("es-a").read_bytes())
    (tmp_path / "3-empty.pdf").write_bytes(b"")
    run = verify_paths([tmp_path], settings=trust, at=dt.datetime.now(dt.UTC))
    assert [d.verdict for d in run.documents] == [
        Verdict.MALFORMED, Verdict.VALID, Verdict.MALFORMED]
    assert not run.ok


def test_all_valid_run_is_ok(samples: SampleSet, trust: TrustSettings) -> None:
    run = verify_paths([samples.path("es-t"), samples.path("es-a")], settings=trust,
                       at=samples.signed_at)
    assert run.ok


def test_an_empty_run_is_not_ok(tmp_path: Path, trust: TrustSettings) -> None:
    """A folder without PDFs proves nothing; CI must not pass on it."""
    assert not verify_paths([tmp_path], settings=trust, at=dt.datetime.now(dt.UTC)).ok
