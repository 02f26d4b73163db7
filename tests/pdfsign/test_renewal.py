"""``pdfsign renew`` end to end: the registry (plan, renew, history, audit, downloads) and
loose files, over the real CLI with a PKI of the test's own (``fixtures/pki`` is never changed).

The PKI's TSA certificate ends at T1 = generation + 20 years, so a window of 20 years and
ten days makes every ES-A due; a successor issued for 25 years (the root ends at 30) takes
files out of that window once renewed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import shutil
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from pyhanko.pdf_utils.reader import PdfFileReader

from pdfsign.cli import root
from tsa.pki import Pki, generate_pki, load_pki

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "fixtures" / "samples"
FILE_ID = "14_2345002_012345678_2026001234_000"
WINDOW = str(20 * 365 + 10)


@pytest.fixture(scope="module")
def pki_template(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return generate_pki(tmp_path_factory.mktemp("renew-pki") / "pki", at=dt.datetime.now(dt.UTC))


@pytest.fixture
def pki(pki_template: Pki, tmp_path: Path) -> Pki:
    """A copy of the module's PKI per test: rollovers change the folder."""
    shutil.copytree(pki_template.directory, tmp_path / "pki")
    return load_pki(tmp_path / "pki")


@pytest.fixture
def home(tmp_path: Path, pki: Pki) -> Path:
    """A data directory using ``pki``, bank 2345 under agreement, one ES-A guarantee issued."""
    home = tmp_path / "home"
    assert run(home, pki, "bank", "set", "2345", "--name", "みらい銀行",
               "--start", "2026-01-01").exit_code == 0
    assert run(home, pki, "issue", str(SAMPLES / "guarantee.json")).exit_code == 0
    return home


def run(home: Path, pki: Pki, *args: str, **env: str) -> Result:
    environment = {"PDFSIGN_HOME": str(home), "PDFSIGN_PIN": "TestPin2026",
                   "PDFSIGN_ACTOR": "tester", "PDFSIGN_PKI_DIR": str(pki.directory), **env}
    return CliRunner().invoke(root, list(args), env=environment, catch_exceptions=False)


def as_json(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _rollover(pki: Pki) -> None:
    result = CliRunner().invoke(root, ["pki", "rollover-tsa", str(pki.directory),
                                       "--years", "25"])
    assert result.exit_code == 0, result.output


def _doc_timestamps(pdf: bytes) -> int:
    return sum(s.sig_object_type == "/DocTimeStamp"
               for s in PdfFileReader(io.BytesIO(pdf)).embedded_signatures)


def _audit_actions(home: Path) -> list[str]:
    """The registry's audit actions, without the signers' own (each PIN attempt is audited
    wherever a signer is opened, renewal's TSA-only runs included)."""
    with sqlite3.connect(home / "registry.sqlite3") as db:
        return [row[0] for row in db.execute("SELECT action FROM audit ORDER BY seq")
                if not row[0].startswith("signer-")]


def test_registry_renewal_keeps_the_version_and_records_the_new_bytes(
        home: Path, pki: Pki, tmp_path: Path) -> None:
    before = as_json(run(home, pki, "history", FILE_ID, "--json"))["versions"]
    _rollover(pki)
    done = as_json(run(home, pki, "renew", "--due-within", WINDOW, "--json"))
    assert done["counts"]["renewed"] == 1
    [item] = done["files"]
    assert item["reasons"][0].startswith("tsa-expiry:")
    assert item["old_sha256"] == before[0]["sha256"] != item["new_sha256"]

    history = as_json(run(home, pki, "history", FILE_ID, "--json"))
    [version] = history["versions"]
    assert (version["number"], version["issue_count"]) == (1, 1)
    assert version["sha256"] == item["new_sha256"]
    assert history["file"]["issue_count"] == 1
    assert [(r["old_sha256"], r["new_sha256"]) for r in history["renewals"]] == [
        (before[0]["sha256"], item["new_sha256"])]
    assert "renewed" in run(home, pki, "history", FILE_ID).stdout
    assert _audit_actions(home) == ["bank", "issue", "renewed"]
    assert as_json(run(home, pki, "audit", "verify", "--json"))["ok"] is True

    out = tmp_path / "got.pdf"
    run(home, pki, "get", FILE_ID, "--as-user", "14234500001", "-o", str(out))
    assert hashlib.sha256(out.read_bytes()).hexdigest() == item["new_sha256"]
    assert _doc_timestamps(out.read_bytes()) == 2
    archive = tmp_path / "all.zip"
    assert run(home, pki, "search", "--zip", str(archive)).exit_code == 0
    with zipfile.ZipFile(archive) as zipped:
        shas = {hashlib.sha256(zipped.read(n)).hexdigest() for n in zipped.namelist()
                if n.endswith(".pdf")}
    assert item["new_sha256"] in shas


def test_planner_is_idempotent_and_dry_run_changes_nothing(home: Path, pki: Pki) -> None:
    _rollover(pki)
    planned = as_json(run(home, pki, "renew", "--due-within", WINDOW, "--dry-run", "--json"))
    assert [f["status"] for f in planned["files"]] == ["planned"]
    assert _audit_actions(home) == ["bank", "issue"]
    assert as_json(run(home, pki, "history", FILE_ID, "--json"))["renewals"] == []

    assert as_json(run(home, pki, "renew", "--due-within", WINDOW, "--json"))["counts"][
        "renewed"] == 1
    again = as_json(run(home, pki, "renew", "--due-within", WINDOW, "--json"))
    assert again["counts"] == {"renewed": 0, "planned": 0, "not-due": 1, "skipped": 0,
                               "failed": 0}
    assert run(home, pki, "renew", "--due-within", WINDOW).stdout.strip() == "1 not-due"


def test_a_tsa_that_is_due_itself_is_refused(home: Path, pki: Pki) -> None:
    """Without a successor, a renewal would be due again at once: refused, nothing changes."""
    refused = run(home, pki, "renew", "--due-within", WINDOW, "--json")
    assert refused.exit_code == 5
    assert json.loads(refused.stdout)["error"]["field"] == "tsa"
    assert "pdfsign pki rollover-tsa" in refused.stderr
    assert _audit_actions(home) == ["bank", "issue"]


def test_weak_algorithms_make_a_file_due(home: Path, pki: Pki) -> None:
    quiet = as_json(run(home, pki, "renew", "--due-within", "30", "--dry-run", "--json"))
    assert quiet["counts"]["not-due"] == 1
    weak = as_json(run(home, pki, "renew", "--due-within", "30", "--dry-run", "--json",
                       PDFSIGN_WEAK_ALGORITHMS="sha1,rsa2048"))
    assert weak["files"][0]["reasons"] == ["weak-algorithm:rsa2048"]
    bad = run(home, pki, "renew", "--due-within", "30", PDFSIGN_WEAK_ALGORITHMS="sha-1!")
    assert bad.exit_code == 7


def test_named_files_are_renewed_on_request_and_es_t_is_skipped(
        home: Path, pki: Pki) -> None:
    assert run(home, pki, "issue", str(SAMPLES / "invoice-seed.json")).exit_code == 0
    invoice = next(f["file_id"] for f in as_json(run(home, pki, "search", "--json"))["rows"]
                   if f["file_id"] != FILE_ID)
    done = as_json(run(home, pki, "renew", FILE_ID, invoice, "--json"))
    assert [(f["file_id"], f["status"], f["reasons"], f["detail"]) for f in done["files"]] == [
        (FILE_ID, "renewed", ["requested"], None), (invoice, "skipped", ["requested"], "not-es-a")]
    missing = run(home, pki, "renew", "99_9999999_999999999_9999999999_999", "--json")
    assert missing.exit_code == 4


def test_purge_deletes_the_bytes_a_renewal_replaced(home: Path, pki: Pki) -> None:
    assert run(home, pki, "issue", str(SAMPLES / "test-slip.json")).exit_code == 0
    renewed = as_json(run(home, pki, "renew", "TS_14_2345002", "--json"))["files"][0]
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=61)).isoformat()
    assert as_json(run(home, pki, "purge", "--at", later, "--json"))["items"]
    objects = home / "objects"
    for digest in (renewed["old_sha256"], renewed["new_sha256"]):
        assert not (objects / digest[:2] / digest[2:]).exists()


def test_loose_file_renewal(tmp_path: Path, home: Path, pki: Pki) -> None:
    source, target = tmp_path / "in.pdf", tmp_path / "out.pdf"
    run(home, pki, "get", FILE_ID, "-o", str(source))
    result = as_json(run(home, pki, "renew", str(source), "-o", str(target), "--pki",
                         str(pki.directory), "--json"))
    renewed = target.read_bytes()
    assert renewed.startswith(source.read_bytes())  # an incremental update
    assert _doc_timestamps(renewed) == 2
    assert result["new_sha256"] == hashlib.sha256(renewed).hexdigest()
    assert _audit_actions(home) == ["bank", "issue"]  # no file of the registry is touched


@pytest.mark.parametrize("args", [
    ["a.pdf", "b.pdf", "-o", "out.pdf"],
    ["a.pdf", "-o", "out.pdf", "--dry-run"],
    [],
    [FILE_ID, "--due-within", "30"],
])
def test_contradictory_forms_are_usage_errors(home: Path, pki: Pki, args: list[str]) -> None:
    assert run(home, pki, "renew", *args).exit_code == 2


def test_a_loose_es_t_is_an_input_error(tmp_path: Path, home: Path, pki: Pki) -> None:
    assert run(home, pki, "issue", str(SAMPLES / "invoice-seed.json")).exit_code == 0
    invoice = next(f["file_id"] for f in as_json(run(home, pki, "search", "--json"))["rows"]
                   if f["file_id"] != FILE_ID)
    run(home, pki, "get", invoice, "-o", str(tmp_path / "es-t.pdf"))
    refused = run(home, pki, "renew", str(tmp_path / "es-t.pdf"), "-o", str(tmp_path / "x.pdf"))
    assert refused.exit_code == 3
    assert "not an ES-A" in refused.stderr
