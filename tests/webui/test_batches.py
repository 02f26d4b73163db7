"""The batch pages: upload, a progress page that outlives the web server, results, resume.

Every job here is a real ``pdfsign issue --job`` process beside the test (the web server):
the pages only read its progress from the registry.  The 50-row batch with two bad rows is
the issue's own; the other tests use a few rows, a guarantee taking tenths of a second.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json
import logging
import os
import re
import signal
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import PASSWORD, ROOT, Clock, csrf, post
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from pdfsign.accounts import Role
from pdfsign.batch_jobs import BatchJob, BatchJobs
from pdfsign.batch_tables import BatchJobRecord
from pdfsign.config import Settings
from pdfsign.registry import SearchQuery, search, set_bank
from tsa.pki import Pki
from webui import create_app
from webui.issue import batches

GUARANTEE = json.loads((ROOT / "fixtures/samples/guarantee.json").read_text(encoding="utf-8"))
SLIP = json.loads((ROOT / "fixtures/samples/test-slip.json").read_text(encoding="utf-8"))
_REFRESH = '<meta http-equiv="refresh" content="2">'
_JOB = re.compile(r"^/batches/([0-9a-f]{16})$")
#: Longest a test waits for a job's process (a loaded machine; the 50 rows take ~15 s).
PATIENCE_S = 240


class _OnApp:
    """Until ``webui.issue`` registers them: the batch routes straight on the app."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def add_url_rule(self, rule: str, endpoint: str, view_func: Callable[..., Any],
                     **options: Any) -> None:
        self.app.add_url_rule(rule, f"issue.{endpoint}", view_func, **options)


def web_server(home: Path, clock: Clock) -> Flask:
    """A web server over ``home`` (a new one is a restarted server) with the batch pages."""
    app = create_app(Settings.load(home=home, env={}), clock=clock)
    app.config.update(TESTING=True, PDFSIGN_BATCH_WORKERS=2)
    if "issue.batches" not in app.view_functions:
        batches.register(_OnApp(app))  # type: ignore[arg-type]
    return app


@pytest.fixture
def app(home: Path, clock: Clock) -> Flask:
    """The web app, with bank 2345 under agreement."""
    flask_app = web_server(home, clock)
    set_bank(flask_app.extensions["pdfsign"].registry, code="2345", name="みらい銀行",
             start=dt.date(2026, 1, 1), actor="test", at=clock())
    return flask_app


@pytest.fixture
def pin(pki: Pki) -> str:
    """The configured (staff) signer's PIN (TEST KEYS ONLY)."""
    return pki.signer("staff").pin


@pytest.fixture
def issuer(client: FlaskClient, sign_in: Callable[..., FlaskClient]) -> FlaskClient:
    """A signed-in issuer."""
    return sign_in(client, "issuer01", Role.ISSUER)


@pytest.fixture
def auditor(app: Flask, sign_in: Callable[..., FlaskClient]) -> FlaskClient:
    """A signed-in auditor, in a browser of their own."""
    return sign_in(app.test_client(), "auditor01", Role.AUDITOR)


def guarantees_jsonl(count: int) -> bytes:
    """``count`` guarantees with distinct numbers, as JSON lines."""
    rows = []
    for n in range(count):
        row = copy.deepcopy(GUARANTEE)
        row["customer_number"], row["guarantee_number"] = f"{n + 1:09d}", 5000000000 + n
        rows.append(json.dumps(row, ensure_ascii=False))
    return ("\n".join(rows) + "\n").encode()


def slips_csv(count: int, *, bad: dict[int, dict[str, str]]) -> bytes:
    """``count`` test slips, one per branch, as a CSV with dotted headers; ``bad`` spoils rows."""
    out = io.StringIO()
    columns = ["kind", "sending_date", "association.name", "association.code",
               "association.department", "association.address", "association.phone",
               "bank.name", "bank.code", "branch.name", "branch.code"]
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for n in range(count):
        row = {"kind": "test-slip", "sending_date": SLIP["sending_date"],
               **{f"association.{k}": v for k, v in SLIP["association"].items()},
               "bank.name": SLIP["bank"]["name"], "bank.code": SLIP["bank"]["code"],
               "branch.name": f"第{n + 1}支店", "branch.code": f"{n + 101:03d}"}
        writer.writerow({**row, **bad.get(n, {})})
    return out.getvalue().encode("utf-8")


def upload(client: FlaskClient, data: bytes, name: str, pin: str) -> TestResponse:
    """Submit the upload form."""
    return send(client, "/batches", {"file": (io.BytesIO(data), name), "pin": pin},
                form_page="/batches", content_type="multipart/form-data")


def send(client: FlaskClient, path: str, data: dict[str, object], *, form_page: str,
         **kwargs: object) -> TestResponse:
    """POST a form with the token of the page that shows it."""
    answer = post(client, path, data, form_page=form_page, **kwargs)
    assert isinstance(answer, TestResponse)
    return answer


def started(answer: TestResponse) -> str:
    """The job ID an accepted upload or resume sent the browser to."""
    assert answer.status_code == 303, answer.get_data(as_text=True)
    found = _JOB.match(answer.headers["Location"])
    assert found, answer.headers["Location"]
    return found.group(1)


def wait_for_page(client: FlaskClient, job_id: str, done: Callable[[str], bool]) -> str:
    """Reload the job page, as its refresh does, until ``done(page)``."""
    deadline = time.monotonic() + PATIENCE_S
    while True:
        answer = client.get(f"/batches/{job_id}")
        assert answer.status_code == 200
        page = answer.get_data(as_text=True)
        if done(page):
            return page
        if time.monotonic() > deadline:
            pytest.fail(f"job {job_id} not there after {PATIENCE_S} s:\n{page}")
        time.sleep(0.3)


def wait_for_job(app: Flask, job_id: str, done: Callable[[BatchJob], bool]) -> BatchJob:
    """Poll the job through the core until ``done(job)``."""
    jobs = _jobs(app)
    deadline = time.monotonic() + PATIENCE_S
    while not done(job := jobs.get(job_id)):
        if time.monotonic() > deadline:
            pytest.fail(f"job {job_id} still {job.status} after {PATIENCE_S} s")
        time.sleep(0.2)
    return job


def finished(page: str) -> bool:
    """The page no longer refreshes itself: the job is no longer running."""
    return _REFRESH not in page


def count(page: str, status: str) -> int:
    found = re.search(rf'id="count-{status}">(\d+)<', page)
    assert found, page
    return int(found.group(1))


def _jobs(app: Flask) -> BatchJobs:
    context = app.extensions["pdfsign"]
    return BatchJobs(context.settings, context.registry)


def sign_in_again(app: Flask, user_id: str) -> FlaskClient:
    """A new browser on ``app``, signed in with the changed password."""
    client = app.test_client()
    assert send(client, "/login", {"user_id": user_id, "password": PASSWORD},
                form_page="/login").status_code == 302
    return client


def test_fifty_rows_two_bad_survive_a_restart_give_results_and_never_issue_twice(
        app: Flask, issuer: FlaskClient, home: Path, clock: Clock, pin: str) -> None:
    """The issue's batch: 50 rows, 2 bad; the web server restarted while it runs."""
    data = slips_csv(50, bad={9: {"bank.code": "9999"}, 29: {"branch.code": "12a"}})
    job_id = started(upload(issuer, data, "slips.csv", pin))
    first_look = issuer.get(f"/batches/{job_id}").get_data(as_text=True)
    assert _REFRESH in first_look  # 50 signatures take a while: it is still running

    app.extensions["pdfsign"].registry.db.dispose()  # the old server is gone
    restarted = web_server(home, clock)
    browser = sign_in_again(restarted, "issuer01")
    page = wait_for_page(browser, job_id, finished)
    assert (count(page, "issued"), count(page, "skipped"), count(page, "failed")) == (48, 0, 2)
    assert '<progress id="progress" max="50" value="50">' in page
    assert "unknown-bank" in page  # the bad rows' reasons, beside their lines
    assert "branch.code" in page

    table = browser.get(f"/batches/{job_id}/results.csv")
    assert table.headers["Content-Disposition"] == \
        f'attachment; filename="batch-{job_id}-results.csv"'
    rows = list(csv.DictReader(io.StringIO(table.get_data(as_text=True).lstrip("\ufeff"))))
    assert [int(r["line"]) for r in rows] == list(range(2, 52))  # line 1 is the header
    assert Counter(r["status"] for r in rows) == {"issued": 48, "failed": 2}
    assert {(r["line"], r["reason"]) for r in rows if r["status"] == "failed"} == {
        ("11", "unknown-bank"), ("31", "invalid-input")}
    assert all(r["file_id"].startswith("TS_14_2345") for r in rows if r["status"] == "issued")
    lines = browser.get(f"/batches/{job_id}/results.jsonl").get_data(as_text=True).splitlines()
    assert len(lines) == 50
    assert "no bank '9999'" in json.loads(lines[9])["error"]

    again = started(upload(browser, data, "slips-again.csv", pin))
    page = wait_for_page(browser, again, finished)
    assert (count(page, "issued"), count(page, "skipped"), count(page, "failed")) == (0, 48, 2)
    assert f'href="/batches/{job_id}"' in page  # "the same file was uploaded before"
    registry = restarted.extensions["pdfsign"].registry
    assert search(registry, SearchQuery(), viewer=None, at=clock()).total == 48
    listing = browser.get("/batches").get_data(as_text=True)
    assert listing.index(f"/batches/{again}") < listing.index(f"/batches/{job_id}")


def test_a_killed_job_is_dead_and_resumes_with_the_pin_which_is_never_kept(
        app: Flask, issuer: FlaskClient, auditor: FlaskClient, home: Path, clock: Clock,
        pin: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    job_id = started(upload(issuer, guarantees_jsonl(10), "rows.jsonl", pin))
    running = wait_for_job(app, job_id, lambda j: j.issued >= 1)
    assert running.pid is not None
    os.killpg(running.pid, signal.SIGKILL)  # the job process and its workers: a reboot
    page = wait_for_page(issuer, job_id, lambda p: 'class="batch-status dead"' in p)
    assert finished(page)
    assert f'action="/batches/{job_id}/resume"' in page
    seen = auditor.get(f"/batches/{job_id}").get_data(as_text=True)
    assert 'class="batch-status dead"' in seen
    assert "/resume" not in seen  # auditors look; they do not run
    job_page = f"/batches/{job_id}"
    assert send(auditor, f"{job_page}/resume", {"pin": pin},
                form_page=job_page).status_code == 403

    wrong = send(issuer, f"{job_page}/resume", {"pin": "WrongPin2026"}, form_page=job_page)
    assert wrong.status_code == 403
    assert re.search(r'id="e-pin">[^<]*signing PIN is wrong', wrong.get_data(as_text=True))
    assert _jobs(app).get(job_id).status == "dead"  # nothing started

    resumed = send(issuer, f"{job_page}/resume", {"pin": pin}, form_page=job_page)
    assert started(resumed) == job_id
    page = wait_for_page(issuer, job_id, finished)
    assert count(page, "issued") + count(page, "skipped") == 10
    assert count(page, "failed") == 0
    registry = app.extensions["pdfsign"].registry
    assert search(registry, SearchQuery(), viewer=None, at=clock()).total == 10
    wait_for_job(app, job_id, lambda j: not j.alive)

    secret = pin.encode()
    assert secret not in caplog.text.encode()
    for path in home.rglob("*"):  # the database, its WAL, the job's file and log, the store
        if path.is_file():
            assert secret not in path.read_bytes(), path
    with registry.reading() as session:
        stored = session.get_one(BatchJobRecord, job_id)
        assert pin not in repr([getattr(stored, c.key) for c in BatchJobRecord.__table__.c])


def test_a_wrong_pin_is_refused_beside_its_field_and_starts_nothing(
        app: Flask, issuer: FlaskClient, home: Path) -> None:
    answer = upload(issuer, guarantees_jsonl(1), "rows.jsonl", "WrongPin2026")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 403
    assert re.search(r'id="e-pin">[^<]*signing PIN is wrong', page)
    assert 'value="WrongPin2026"' not in page  # a PIN is never written back into the page
    assert _jobs(app).recent() == []
    assert not (home / "batches").exists() or list((home / "batches").iterdir()) == []


@pytest.mark.parametrize(("name", "data", "field", "message"), [
    ("rows.xlsx", b"x", "file", "batch files are .jsonl or .csv"),
    ("rows.csv", b"kind\n\xff\n", "file", "not UTF-8 text"),
    ("rows.jsonl", b"\n", "file", "the file has no rows"),
    ("", b"", "file", "choose a CSV or JSONL file"),
    ("rows.jsonl", b"{}\n", "pin", "type the signing PIN"),
])
def test_an_upload_that_cannot_start_says_why_beside_the_field(
        app: Flask, issuer: FlaskClient, pin: str, name: str, data: bytes, field: str,
        message: str) -> None:
    answer = upload(issuer, data, name, pin if field == "file" else "")
    assert answer.status_code == 400
    assert re.search(rf'id="e-{field}">[^<]*{re.escape(message)}', answer.get_data(as_text=True))
    assert _jobs(app).recent() == []


def test_auditors_see_the_batches_but_may_not_start_one(auditor: FlaskClient, pin: str) -> None:
    listing = auditor.get("/batches")
    assert listing.status_code == 200
    assert 'name="pin"' not in listing.get_data(as_text=True)  # no upload form
    token = csrf(auditor, "/batches")
    refused = auditor.post("/batches", content_type="multipart/form-data", data={
        "csrf_token": token, "pin": pin, "file": (io.BytesIO(guarantees_jsonl(1)), "r.jsonl")})
    assert refused.status_code == 403


def test_an_unknown_job_or_format_is_not_found(issuer: FlaskClient) -> None:
    for path in ("/batches/0123456789abcdef", "/batches/0123456789abcdef/results.csv",
                 "/batches/..%2F..%2Fetc/results.csv", "/batches/0123456789abcdef/results.xml"):
        assert issuer.get(path).status_code == 404, path


def test_bank_users_may_not_open_the_batches(app: Flask,
                                             sign_in: Callable[..., FlaskClient]) -> None:
    bank = sign_in(app.test_client(), "14234500001", Role.BANK_HEAD)
    assert bank.get("/batches").status_code == 403
