"""verify.batch: paths and folders in input order; one bad file never stops the others."""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import pickle
from pathlib import Path

import pytest
from verify_samples import SampleSet

from verify import (
    DocumentReport,
    TrustSettings,
    UnreadablePathError,
    Verdict,
    expand_paths,
    iter_reports,
    verify_paths,
)
from verify.batch import POOL_MIN_FILES


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
                       at=samples.signed_at + dt.timedelta(minutes=1))
    assert run.ok


def test_an_empty_run_is_not_ok(tmp_path: Path, trust: TrustSettings) -> None:
    """A folder without PDFs proves nothing; CI must not pass on it."""
    assert not verify_paths([tmp_path], settings=trust, at=dt.datetime.now(dt.UTC)).ok


#: A pool threshold low enough for a quick test (the real one is :data:`POOL_MIN_FILES`).
_FEW = 6


@pytest.fixture(scope="module")
def big_folder(samples: SampleSet, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough files for a 2-worker pool: valid and broken ones interleaved."""
    folder = tmp_path_factory.mktemp("big-run")
    names = ["es-a", "tampered-bytes", "es-t", "revoked", "not-signed", "untrusted", "empty"]
    for i in range(2 * _FEW + 1):
        name = names[i % len(names)]
        (folder / f"{i:03d}-{name}.pdf").write_bytes(samples.path(name).read_bytes())
    return folder


def _essentials(d: DocumentReport) -> tuple[object, ...]:
    """What a report concludes.  (pyHanko takes a failed signature's best signature time
    from its own clock, so that field differs between two runs.)"""
    return (d.path, d.verdict, d.level, d.reason, d.indication, d.subindication,
            [(s.verdict, s.validity, s.revocation, s.changes, s.chain) for s in d.signatures],
            [(t.id, t.indication, t.validity, t.revocation) for t in d.timestamps])


def test_a_pool_gives_the_same_reports_in_input_order(big_folder: Path,
                                                      trust: TrustSettings,
                                                      samples: SampleSet) -> None:
    at = samples.signed_at + dt.timedelta(minutes=1)
    alone = list(iter_reports([big_folder], settings=trust, at=at, workers=1))
    pooled = list(iter_reports([big_folder], settings=trust, at=at, workers=2,
                               min_files_per_worker=_FEW))
    assert [d.path for d in pooled] == [str(p) for p in expand_paths([big_folder])]
    assert [_essentials(d) for d in pooled] == [_essentials(d) for d in alone]
    expected = {"es-a": Verdict.VALID, "tampered-bytes": Verdict.INVALID_INTEGRITY,
                "es-t": Verdict.VALID, "revoked": Verdict.REVOKED,
                "not-signed": Verdict.NOT_SIGNED, "untrusted": Verdict.UNTRUSTED,
                "empty": Verdict.MALFORMED}
    assert [d.verdict for d in pooled] == [
        expected[Path(d.path).stem.split("-", 1)[1]] for d in pooled]


def test_reports_stream_out_one_by_one(samples: SampleSet, trust: TrustSettings) -> None:
    reports = iter_reports([samples.path("es-t"), samples.path("empty")], settings=trust,
                           at=samples.signed_at + dt.timedelta(minutes=1))
    first = next(reports)
    assert first.path == str(samples.path("es-t"))
    assert [d.verdict for d in reports] == [Verdict.MALFORMED]


def test_an_unreadable_file_in_a_pool_names_it(big_folder: Path, trust: TrustSettings) -> None:
    """The worker's error crosses the process boundary with its field intact."""
    unreadable = Path("/proc/self/mem")  # exists, but reading it from the start fails (EIO)
    with pytest.raises(UnreadablePathError, match="cannot read") as info:
        list(iter_reports([big_folder, unreadable], settings=trust, at=dt.datetime.now(dt.UTC),
                          workers=2, min_files_per_worker=_FEW))
    assert info.value.field == str(unreadable)


def test_errors_survive_pickling() -> None:
    error = pickle.loads(pickle.dumps(UnreadablePathError("cannot read", field="a.pdf")))
    assert (type(error), error.message, error.field) == (UnreadablePathError, "cannot read",
                                                         "a.pdf")


def test_few_files_stay_in_this_process(samples: SampleSet, trust: TrustSettings) -> None:
    """No pool below the threshold: a report, not a pickled copy, and no child process."""
    before = set(multiprocessing.active_children())
    run = verify_paths([samples.path("es-t")] * (POOL_MIN_FILES - 1), settings=trust,
                       at=samples.signed_at + dt.timedelta(minutes=1), workers=2)
    assert set(multiprocessing.active_children()) == before
    assert run.ok
    assert len(run.documents) == POOL_MIN_FILES - 1


def test_workers_keep_the_callers_library_logging(big_folder: Path, trust: TrustSettings,
                                                  capfd: pytest.CaptureFixture[str]) -> None:
    """``pdfsign verify`` silences pyHanko's tracebacks; its workers must too (their
    stderr is the caller's, and their logging is otherwise unconfigured)."""
    loggers = [logging.getLogger(n) for n in ("pyhanko", "pyhanko_certvalidator")]
    before = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        reports = list(iter_reports([big_folder], settings=trust, at=dt.datetime.now(dt.UTC),
                                    workers=2, min_files_per_worker=_FEW))
    finally:
        for lg, level in zip(loggers, before, strict=True):
            lg.setLevel(level)
    assert Verdict.INVALID_INTEGRITY in {d.verdict for d in reports}  # pyHanko did log
    assert "Traceback" not in capfd.readouterr().err
