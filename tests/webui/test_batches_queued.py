"""Batches on PostgreSQL through the real pages: uploaded, stopped, resumed, issued by workers.

Uploads go through the batch page (Flask's test client, the app on a private PostgreSQL);
the rows are issued by one real ``pdfsign worker --concurrency 2`` process (two forked
workers).  A job whose chunks left the queue is dead, and comes back from its page's
Resume with the PIN — on a second node, signed in there with the same account — or from
``pdfsign issue --job ID``, which queues it again and follows it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from conftest import Clock
from flask import Flask
from flask.testing import FlaskClient
from issuing_support import INVOICE, PIN
from test_batches import count, finished, send, sign_in_again, started, upload, wait_for_page

from pdfsign.accounts import Role
from pdfsign.config import Settings
from webui import create_app

_ENTRY = "from pdfsign.cli import main; main()"


@pytest.fixture
def database_url(pg_url: str) -> str:
    """The test's empty database on the session's cluster (``pg_url``, tests/conftest.py)."""
    return pg_url


@pytest.fixture
def app(home: Path, clock: Clock, database_url: str) -> Flask:
    """The web app over ``home``, its registry on PostgreSQL: batches go to the queue."""
    flask_app = create_app(Settings.load(home=home, env={"PDFSIGN_DATABASE_URL": database_url}),
                           clock=clock)
    flask_app.config["TESTING"] = True
    return flask_app


def invoices(count: int, *, prefix: str) -> bytes:
    """``count`` distinct invoices (ES-T, no bank needed) as JSON lines."""
    return "".join(json.dumps(dict(INVOICE, invoice_number=f"{prefix}-{n:04d}"),
                              ensure_ascii=False) + "\n" for n in range(count)).encode()


def _query(database_url: str, sql: str, *params: object) -> list[tuple[object, ...]]:
    with psycopg.connect(database_url.replace("postgresql+psycopg", "postgresql"),
                         options="-c search_path=public,procrastinate") as db:
        return list(db.execute(sql, params).fetchall())


def _take_off_the_queue(database_url: str, job_id: str) -> None:
    """Cancel the job's waiting chunks, as an operator emptying the queue would: it is dead."""
    _query(database_url, "SELECT procrastinate.procrastinate_cancel_job_v1(id, false, false) "
           "FROM procrastinate.procrastinate_jobs WHERE args->>'job_id' = %s", job_id)


def _pdfsign(tmp_path: Path, database_url: str, name: str, *args: str
             ) -> subprocess.Popen[bytes]:
    """A ``pdfsign`` process with a home of its own; its output in ``<name>.out`` and
    ``<name>.log`` (standard error)."""
    home = tmp_path / name
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PDFSIGN_")}
    env.update(PDFSIGN_HOME=str(home), PDFSIGN_DATABASE_URL=database_url,
               PDFSIGN_ACTOR=name)
    with (tmp_path / f"{name}.out").open("wb") as out, \
            (tmp_path / f"{name}.log").open("wb") as log:
        return subprocess.Popen([sys.executable, "-c", _ENTRY, *args], env=env, stdout=out,
                                stderr=log, start_new_session=True)


def test_uploaded_stopped_resumed_from_the_page_and_the_cli_issued_by_two_workers(
        app: Flask, client: FlaskClient, sign_in: Callable[..., FlaskClient], tmp_path: Path,
        clock: Clock, database_url: str) -> None:
    issuer = sign_in(client, "issuer01", Role.ISSUER)
    on_page = started(upload(issuer, invoices(60, prefix="Q-PAGE"), "page.jsonl", PIN))
    by_cli = started(upload(issuer, invoices(30, prefix="Q-CLI"), "cli.jsonl", PIN))
    queued = issuer.get(f"/batches/{on_page}").get_data(as_text=True)
    assert not finished(queued)  # its chunks wait on the queue: the page keeps refreshing
    assert _query(database_url, "SELECT count(*) FROM batch_jobs WHERE signer = 'staff'") == [
        (2,)]
    for job_id in (on_page, by_cli):
        _take_off_the_queue(database_url, job_id)
    page = issuer.get(f"/batches/{on_page}").get_data(as_text=True)
    assert 'class="batch-status dead"' in page
    assert f'action="/batches/{on_page}/resume"' in page

    # resumed on another node, whose own signer is another: the job keeps its signer's queue
    node_b = create_app(Settings.load(home=tmp_path / "node-b", env={
        "PDFSIGN_DATABASE_URL": database_url, "PDFSIGN_SIGNER": "representative"}), clock=clock)
    node_b.config["TESTING"] = True
    job_page = f"/batches/{on_page}"
    assert started(send(sign_in_again(node_b, "issuer01"), f"{job_page}/resume", {"pin": PIN},
                        form_page=job_page)) == on_page
    assert _query(database_url, "SELECT DISTINCT queue_name FROM procrastinate.procrastinate_jobs "
                  "WHERE args->>'job_id' = %s AND status = 'todo'", on_page) == [("batch:staff",)]
    (tmp_path / "pin.txt").write_text(PIN + "\n", encoding="utf-8")
    follower = _pdfsign(tmp_path, database_url, "cli", "issue", "--job", by_cli, "--pin-file",
                        str(tmp_path / "pin.txt"), "--json")
    deadline = time.monotonic() + 60
    while _query(database_url, "SELECT count(*) FROM procrastinate.procrastinate_jobs WHERE "
                 "args->>'job_id' = %s AND status = 'todo'", by_cli) == [(0,)]:
        assert follower.poll() is None, (tmp_path / "cli.log").read_text()
        assert time.monotonic() < deadline, "issue --job did not queue the job again"
        time.sleep(0.2)
    worker = _pdfsign(tmp_path, database_url, "worker", "worker", "--concurrency", "2",
                      "--signer", "staff", "--pin-file", str(tmp_path / "pin.txt"))
    try:
        assert follower.wait(300) == 0, (tmp_path / "cli.log").read_text()
        report = json.loads((tmp_path / "cli.out").read_text())
        assert "30 rows queued again for the workers" in (tmp_path / "cli.log").read_text()
        assert (report["issued"], report["failed"], report["rows"]) == (30, 0, 30)
        page = wait_for_page(issuer, on_page, finished)
        assert (count(page, "issued"), count(page, "failed")) == (60, 0)
        assert 'class="batch-status done"' in page
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(30)

    assert _query(database_url, "SELECT count(*), count(DISTINCT file_id) FROM versions") == [
        (90, 90)]
    takers = {str(w).rsplit(":", 1)[1] for (w,) in _query(
        database_url, "SELECT DISTINCT worker FROM batch_job_rows")}
    assert len(takers) == 2, takers  # --concurrency 2: both forked workers took chunks
    assert str(worker.pid) not in takers  # the parent only watches its children
