"""Real issuing (signed PDFs, the embedded TSA), a batch, and the sender as a loop: the
notifications come with every path that makes a version."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from notify_samples import BRANCH_002, HEAD, SmtpServer, guarantee, sample

from pdfsign import issuing
from pdfsign.batch import BatchRow, run_batch
from pdfsign.cli._home import now
from pdfsign.config import Settings
from pdfsign.issuing import Issuer
from pdfsign.notify import list_outbox, outbox_status, run_sender
from pdfsign.registry import Registry


@pytest.fixture
def signing(settings: Settings) -> Settings:
    """``settings`` with the test PKI's PIN, for real signing."""
    return dataclasses.replace(settings, pin="TestPin2026")


def wait_for(condition: object, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_signed_issue_and_a_batch_notify_like_the_rest(
        signing: Settings, registry: Registry, users: dict[str, str], smtp: SmtpServer) -> None:
    issuer = Issuer.open(signing)
    try:
        version = issuing.issue(issuer, guarantee(1), at=now())
    finally:
        issuer.registry.db.dispose()
    assert [e.user_id for e in list_outbox(registry, file_id=version.file_id)] == [
        HEAD, BRANCH_002]

    rows = [BatchRow(1, guarantee(2), "k2"), BatchRow(2, sample("test-slip"), "k3")]
    summary = run_batch(signing, rows, workers=1, clock=now)
    assert [r.status for r in summary.results] == ["issued", "issued"], summary.results
    assert sorted({e.file_id for e in list_outbox(registry)}) == sorted(
        [version.file_id, "14_2345002_000000002_2026000002_000", "TS_14_2345002"])
    assert outbox_status(registry).pending == 6
    again = run_batch(signing, rows, workers=1, clock=now)  # idempotent: nothing new, no mail
    assert [r.status for r in again.results] == ["skipped", "skipped"]
    assert outbox_status(registry).pending == 6


def test_the_sender_thread_delivers_until_stopped(
        registry: Registry, settings: Settings, users: dict[str, str], smtp: SmtpServer,
        fast_issuer: issuing.Issuer) -> None:
    """What ``pdfsign web serve`` runs beside the web server."""
    stop = threading.Event()
    worker = threading.Thread(target=run_sender, args=(registry, settings, stop),
                              kwargs={"poll": 0.05})
    worker.start()
    try:
        issuing.issue(fast_issuer, guarantee(1), at=now())
        wait_for(lambda: len(smtp.received) == 2)
        issuing.issue(fast_issuer, guarantee(2), at=now())
        wait_for(lambda: len(smtp.received) == 4)
    finally:
        stop.set()
        worker.join(30)
    assert not worker.is_alive()
    assert outbox_status(registry).sent == 4


def test_mail_send_loops_until_terminated(
        registry: Registry, settings: Settings, users: dict[str, str], smtp: SmtpServer,
        fast_issuer: issuing.Issuer, tmp_path: Path) -> None:
    issuing.issue(fast_issuer, guarantee(1), at=now() - dt.timedelta(seconds=1))
    env = {**os.environ, "PDFSIGN_HOME": str(settings.home), "PDFSIGN_SMTP_URL": smtp.url,
           "PDFSIGN_MAIL_FROM": settings.mail_from}
    log = tmp_path / "send.log"
    with log.open("wb") as out:
        sender = subprocess.Popen([str(Path(sys.executable).parent / "pdfsign"), "mail", "send",
                                   "--interval", "0.1"], env=env, stdout=out,
                                  stderr=subprocess.STDOUT)
        try:
            wait_for(lambda: len(smtp.received) == 2)
            issuing.issue(fast_issuer, guarantee(2), at=now())
            wait_for(lambda: len(smtp.received) == 4)
        finally:
            sender.send_signal(signal.SIGTERM)
            sender.wait(30)
    assert sender.returncode == 0, log.read_text()
