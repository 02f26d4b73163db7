"""Delivery never loses a notification and sends each once, except a resend after a crash,
which carries the same Message-ID; permanent refusals are reported, not retried forever.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from notify_samples import BRANCH_002, HEAD, T0, FastIssuer, SmtpServer, guarantee

from pdfsign import issuing
from pdfsign.cli._root import root
from pdfsign.config import Settings
from pdfsign.notify import (
    LEASE,
    RETRY_FOR,
    DeliveryReport,
    backoff,
    deliver_all,
    list_outbox,
    outbox_status,
    requeue_failed,
)
from pdfsign.registry import Registry

T1 = T0 + dt.timedelta(minutes=5)


def send(registry: Registry, settings: Settings, moment: dt.datetime) -> DeliveryReport:
    """One sender run (``mail send --once``) whose clock reads ``moment``."""
    return deliver_all(registry, settings, clock=lambda: moment)


def issue_many(issuer: FastIssuer, files: int) -> None:
    for n in range(1, files + 1):
        issuing.issue(issuer, guarantee(n), at=T0)


def outbox_ids(registry: Registry) -> set[str]:
    return {e.message_id for e in list_outbox(registry)}


def test_backoff_doubles_from_30_seconds_up_to_an_hour() -> None:
    assert [backoff(n).total_seconds() for n in range(1, 10)] == [
        30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_an_smtp_outage_in_the_middle_of_100_loses_and_repeats_nothing(
        fast_issuer: FastIssuer, registry: Registry, settings: Settings, smtp: SmtpServer,
        users: dict[str, str]) -> None:
    issue_many(fast_issuer, 50)  # 50 certificates × (head office, branch 002)
    assert outbox_status(registry).pending == 100
    smtp.handler.down_after = 40  # then 421 "shutting down", and it stops

    first = send(registry, settings, T1)
    smtp.stop()
    assert first.sent == 40
    assert first.connection_error is not None
    assert "421" in first.connection_error

    during = send(registry, settings, T1 + dt.timedelta(hours=1))
    assert (during.sent, during.claimed) == (0, 10)  # one batch tried: connection refused
    assert during.connection_error is not None
    status = outbox_status(registry)
    assert (status.pending, status.sent, status.failed) == (60, 40, 0)
    assert status.retrying  # listed with the reason they wait

    smtp.handler.went_down.clear()
    smtp.handler.down_after = None
    smtp.start()
    soon = send(registry, settings, T1 + dt.timedelta(hours=1, seconds=1))
    assert soon.claimed == 0  # backing off: nothing is due yet
    after = send(registry, settings, T1 + dt.timedelta(hours=3))
    assert (after.sent, after.connection_error) == (60, None)

    received = Counter(m.message_id for m in smtp.received)
    assert len(received) == 100
    assert set(received.values()) == {1}  # each arrived exactly once
    assert set(received) == outbox_ids(registry)
    assert outbox_status(registry).sent == 100


def test_a_sender_killed_before_marking_sent_resends_with_the_same_message_id(
        fast_issuer: FastIssuer, registry: Registry, settings: Settings, smtp: SmtpServer,
        users: dict[str, str], tmp_path: Path) -> None:
    """The server holds its answer to the first DATA until the sender is SIGKILLed: the
    message arrived, the sender never learnt it.  Nothing is lost; the resend is recognisable."""
    issue_many(fast_issuer, 3)
    smtp.handler.hold = True
    env = {**os.environ, "PDFSIGN_HOME": str(settings.home), "PDFSIGN_SMTP_URL": smtp.url,
           "PDFSIGN_MAIL_FROM": settings.mail_from,
           "PDFSIGN_MAIL_REPLY_TO": settings.mail_reply_to}
    log = (tmp_path / "sender.log").open("wb")
    sender = subprocess.Popen([str(Path(sys.executable).parent / "pdfsign"), "mail", "send",
                               "--once"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        assert smtp.handler.holding.wait(60), (tmp_path / "sender.log").read_text()
        started = dt.datetime.now(dt.UTC)  # the killed sender's lease runs from about now
        os.kill(sender.pid, signal.SIGKILL)
    finally:
        sender.wait(30)
        log.close()
    assert sender.returncode == -signal.SIGKILL
    smtp.handler.hold = False
    smtp.handler.release.set()
    (held,) = smtp.received
    assert outbox_status(registry).pending == 6  # not marked: the sender died first

    early = send(registry, settings, started + dt.timedelta(minutes=1))
    assert early.claimed == 0  # the dead sender's lease still holds its rows: no double send
    late = send(registry, settings, started + LEASE + dt.timedelta(minutes=1))
    assert late.sent == 6

    received = Counter(m.message_id for m in smtp.received)
    assert set(received) == outbox_ids(registry)  # no loss
    assert received[held.message_id] == 2  # the resend ...
    assert [m.raw for m in smtp.received if m.message_id == held.message_id] == [held.raw] * 2
    assert sum(received.values()) == 7  # ... is the only duplicate
    assert outbox_status(registry).sent == 6


def test_two_senders_at_once_never_send_the_same_row(
        fast_issuer: FastIssuer, registry: Registry, settings: Settings, smtp: SmtpServer,
        users: dict[str, str]) -> None:
    issue_many(fast_issuer, 1)
    smtp.handler.hold = True
    first = threading.Thread(target=send, args=(registry, settings, T1))
    first.start()
    assert smtp.handler.holding.wait(30)
    second = send(registry, settings, T1)
    assert second.claimed == 0  # both rows are leased by the first
    smtp.handler.release.set()
    first.join(30)
    assert Counter(m.message_id for m in smtp.received) == Counter(
        {message_id: 1 for message_id in outbox_ids(registry)})


def test_a_refused_recipient_is_reported_failed_not_retried(
        fast_issuer: FastIssuer, registry: Registry, settings: Settings, smtp: SmtpServer,
        users: dict[str, str]) -> None:
    smtp.handler.refuse = {users[BRANCH_002]}
    issue_many(fast_issuer, 1)
    report = send(registry, settings, T1)
    assert (report.sent, report.failed) == (1, 1)
    assert [m.recipients for m in smtp.received] == [(users[HEAD],)]
    again = send(registry, settings, T1 + RETRY_FOR)
    assert again.claimed == 0

    result = CliRunner().invoke(root, ["mail", "status", "--json"],
                                env={"PDFSIGN_HOME": str(settings.home)})
    assert result.exit_code == 0, result.output
    status = json.loads(result.output)
    assert (status["pending"], status["sent"], status["failed"]) == (0, 1, 1)
    (failure,) = status["failures"]
    assert failure["recipient"] == users[BRANCH_002]
    assert failure["last_error"].startswith(f"recipient {users[BRANCH_002]} refused: 550")
    text = CliRunner().invoke(root, ["mail", "status"], env={"PDFSIGN_HOME": str(settings.home)})
    assert "failed 1" in text.output
    assert "550 5.1.1 mailbox unavailable" in text.output

    smtp.handler.refuse = set()  # the bank fixed the mailbox; the administrator requeues
    assert requeue_failed(registry, actor="admin", at=T1 + RETRY_FOR) == 1
    assert send(registry, settings, T1 + RETRY_FOR).sent == 1
    assert sorted(m.recipients[0] for m in smtp.received) == sorted(
        [users[HEAD], users[BRANCH_002]])


def test_a_temporary_refusal_backs_off_then_gives_up_after_three_days(
        fast_issuer: FastIssuer, registry: Registry, settings: Settings, smtp: SmtpServer,
        users: dict[str, str]) -> None:
    smtp.handler.defer = {users[BRANCH_002]}
    issue_many(fast_issuer, 1)
    send(registry, settings, T1)
    (waiting,) = list_outbox(registry, status="pending")
    assert (waiting.attempts, waiting.next_attempt_at) == (1, T1 + dt.timedelta(seconds=30))
    assert waiting.last_error is not None
    assert "451" in waiting.last_error
    send(registry, settings, T1 + dt.timedelta(seconds=30))
    (waiting,) = list_outbox(registry, status="pending")
    assert (waiting.attempts, waiting.next_attempt_at) == (2, T1 + dt.timedelta(seconds=90))
    send(registry, settings, T0 + RETRY_FOR)
    (failed,) = list_outbox(registry, status="failed")
    assert failed.last_error is not None
    assert failed.last_error.startswith("gave up after 3 attempts: ")


def test_the_smtp_password_never_shows(
        fast_issuer: FastIssuer, registry: Registry, settings: Settings, smtp: SmtpServer,
        users: dict[str, str], caplog: pytest.LogCaptureFixture) -> None:
    """The test server offers no AUTH: signing in fails, and every trace of it is masked."""
    secret = "Pa55w0rd-do-not-print"
    with_password = Settings.load(home=settings.home, env={}, mail_from=settings.mail_from,
                                  smtp_url=f"smtp://relay:{secret}@127.0.0.1:{smtp.port}")
    issue_many(fast_issuer, 1)
    with caplog.at_level(logging.DEBUG):
        report = send(registry, with_password, T1)
    assert report.sent == 0
    assert report.connection_error is not None
    assert report.connection_error.startswith(f"smtp://relay:***@127.0.0.1:{smtp.port}: ")
    assert secret not in report.connection_error
    assert secret not in caplog.text
    assert secret not in json.dumps(outbox_status(registry).to_json())
