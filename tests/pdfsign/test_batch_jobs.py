"""pdfsign.batch_jobs: a batch issued by a detached process whose progress lives in the registry.

The jobs here are real: ``pdfsign issue --job`` runs as a separate process on a real data
directory, with the test PKI's staff signer (TEST KEYS ONLY) and the embedded TSA.  Rows are
few (a guarantee takes a few tenths of a second to sign); the web tests run the 50-row batch.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import fcntl
import io
import json
import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import MetaData, select

from pdfsign.batch import RowResult, read_rows, results_csv, results_jsonl
from pdfsign.batch_jobs import BatchJob, BatchJobs
from pdfsign.batch_tables import BatchJobRecord, BatchRowRecord
from pdfsign.cli import root
from pdfsign.config import Settings
from pdfsign.errors import ConflictError, InputError, NotFoundError, PermissionDenied
from pdfsign.registry import SearchQuery, open_database, search, set_bank
from tsa.pki import Pki

ROOT = Path(__file__).resolve().parents[2]
GUARANTEE = json.loads((ROOT / "fixtures/samples/guarantee.json").read_text(encoding="utf-8"))
T0 = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)
#: Longest a test waits for a job's process (a loaded CI machine; a job here takes seconds).
PATIENCE_S = 120


def guarantee_rows(count: int, *, bad: dict[int, Callable[[dict[str, Any]], None]] | None = None
                   ) -> bytes:
    """``count`` guarantee rows as JSONL, distinct numbers; ``bad[i]`` spoils row ``i``."""
    lines = []
    for n in range(count):
        row = copy.deepcopy(GUARANTEE)
        row["customer_number"], row["guarantee_number"] = f"{n + 1:09d}", 4000000000 + n
        if bad and n in bad:
            bad[n](row)
        lines.append(json.dumps(row, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode()


def wait_for(jobs: BatchJobs, job_id: str, done: Callable[[BatchJob], bool]) -> BatchJob:
    """Poll the job until ``done`` holds (the process runs on its own)."""
    deadline = time.monotonic() + PATIENCE_S
    while True:
        job = jobs.get(job_id)
        if done(job):
            return job
        if time.monotonic() > deadline:
            log = (jobs.folder / job_id / "job.log").read_text(errors="replace")
            pytest.fail(f"job {job_id} still {job.status} after {PATIENCE_S} s; log:\n{log}")
        time.sleep(0.2)


@pytest.fixture
def settings(pki: Pki, tmp_path: Path) -> Settings:
    """A fresh installation with the staff signer; bank 2345 under agreement."""
    home = tmp_path / "home"
    home.mkdir()
    return Settings.load(home=home, env={}, pki_dir=pki.directory, signer="staff",
                         actor="tester")


@pytest.fixture
def jobs(settings: Settings) -> Iterator[BatchJobs]:
    """The installation's batch jobs."""
    batch_jobs = BatchJobs(settings)
    set_bank(batch_jobs.registry, code="2345", name="みらい銀行", start=dt.date(2026, 1, 1),
             actor="t", at=T0)
    yield batch_jobs
    batch_jobs.registry.db.dispose()


@pytest.fixture
def pin(pki: Pki) -> str:
    """The staff signer's PIN."""
    return pki.signer("staff").pin


def _submit(jobs: BatchJobs, data: bytes, pin: str, *, name: str = "rows.jsonl",
            workers: int = 2, at: dt.datetime = T0) -> BatchJob:
    return jobs.submit(name, data, pin=pin, workers=workers, actor="issuer01", at=at)


def test_a_job_runs_in_its_own_process_and_keeps_every_rows_result(
        jobs: BatchJobs, pin: str) -> None:
    data = guarantee_rows(4, bad={1: lambda r: r.update(guaranteed_amount=-1)}) + b"{oops\n"
    job = _submit(jobs, data, pin)
    assert (job.rows, job.created_by, job.runs, job.status) == (5, "issuer01", 1, "queued")
    assert job.alive  # the lock is taken before the job is visible: never seen dead
    done = wait_for(jobs, job.job_id, lambda j: not j.active)
    assert (done.status, done.issued, done.skipped, done.failed) == ("done", 3, 0, 2)
    assert done.pid is not None
    assert done.pid != os.getpid()
    assert done.started_by == "issuer01"
    results = jobs.results(job.job_id)
    assert [(r.line, r.status, r.reason) for r in results] == [
        (1, "issued", None), (2, "failed", "invalid-input"), (3, "issued", None),
        (4, "issued", None), (5, "failed", "invalid-input")]
    assert results[1].error is not None
    assert results[1].error.startswith("guaranteed_amount")
    assert [r.line for r in jobs.results(job.job_id, status="failed", limit=1)] == [2]
    assert results[0].file_id == "14_2345002_000000001_4000000000_000"
    assert search(jobs.registry, SearchQuery(), viewer=None, at=T0).total == 3
    log = (jobs.folder / job.job_id / "job.log").read_text()
    assert "--- run 1 started by issuer01" in log
    assert "3 issued, 0 already issued, 2 failed of 5 rows" in log


def test_the_same_file_again_issues_nothing_twice_and_knows_its_twin(jobs: BatchJobs,
                                                                    pin: str) -> None:
    data = guarantee_rows(2)
    first = wait_for(jobs, _submit(jobs, data, pin).job_id, lambda j: not j.active)
    again = _submit(jobs, data, pin, name="copy.JSONL", at=T0 + dt.timedelta(minutes=1))
    second = wait_for(jobs, again.job_id, lambda j: not j.active)
    assert (first.issued, second.issued, second.skipped) == (2, 0, 2)
    assert second.earlier == (first.job_id,)
    assert [r.status for r in jobs.results(second.job_id)] == ["skipped", "skipped"]
    assert [j.job_id for j in jobs.recent()] == [second.job_id, first.job_id]


def test_a_wrong_pin_starts_nothing_and_keeps_nothing(jobs: BatchJobs) -> None:
    with pytest.raises(PermissionDenied, match="signing PIN is wrong") as refused:
        _submit(jobs, guarantee_rows(1), "WrongPin2026")
    assert refused.value.field == "pin"
    assert jobs.recent() == []
    assert not jobs.folder.exists() or list(jobs.folder.iterdir()) == []


@pytest.mark.parametrize(("name", "data", "message"), [
    ("rows.xlsx", b"x", "batch files are .jsonl or .csv"),
    ("rows", b"x", "batch files are .jsonl or .csv"),
    ("rows.csv", b"kind,bank.code\n\xff\xfe\n", "line 2: not UTF-8 text"),
    ("rows.jsonl", b"\n\n", "the file has no rows"),
    ("rows.csv", b"kind,bank.code\n", "the file has no rows"),
])
def test_a_file_that_cannot_be_read_is_refused_naming_the_file_field(
        jobs: BatchJobs, pin: str, name: str, data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message) as refused:
        _submit(jobs, data, pin, name=name)
    assert refused.value.field == "file"  # never the server's path
    assert jobs.recent() == []
    assert not jobs.folder.exists() or list(jobs.folder.iterdir()) == []


def test_a_killed_job_is_dead_and_resumes_without_issuing_twice(jobs: BatchJobs,
                                                                pin: str) -> None:
    """The PIN is on no command line and in no environment; only the lock says alive."""
    job = _submit(jobs, guarantee_rows(12), pin, workers=1)
    running = wait_for(jobs, job.job_id, lambda j: j.issued >= 1)
    assert running.status == "running"
    assert running.pid is not None
    for part in ("cmdline", "environ"):
        assert pin.encode() not in Path(f"/proc/{running.pid}/{part}").read_bytes(), part
    os.killpg(running.pid, signal.SIGKILL)  # the process and its workers: a machine gone
    dead = wait_for(jobs, job.job_id, lambda j: j.status == "dead")
    assert (dead.state, dead.resumable, dead.active) == ("running", True, False)
    kept = dead.issued

    with pytest.raises(PermissionDenied):
        jobs.resume(job.job_id, pin="WrongPin2026", workers=1, actor="issuer02", at=T0)
    assert jobs.get(job.job_id).status == "dead"  # nothing started
    jobs.resume(job.job_id, pin=pin, workers=2, actor="issuer02", at=T0)
    with pytest.raises(ConflictError, match="running"):
        jobs.resume(job.job_id, pin=pin, workers=2, actor="issuer02", at=T0)
    done = wait_for(jobs, job.job_id, lambda j: not j.active)
    assert (done.status, done.runs, done.started_by) == ("done", 2, "issuer02")
    assert done.issued + done.skipped == 12
    assert done.issued >= kept  # the first run's results are kept, not turned into "skipped"
    assert [r.line for r in jobs.results(job.job_id)] == list(range(1, 13))
    assert search(jobs.registry, SearchQuery(), viewer=None, at=T0).total == 12
    with pytest.raises(ConflictError, match="finished"):
        jobs.resume(job.job_id, pin=pin, workers=1, actor="issuer02", at=T0)


def test_a_run_by_hand_takes_the_lock_and_a_held_lock_refuses_it(
        jobs: BatchJobs, settings: Settings, pin: str) -> None:
    """``pdfsign issue --job ID`` from a shell: the same job, the same rules."""
    job = _submit(jobs, guarantee_rows(1), pin)
    wait_for(jobs, job.job_id, lambda j: not j.alive)
    env = {"PDFSIGN_HOME": str(settings.home), "PDFSIGN_PKI_DIR": str(settings.pki_dir),
           "PDFSIGN_ACTOR": "operator"}
    finished = CliRunner().invoke(root, ["issue", "--job", job.job_id, "--pin-file", "-"],
                                  input=pin + "\n", env=env)
    assert finished.exit_code == 5
    assert "this batch is finished" in finished.stderr

    with jobs.registry.writing() as session:  # as if its process had died mid-run
        session.get_one(BatchJobRecord, job.job_id).state = "running"
        session.query(BatchRowRecord).delete()
    log = jobs.folder / job.job_id / "job.log"
    with log.open("rb") as other_process:
        fcntl.flock(other_process, fcntl.LOCK_EX)
        assert jobs.get(job.job_id).status == "running"
        busy = CliRunner().invoke(root, ["issue", "--job", job.job_id, "--pin-file", "-"],
                                  input=pin + "\n", env=env)
    assert busy.exit_code == 5
    assert "this batch is running" in busy.stderr
    assert jobs.get(job.job_id).status == "dead"

    by_hand = CliRunner().invoke(root, ["issue", "--job", job.job_id, "--pin-file", "-",
                                        "--workers", "1", "--json"], input=pin + "\n", env=env)
    assert by_hand.exit_code == 0, by_hand.output
    summary = json.loads(by_hand.stdout)
    assert (summary["skipped"], summary["results"]) == (1, f"batch job {job.job_id}")
    done = jobs.get(job.job_id)
    assert (done.status, done.runs, done.started_by, done.skipped) == ("done", 2, "operator", 1)


def test_a_refused_pin_in_the_process_fails_the_job_with_the_reason(
        jobs: BatchJobs, settings: Settings, pin: str) -> None:
    job = _submit(jobs, guarantee_rows(1), pin)
    wait_for(jobs, job.job_id, lambda j: not j.alive)
    with jobs.registry.writing() as session:
        session.get_one(BatchJobRecord, job.job_id).state = "failed"
    env = {"PDFSIGN_HOME": str(settings.home), "PDFSIGN_PKI_DIR": str(settings.pki_dir)}
    empty = CliRunner().invoke(root, ["issue", "--job", job.job_id, "--pin-file", "-"],
                               input="", env=env)
    assert (empty.exit_code, "no PIN on standard input" in empty.stderr) == (3, True)
    wrong = CliRunner().invoke(root, ["issue", "--job", job.job_id, "--pin-file", "-"],
                               input="WrongPin2026\n", env=env)
    assert wrong.exit_code == 6
    failed = jobs.get(job.job_id)
    assert (failed.status, failed.reason, failed.resumable) == ("failed", "permission-denied",
                                                                True)
    assert failed.error == "pin: signing PIN is wrong for this signer"


def test_unknown_and_malformed_job_ids_are_not_found(jobs: BatchJobs, pin: str) -> None:
    for job_id in ("0123456789abcdef", "../../etc", "ABCDEF0123456789"):
        with pytest.raises(NotFoundError):
            jobs.get(job_id)
        with pytest.raises(NotFoundError):
            jobs.resume(job_id, pin=pin, workers=1, actor="x", at=T0)
    with pytest.raises(NotFoundError):
        jobs.results("0123456789abcdef")


def test_a_csv_row_is_read_as_its_fields_declare_and_keys_like_its_jsonl_twin(
        tmp_path: Path) -> None:
    """A spreadsheet holds only text: ``24,000,000`` is the amount, ``000`` stays a code, and
    a quoted cell keeps its line breaks."""
    twin = {**GUARANTEE, "guarantee_number": str(GUARANTEE["guarantee_number"])}
    (tmp_path / "one.jsonl").write_text(json.dumps(twin, ensure_ascii=False) + "\n",
                                        encoding="utf-8")
    flat = {"kind": "guarantee",
            **{f"{part}.{k}": v for part in ("association", "bank", "branch")
               for k, v in GUARANTEE[part].items()},
            **{k: v for k, v in GUARANTEE.items()
               if k != "kind" and not isinstance(v, dict)}}
    flat["guaranteed_amount"] = "24,000,000"
    flat["loan_term_months"] = "８４"  # full-width digits, as a Japanese input method types
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(flat))
    writer.writeheader()
    writer.writerow({k: str(v) for k, v in flat.items()})
    (tmp_path / "one.csv").write_text(out.getvalue(), encoding="utf-8")
    (from_jsonl,), (from_csv,) = read_rows(tmp_path / "one.jsonl"), read_rows(tmp_path / "one.csv")
    assert from_csv.data == from_jsonl.data
    assert from_csv.key == from_jsonl.key  # the same data in either format is issued once
    assert from_csv.data is not None
    assert (from_csv.data["change_number"], from_csv.data["bank"]["code"]) == ("000", "2345")
    assert (from_csv.data["guaranteed_amount"], from_csv.data["loan_term_months"]) == (
        24000000, 84)
    assert from_csv.line == 4  # the record's last line: its conditions cell spans 2 to 4


def test_the_results_files_have_one_line_per_row() -> None:
    results = [RowResult(1, "issued", "k1", "14_2345002_000000001_4000000000_000", 1, "ab"),
               RowResult(2, "failed", "=HYPERLINK(\"x\")", error="bank.code: no bank '9999'",
                         reason="unknown-bank")]
    lines = results_jsonl(results).decode().splitlines()
    assert [json.loads(line) for line in lines] == [
        {"line": 1, "status": "issued", "key": "k1",
         "file_id": "14_2345002_000000001_4000000000_000", "version": 1, "sha256": "ab"},
        {"line": 2, "status": "failed", "key": "=HYPERLINK(\"x\")",
         "error": "bank.code: no bank '9999'", "reason": "unknown-bank"}]
    table = results_csv(results).decode("utf-8")
    assert table.startswith("\ufeffline,status,file_id,version,sha256,reason,error,key\r\n")
    assert table.splitlines()[1:] == [
        "1,issued,14_2345002_000000001_4000000000_000,1,ab,,,k1",
        "2,failed,,,,unknown-bank,bank.code: no bank '9999',\"'=HYPERLINK(\"\"x\"\")\""]


def test_the_migration_builds_the_batch_tables(tmp_path: Path) -> None:
    """0004 makes exactly what :mod:`pdfsign.batch_tables` declares."""
    database = open_database(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    ours = MetaData()
    for model in (BatchJobRecord, BatchRowRecord):
        model.__table__.to_metadata(ours)
    try:
        with database.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = list(compare_metadata(context, ours))
            columns = connection.execute(select(BatchJobRecord)).keys()
    finally:
        database.dispose()
    mine = set(ours.tables)
    assert [d for d in differences if _table_of(d) in mine] == []
    assert {_table_of(d) for d in differences} & mine == set()
    assert "pin" not in {c.lower() for c in columns}


def _table_of(difference: Any) -> str:
    """The table an Alembic difference is about (a list: one column's changes)."""
    if isinstance(difference, list):
        return str(difference[0][2])
    kind, subject = difference[0], difference[1]
    if kind.endswith("_table"):
        return str(subject.name)
    if kind.endswith(("_index", "_constraint", "_fk")):
        return str(subject.table.name)
    return str(difference[2])  # add_column / remove_column: (kind, schema, table, column)
