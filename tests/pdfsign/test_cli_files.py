"""The registry commands end to end through the real CLI (click's runner, a real data directory)."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from pdfsign.cli import root

ROOT = Path(__file__).resolve().parents[2]
GUARANTEE = json.loads((ROOT / "fixtures/samples/guarantee.json").read_text(encoding="utf-8"))
FILE_ID = "14_2345002_012345678_2026001234_000"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A data directory with bank 2345 under agreement since 2026-01-01."""
    home = tmp_path / "home"
    assert run(home, "bank", "set", "2345", "--name", "みらい銀行", "--start", "2026-01-01"
               ).exit_code == 0
    return home


def run(home: Path, *args: str) -> Result:
    """Invoke ``pdfsign ARGS`` with the test home and PIN in the environment."""
    env = {"PDFSIGN_HOME": str(home), "PDFSIGN_PIN": "TestPin2026", "PDFSIGN_ACTOR": "tester"}
    return CliRunner().invoke(root, list(args), env=env, catch_exceptions=False)


def as_json(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def write_data(path: Path, data: dict[str, Any]) -> str:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_lifecycle_through_the_cli(home: Path, tmp_path: Path) -> None:
    data = write_data(tmp_path / "g.json", GUARANTEE)
    assert as_json(run(home, "issue", data, "--json"))["file_id"] == FILE_ID
    run(home, "reissue", data)
    history = as_json(run(home, "history", FILE_ID, "--json"))
    assert [(v["number"], v["issue_count"], v["actor"]) for v in history["versions"]] == [
        (1, 1, "tester"), (2, 2, "tester")]
    out = tmp_path / "v1.pdf"
    got = as_json(run(home, "get", FILE_ID, "--version", "1", "-o", str(out), "--json"))
    assert hashlib.sha256(out.read_bytes()).hexdigest() == got["sha256"]

    notice = as_json(run(home, "invalidate", FILE_ID, "--reason", "paper-reissue", "--json"))
    assert notice["meta"]["invalidates_sha256"] == history["versions"][1]["sha256"]
    refused = run(home, "reissue", data)
    assert refused.exit_code == 5
    assert "cannot re-issue" in refused.stderr
    assert "it is invalidated" in refused.stderr


def test_refusals_have_distinct_exit_codes(home: Path, tmp_path: Path) -> None:
    data = write_data(tmp_path / "g.json", GUARANTEE)
    run(home, "issue", data)
    again = run(home, "issue", data)
    assert (again.exit_code, "already issued" in again.stderr) == (5, True)
    unknown = run(home, "transfer", FILE_ID, "--bank", "9999", "--branch", "001")
    assert (unknown.exit_code, "no bank '9999'" in unknown.stderr) == (3, True)
    missing = run(home, "history", "14_0000000_000000000_0000000000_000")
    assert missing.exit_code == 4
    other_bank = copy.deepcopy(GUARANTEE)
    other_bank["bank"]["code"] = "5555"
    assert run(home, "bank", "set", "5555", "--name", "未来銀行", "--start", "2099-01-01"
               ).exit_code == 0
    early = run(home, "issue", write_data(tmp_path / "o.json", other_bank))
    assert (early.exit_code, "agreement starts on 2099-01-01" in early.stderr) == (5, True)


def test_search_access_purge_and_audit(home: Path, tmp_path: Path) -> None:
    run(home, "issue", write_data(tmp_path / "g.json", GUARANTEE))
    slip = json.loads((ROOT / "fixtures/samples/test-slip.json").read_text(encoding="utf-8"))
    run(home, "issue", write_data(tmp_path / "s.json", slip))
    found = as_json(run(home, "search", "--json"))
    assert [r["file_id"] for r in found["rows"]] == ["TS_14_2345002", FILE_ID]
    assert as_json(run(home, "search", "--kind", "4", "--json"))["total"] == 1
    assert as_json(run(home, "search", "--as-user", "14234500101", "--json"))["total"] == 0
    assert as_json(run(home, "search", "--as-user", "14234500001", "--json"))["total"] == 2
    csv_lines = run(home, "search", "--csv").stdout.splitlines()
    assert csv_lines[0].startswith("file_id,search_kind,")
    assert len(csv_lines) == 3
    archive = tmp_path / "all.zip"
    assert run(home, "search", "--zip", str(archive)).exit_code == 0
    assert archive.stat().st_size > 10_000

    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=61)).isoformat()
    purged = as_json(run(home, "purge", "--at", later, "--json"))
    assert [(i["file_id"], i["rule"]) for i in purged["items"]] == [("TS_14_2345002",
                                                                     "test-slip")]
    assert as_json(run(home, "audit", "verify", "--json"))["ok"] is True
    with sqlite3.connect(home / "registry.sqlite3") as db:
        db.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 2")
    altered = run(home, "audit", "verify")
    assert altered.exit_code == 1
    assert "seq 2: content does not match its hash" in altered.stdout


def test_batch_reports_bad_rows_and_never_issues_twice(home: Path, tmp_path: Path) -> None:
    """The issue's acceptance run: 1,000 rows, 3 bad ones, 2 workers, then the same batch again."""
    batch = tmp_path / "batch.jsonl"
    with batch.open("w", encoding="utf-8") as out:
        for n in range(999):
            row = copy.deepcopy(GUARANTEE)
            row["customer_number"], row["guarantee_number"] = f"{n + 1:09d}", 3000000000 + n
            if n == 5:
                row["guaranteed_amount"] = -1
            if n == 20:
                row["bank"]["code"] = "9999"
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        out.write("{not json\n")
    first = run(home, "issue", "--batch", str(batch), "--workers", "2")
    assert first.exit_code == 3
    assert "997 issued, 0 already issued, 3 failed of 1000 rows" in first.stdout
    assert "documents/s" in first.stdout
    assert "line 6: guaranteed_amount" in first.stderr
    assert "line 1000: not JSON" in first.stderr
    results = [json.loads(line) for line in
               (tmp_path / "batch.results.jsonl").read_text().splitlines()]
    assert [r["line"] for r in results] == list(range(1, 1001))
    assert [r["line"] for r in results if r["status"] == "failed"] == [6, 21, 1000]

    rerun = run(home, "issue", "--batch", str(batch), "--workers", "2", "--json")
    assert rerun.exit_code == 3  # the bad rows are still bad
    second = json.loads(rerun.stdout)
    assert (second["issued"], second["skipped"], second["failed"]) == (0, 997, 3)
    assert as_json(run(home, "search", "--json"))["total"] == 997


def test_bank_users_get_only_the_current_version(home: Path, tmp_path: Path) -> None:
    data = write_data(tmp_path / "g.json", GUARANTEE)
    run(home, "issue", data)
    run(home, "reissue", data)
    out = tmp_path / "got.pdf"
    branch_user = "14234500201"
    current = as_json(run(home, "get", FILE_ID, "--as-user", branch_user, "-o", str(out),
                          "--json"))
    assert current["number"] == 2
    old = run(home, "get", FILE_ID, "--as-user", branch_user, "--version", "1", "-o", str(out))
    assert old.exit_code == 6
    assert "version: bank users receive only the current version (2)" in old.stderr
    other_branch = run(home, "get", FILE_ID, "--as-user", "14234500101", "-o", str(out))
    assert (other_branch.exit_code, "no file" in other_branch.stderr) == (4, True)


@pytest.mark.parametrize(("content", "message"), [
    ("{bad", "invalid JSON at line 1 column 2"),
    ("[]", "the data must be a JSON object"),
])
def test_issue_and_reissue_word_a_bad_data_file_like_render(home: Path, tmp_path: Path,
                                                            content: str, message: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    for command in ("issue", "reissue", "render"):
        extra = ["-o", str(tmp_path / "x.pdf")] if command == "render" else []
        result = run(home, command, str(bad), *extra)
        assert result.exit_code == 3, command
        assert f"error: {bad}: " in result.stderr
        assert message in result.stderr


def test_bank_with_a_blank_name_is_refused(home: Path) -> None:
    refused = run(home, "bank", "set", "2346", "--name", " ", "--start", "2026-01-01")
    assert (refused.exit_code, "bank.name" in refused.stderr) == (3, True)
    assert "2346" not in run(home, "bank", "list").stdout


def test_unusable_home_is_a_configuration_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")
    result = run(blocker / "home", "history", FILE_ID)
    assert result.exit_code == 7
    assert "cannot create the data directory: Not a directory" in result.stderr
    assert "Traceback" not in result.output


def test_unwritable_batch_results_file_is_a_write_error(home: Path, tmp_path: Path) -> None:
    batch = tmp_path / "batch.jsonl"
    batch.write_text("{not json\n", encoding="utf-8")
    result = run(home, "issue", "--batch", str(batch), "--workers", "1",
                 "--results", str(tmp_path / "missing" / "r.jsonl"))
    assert result.exit_code == 11
    assert "r.jsonl: cannot write the file" in result.stderr


def test_batch_results_give_each_failure_its_reason(home: Path, tmp_path: Path) -> None:
    other_bank = copy.deepcopy(GUARANTEE)
    other_bank["bank"]["code"] = "9999"
    batch = tmp_path / "reasons.jsonl"
    batch.write_text(json.dumps(other_bank, ensure_ascii=False) + "\n{not json\n",
                     encoding="utf-8")
    assert run(home, "issue", "--batch", str(batch), "--workers", "1").exit_code == 3
    results = [json.loads(line) for line in
               (tmp_path / "reasons.results.jsonl").read_text().splitlines()]
    assert [(r["line"], r["reason"]) for r in results] == [(1, "unknown-bank"),
                                                           (2, "invalid-input")]


@pytest.mark.parametrize(("args", "field"), [
    (["search", "--date-from", "2026-02-30"], "--date-from"),
    (["repaid", FILE_ID, "--on", "2026-13-01"], "--on"),
    (["purge", "--at", "yesterday"], "--at"),
])
def test_bad_dates_are_bad_input_naming_the_option(home: Path, args: list[str],
                                                   field: str) -> None:
    result = run(home, *args, "--json")
    assert result.exit_code == 3
    error = json.loads(result.stdout)["error"]
    assert (error["reason"], error["field"]) == ("invalid-input", field)
    assert f"error: {field}: " in result.stderr


def test_purge_reads_a_time_without_zone_as_japanese(home: Path) -> None:
    report = as_json(run(home, "purge", "--dry-run", "--at", "2027-01-01T00:00", "--json"))
    assert report["at"] == "2026-12-31T15:00:00+00:00"


def test_if_version_refuses_a_file_changed_meanwhile(home: Path, tmp_path: Path) -> None:
    data = write_data(tmp_path / "g.json", GUARANTEE)
    run(home, "issue", data)
    assert run(home, "reissue", data, "--if-version", "1").exit_code == 0  # now version 2
    stale = run(home, "reissue", data, "--if-version", "1", "--json")
    assert stale.exit_code == 5
    assert json.loads(stale.stdout)["error"]["reason"] == "changed-meanwhile"
    assert "now issue count 2" in stale.stderr
    for args in (["invalidate", FILE_ID, "--reason", "cancelled"],
                 ["transfer", FILE_ID, "--bank", "2345", "--branch", "003"],
                 ["repaid", FILE_ID, "--on", "2026-12-01"],
                 ["subrogate", FILE_ID, "--on", "2026-12-01"]):
        assert run(home, *args, "--if-version", "1").exit_code == 5, args
    history = as_json(run(home, "history", FILE_ID, "--json"))
    assert [v["number"] for v in history["versions"]] == [1, 2]  # nothing lost, nothing added
    assert history["file"]["state"] == "active"
    assert run(home, "invalidate", FILE_ID, "--reason", "cancelled", "--if-version", "2"
               ).exit_code == 0
