"""Webhook deliveries to a real HTTP receiver on 127.0.0.1: signed with the secret, retried with
backoff under the test's clock, given up on a 4xx, and sent only to who may see the file.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
from collections.abc import Iterator

import pytest
from notify_samples import BRANCH_002, BRANCH_003, HEAD, OTHER_BANK, T0, FastIssuer, guarantee
from webhook_receiver import Receiver

from pdfsign import issuing
from pdfsign.accounts import lock
from pdfsign.notify.delivery import RETRY_FOR, DeliveryReport
from pdfsign.notify.webhooks import (
    EVENTS,
    HttpTransport,
    add_webhook,
    deliver_webhooks,
    remove_webhook,
    webhook_status,
)
from pdfsign.registry import Registry

T1 = T0 + dt.timedelta(minutes=5)
FILE_ID = "14_2345002_000000001_2026000001_000"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()


def send(registry: Registry, moment: dt.datetime, *,
         transport: HttpTransport | None = None) -> DeliveryReport:
    """One ``webhook send --once`` whose clock reads ``moment``."""
    return deliver_webhooks(registry, clock=lambda: moment, transport=transport)


def hook(registry: Registry, owner: str, url: str, events: tuple[str, ...] = EVENTS) -> str:
    """Register a webhook; its secret."""
    return add_webhook(registry, owner, url, events, actor="admin", at=T0)[1]


def refused_url() -> str:
    """A loopback URL where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


def test_a_delivery_is_signed_with_the_secret_and_says_what_happened(
        fast_issuer: FastIssuer, registry: Registry, users: dict[str, str],
        receiver: Receiver) -> None:
    secret = hook(registry, HEAD, receiver.url())
    issuing.issue(fast_issuer, guarantee(1), at=T0)

    report = send(registry, T1)

    assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
    [got] = receiver.received()
    assert got.signature_valid(secret)
    assert not got.signature_valid(hook(registry, HEAD, receiver.url("/other")))
    assert got.signed_at == int(T1.timestamp())
    assert got.headers["X-Pdfsign-Event"] == "issued"
    assert got.headers["X-Pdfsign-Delivery"].startswith("dlv_")
    assert got.headers["Content-Type"] == "application/json"
    body = json.loads(got.body)
    assert body["type"] == "issued"
    assert body["id"].startswith("evt_")
    assert (body["file_id"], body["version"], body["issue_count"]) == (FILE_ID, 1, 1)
    assert (body["bank_code"], body["branch_code"], body["kind"]) == ("2345", "002", "guarantee")
    assert body["occurred_at"] == T0.isoformat()
    assert "customer_name" not in body
    assert "pdf" not in body
    status = webhook_status(registry)
    assert (status.pending, status.delivered, status.failed) == (0, 1, 0)
    assert send(registry, T1 + dt.timedelta(days=1)).claimed == 0  # delivered once only


def test_a_500_is_retried_with_backoff_under_the_same_delivery_id(
        fast_issuer: FastIssuer, registry: Registry, users: dict[str, str],
        receiver: Receiver) -> None:
    secret = hook(registry, HEAD, receiver.url())
    receiver.answer("/hook", 500, 500, 200)
    issuing.issue(fast_issuer, guarantee(1), at=T0)

    assert send(registry, T1).retrying == 1
    [waiting] = webhook_status(registry).waiting
    assert (waiting.attempts, waiting.next_attempt_at) == (1, T1 + dt.timedelta(seconds=30))
    assert "HTTP 500" in (waiting.last_error or "")
    assert send(registry, T1 + dt.timedelta(seconds=29)).claimed == 0  # not due yet
    assert send(registry, T1 + dt.timedelta(seconds=30)).retrying == 1  # 500 again: 1 min
    assert send(registry, T1 + dt.timedelta(seconds=89)).claimed == 0
    assert send(registry, T1 + dt.timedelta(seconds=90)).sent == 1

    got = receiver.received()
    assert [r.signed_at - int(T1.timestamp()) for r in got] == [0, 30, 90]
    assert len({r.headers["X-Pdfsign-Delivery"] for r in got}) == 1
    assert len({r.body for r in got}) == 1
    assert all(r.signature_valid(secret) for r in got)
    status = webhook_status(registry)
    assert (status.pending, status.delivered, status.waiting) == (0, 1, ())


@pytest.mark.parametrize("answer", [400, 404, 410])
def test_a_4xx_fails_for_good(fast_issuer: FastIssuer, registry: Registry,
                              users: dict[str, str], receiver: Receiver, answer: int) -> None:
    hook(registry, HEAD, receiver.url())
    receiver.answer("/hook", answer)
    issuing.issue(fast_issuer, guarantee(1), at=T0)

    assert send(registry, T1).failed == 1
    assert send(registry, T1 + dt.timedelta(days=1)).claimed == 0
    assert len(receiver.received()) == 1
    status = webhook_status(registry)
    assert (status.pending, status.failed) == (0, 1)
    assert f"HTTP {answer}" in (status.failures[0].last_error or "")


@pytest.mark.parametrize("answer", [302, 408, 429, 503])
def test_other_answers_are_retried_and_redirects_not_followed(
        fast_issuer: FastIssuer, registry: Registry, users: dict[str, str],
        receiver: Receiver, answer: int) -> None:
    hook(registry, HEAD, receiver.url())
    receiver.answer("/hook", answer, 200)
    issuing.issue(fast_issuer, guarantee(1), at=T0)

    assert send(registry, T1).retrying == 1
    assert send(registry, T1 + dt.timedelta(seconds=30)).sent == 1
    assert [r.path for r in receiver.received()] == ["/hook", "/hook"]  # never /elsewhere


def test_a_slow_receiver_times_out_and_is_tried_again(
        fast_issuer: FastIssuer, registry: Registry, users: dict[str, str],
        receiver: Receiver) -> None:
    hook(registry, HEAD, receiver.url())
    receiver.delay("/hook", 1.0)
    issuing.issue(fast_issuer, guarantee(1), at=T0)

    with HttpTransport(timeout=(1.0, 0.2)) as impatient:
        assert send(registry, T1, transport=impatient).retrying == 1
    assert "Timeout" in (webhook_status(registry).waiting[0].last_error or "")


def test_temporary_failures_are_given_up_after_three_days(
        fast_issuer: FastIssuer, registry: Registry, users: dict[str, str]) -> None:
    hook(registry, HEAD, refused_url())
    issuing.issue(fast_issuer, guarantee(1), at=T0)

    assert send(registry, T0 + RETRY_FOR - dt.timedelta(seconds=1)).retrying == 1
    assert send(registry, T0 + RETRY_FOR + dt.timedelta(hours=1)).failed == 1
    assert "gave up after 2 attempts" in (webhook_status(registry).failures[0].last_error or "")


def test_one_receiver_down_holds_up_no_other(
        fast_issuer: FastIssuer, registry: Registry, users: dict[str, str],
        receiver: Receiver) -> None:
    hook(registry, HEAD, refused_url())
    hook(registry, BRANCH_002, receiver.url())
    issuing.issue(fast_issuer, guarantee(1), at=T0)

    report = send(registry, T1)

    assert (report.sent, report.retrying) == (1, 1)
    assert len(receiver.received()) == 1
    assert "ConnectionError" in (webhook_status(registry).waiting[0].last_error or "")


def test_a_locked_owner_or_a_removed_webhook_gets_what_is_pending_never(
        fast_issuer: FastIssuer, registry: Registry, users: dict[str, str],
        receiver: Receiver) -> None:
    hook(registry, HEAD, receiver.url("/head"))
    hook(registry, BRANCH_002, receiver.url("/branch"))
    issuing.issue(fast_issuer, guarantee(1), at=T0)
    lock(registry, HEAD, actor="admin", at=T0)
    remove_webhook(registry, 2, actor="admin", at=T0)

    assert send(registry, T1).failed == 1  # the removed one failed when it was removed
    assert receiver.received() == []
    reasons = sorted(e.last_error or "" for e in webhook_status(registry).failures)
    assert reasons == ["the webhook was removed", "the webhook's owner is deactivated or locked"]


def test_each_receiver_hears_what_it_asked_for_of_what_it_may_see(
        fast_issuer: FastIssuer, registry: Registry, users: dict[str, str],
        receiver: Receiver) -> None:
    hook(registry, HEAD, receiver.url("/head"))
    hook(registry, BRANCH_002, receiver.url("/b002"))
    hook(registry, BRANCH_003, receiver.url("/b003"))
    hook(registry, OTHER_BANK, receiver.url("/other"))
    hook(registry, "staff-1", receiver.url("/staff"), ("invalidated", "transferred"))
    day = dt.timedelta(days=1)
    issuing.issue(fast_issuer, guarantee(1), at=T0)
    issuing.reissue(fast_issuer, guarantee(1), at=T0 + day)
    issuing.transfer(registry, FILE_ID, bank_code="3456", branch_code="001", actor="staff-1",
                     at=T0 + 2 * day)
    issuing.reissue(fast_issuer, guarantee(1), file_id=FILE_ID, at=T0 + 3 * day)
    issuing.invalidate(fast_issuer, FILE_ID, reason="cancelled", at=T0 + 4 * day)

    assert send(registry, T0 + 5 * day).sent == 9

    def heard(path: str) -> list[tuple[str, int]]:
        return [(json.loads(r.body)["type"], json.loads(r.body)["version"])
                for r in receiver.received(path)]

    assert heard("/head") == heard("/b002") == [("issued", 1), ("reissued", 2)]
    assert heard("/b003") == []  # another branch's file
    assert heard("/other") == [("transferred", 2), ("reissued", 3), ("invalidated", 4)]
    assert heard("/staff") == [("transferred", 2), ("invalidated", 4)]
    [moved] = receiver.received("/other")[:1]
    assert (json.loads(moved.body)["bank_code"], json.loads(moved.body)["branch_code"]) == (
        "3456", "001")
