"""``pdfsign webhook`` end to end through the real CLI: add (the secret printed once), list,
remove, the events of issue, renewal and transfer, status, and send (once and as a loop)."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from pdfsign.cli import root

ROOT = Path(__file__).resolve().parents[2]
FILE_ID = "14_2345002_012345678_2026001234_000"
HEAD = "14234500001"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A data directory with bank 2345 under agreement, an issuer and a head-office user."""
    folder = tmp_path / "home"
    assert run(folder, "bank", "set", "2345", "--name", "みらい銀行", "--start",
               "2026-01-01").exit_code == 0
    for user_id, role in (("issuer01", "issuer"), (HEAD, "bank-head")):
        assert run(folder, "user", "add", user_id, "--role", role, "--name", "試験").exit_code == 0
    return folder


def run(home: Path, *args: str) -> Result:
    """``pdfsign ARGS`` with the test home, the signing PIN, as the administrator ``admin01``."""
    env = {"PDFSIGN_HOME": str(home), "PDFSIGN_PIN": "TestPin2026", "PDFSIGN_ACTOR": "admin01"}
    return CliRunner().invoke(root, list(args), env=env, catch_exceptions=False)


def as_json(result: Result, code: int = 0) -> Any:
    assert result.exit_code == code, result.output
    return json.loads(result.stdout)


def refused_url() -> str:
    """A loopback URL where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


def test_add_list_remove_and_the_secret_shown_once(home: Path) -> None:
    added = as_json(run(home, "webhook", "add", HEAD, "https://ci.example/hook", "--event",
                        "issued", "--event", "transferred", "--json"))
    assert set(added) == {"id", "secret"}
    assert added["secret"].startswith("whsec_")
    text = run(home, "webhook", "add", "issuer01", "http://127.0.0.1:9/x", "--event", "renewed")
    assert text.exit_code == 0
    assert "shown only now" in text.stdout

    listed = run(home, "webhook", "list", "--json")
    assert added["secret"] not in listed.stdout
    assert [(h["id"], h["user_id"], h["events"]) for h in json.loads(listed.stdout)] == [
        (added["id"], HEAD, ["issued", "transferred"]), (added["id"] + 1, "issuer01", ["renewed"])]
    assert run(home, "webhook", "list", HEAD).stdout.strip() == (
        f"{added['id']}  {HEAD}  https://ci.example/hook  issued,transferred")

    assert run(home, "webhook", "remove", str(added["id"])).exit_code == 0
    assert [h["user_id"] for h in as_json(run(home, "webhook", "list", "--json"))] == ["issuer01"]
    gone = as_json(run(home, "webhook", "remove", str(added["id"]), "--json"), 4)
    assert gone["error"]["field"] == "webhook_id"

    audit = as_json(run(home, "audit", "list", "--action", "webhook-add", "--json"))
    assert len(audit["entries"]) == 2
    assert all(e["actor"] == "admin01" for e in audit["entries"])
    with sqlite3.connect(home / "registry.sqlite3") as db:
        trail = "".join(str(row) for row in db.execute("SELECT * FROM audit"))
    assert added["secret"] not in trail
    assert "webhook-remove" in trail


@pytest.mark.parametrize(("args", "code", "field"), [
    (("ftp://127.0.0.1/x", "--event", "issued"), 3, "url"),
    (("http://127.0.0.1/x", "--event", "deleted"), 3, "events"),
])
def test_refusals_name_the_field(home: Path, args: tuple[str, ...], code: int,
                                 field: str) -> None:
    refused = as_json(run(home, "webhook", "add", HEAD, *args, "--json"), code)
    assert refused["error"]["field"] == field
    assert as_json(run(home, "webhook", "add", "nobody", "http://127.0.0.1/x", "--event",
                       "issued", "--json"), 4)["error"]["field"] == "user_id"


def test_issue_renew_and_transfer_are_events_and_send_reports_them(home: Path) -> None:
    url = refused_url()
    run(home, "webhook", "add", "issuer01", url, "--event", "issued", "--event", "renewed",
        "--event", "transferred")
    assert run(home, "issue", str(ROOT / "fixtures/samples/guarantee.json")).exit_code == 0
    assert run(home, "renew", FILE_ID).exit_code == 0
    assert run(home, "transfer", FILE_ID, "--bank", "2345", "--branch", "003").exit_code == 0

    status = as_json(run(home, "webhook", "status", "--json"))
    assert (status["pending"], status["delivered"], status["failed"]) == (3, 0, 0)
    assert [(e["event"], e["version"]) for e in reversed(status["waiting"])] == [
        ("issued", 1), ("renewed", 1), ("transferred", 1)]

    sent = as_json(run(home, "webhook", "send", "--once", "--json"))
    assert (sent["sent"], sent["retrying"], sent["failed"]) == (0, 3, 0)
    lines = run(home, "webhook", "status").stdout.splitlines()
    assert lines[0] == "pending 3, delivered 0, failed 0"
    assert all("attempt 1" in line and "ConnectionError" in line for line in lines[1:])
    assert len(lines) == 4


def test_send_runs_until_sigterm(home: Path, tmp_path: Path) -> None:
    run(home, "webhook", "add", "issuer01", refused_url(), "--event", "issued")
    assert run(home, "issue", str(ROOT / "fixtures/samples/guarantee.json")).exit_code == 0
    log = (tmp_path / "sender.log").open("wb")
    sender = subprocess.Popen([str(Path(sys.executable).parent / "pdfsign"), "webhook", "send",
                               "--interval", "0.2"], env={**os.environ, "PDFSIGN_HOME": str(home)},
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not as_json(run(home, "webhook", "status", "--json"))["waiting"][0]["attempts"]:
            assert time.monotonic() < deadline, (tmp_path / "sender.log").read_text()
            time.sleep(0.2)
        sender.send_signal(signal.SIGTERM)
        assert sender.wait(30) == 0
    finally:
        if sender.poll() is None:
            sender.kill()
            sender.wait()
        log.close()
