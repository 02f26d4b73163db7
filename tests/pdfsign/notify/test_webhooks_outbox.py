"""Webhook events are written in the registry change's own transaction: with it or not at all,
for the webhooks that asked for them and whose active owner may see the file afterwards."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from notify_samples import BRANCH_002, HEAD, OTHER_BANK, T0, FastIssuer, guarantee, make_user
from sqlalchemy import select

from pdfsign import issuing
from pdfsign.accounts import Role
from pdfsign.documents import parse_document
from pdfsign.notify import Notifications
from pdfsign.notify.tables import WebhookDelivery
from pdfsign.notify.webhooks import EVENTS, add_webhook, enqueue_event, webhook_status
from pdfsign.registry import FileInfo, Registry, VersionInfo

FILE_ID = "14_2345002_000000001_2026000001_000"
DAY = dt.timedelta(days=1)


class Boom(Exception):
    """What a later step of the transaction raises."""


def pending(registry: Registry) -> list[tuple[str, str, int, str]]:
    """(event, file ID, version, webhook URL) of each pending delivery, oldest first."""
    return [(e.event, e.file_id, e.version, e.url.rsplit("/", 1)[1])
            for e in reversed(webhook_status(registry).waiting)]


@pytest.fixture
def hooks(registry: Registry, users: dict[str, str]) -> None:
    """Head office 2345 (every event), branch 002 (issued only), bank 3456's head office."""
    for owner, path, events in ((HEAD, "head", EVENTS), (BRANCH_002, "b002", ("issued",)),
                                (OTHER_BANK, "other", EVENTS)):
        add_webhook(registry, owner, f"http://127.0.0.1:9/{path}", events, actor="a", at=T0)


def test_the_event_exists_as_soon_as_the_version_does(
        fast_issuer: FastIssuer, registry: Registry, hooks: None) -> None:
    seen: list[int] = []

    def after(session: Any, file: FileInfo, version: VersionInfo) -> None:
        Notifications().on_version(session, file, version)
        seen.extend(session.execute(select(WebhookDelivery.version).where(
            WebhookDelivery.file_id == file.file_id)).scalars())

    registry.issue(issuing.new_file_for(parse_document(guarantee(1))),
                   lambda _count: b"%PDF-1.7\n", actor="staff-1", at=T0, on_version=after)
    assert seen == [1, 1]  # head office and branch 002, inside the version's transaction
    assert pending(registry) == [("issued", FILE_ID, 1, "head"), ("issued", FILE_ID, 1, "b002")]


def test_a_failing_version_write_leaves_no_event(
        fast_issuer: FastIssuer, registry: Registry, hooks: None) -> None:
    def failing(session: Any, file: FileInfo, version: VersionInfo) -> None:
        Notifications().on_version(session, file, version)
        raise Boom  # the version's transaction fails after the events were written

    new = issuing.new_file_for(parse_document(guarantee(1)))
    with pytest.raises(Boom):
        registry.issue(new, lambda _count: b"%PDF-1.7\n", actor="staff-1", at=T0,
                       on_version=failing)
    assert pending(registry) == []
    assert registry.current_versions() == []


def test_a_failing_transfer_leaves_no_event(
        fast_issuer: FastIssuer, registry: Registry, hooks: None) -> None:
    issuing.issue(fast_issuer, guarantee(1), at=T0)

    def failing(*args: Any) -> None:
        enqueue_event(*args)
        raise Boom

    with pytest.raises(Boom):
        registry.transfer(FILE_ID, bank_code="3456", branch_code="001", actor="staff-1",
                          at=T0 + DAY, on_change=failing)
    assert registry.file(FILE_ID).bank_code == "2345"
    assert [p[3] for p in pending(registry)] == ["head", "b002"]  # the issue's only


def test_a_transfer_tells_the_new_bank_and_not_the_old_one(
        fast_issuer: FastIssuer, registry: Registry, hooks: None) -> None:
    issuing.issue(fast_issuer, guarantee(1), at=T0)
    issuing.transfer(registry, FILE_ID, bank_code="3456", branch_code="001", actor="staff-1",
                     at=T0 + DAY)
    issuing.reissue(fast_issuer, guarantee(1), file_id=FILE_ID, at=T0 + 2 * DAY)

    assert pending(registry)[2:] == [("transferred", FILE_ID, 1, "other"),
                                     ("reissued", FILE_ID, 2, "other")]


def test_a_renewal_is_an_event_of_its_own_transaction(
        fast_issuer: FastIssuer, registry: Registry, hooks: None) -> None:
    issuing.issue(fast_issuer, guarantee(1), at=T0)
    renewal = registry.renew(FILE_ID, lambda _v, pdf: pdf + b"% renewed\n", reason="requested",
                             actor="staff-1", at=T0 + DAY, on_change=enqueue_event)

    [event] = [e for e in webhook_status(registry).waiting if e.event == "renewed"]
    assert (event.file_id, event.version, event.url.endswith("/head")) == (FILE_ID, 1, True)
    with registry.reading() as session:
        body = session.execute(select(WebhookDelivery.body).where(
            WebhookDelivery.event == "renewed")).scalar_one()
    assert renewal.new_sha256 in body


def test_staff_hear_of_every_file_and_inactive_or_locked_owners_of_none(
        fast_issuer: FastIssuer, registry: Registry, users: dict[str, str]) -> None:
    make_user(registry, "auditor-1", role=Role.AUDITOR, name="監査", email_address=None)
    make_user(registry, "auditor-2", role=Role.AUDITOR, name="監査", email_address=None,
              active=False)
    for owner in ("staff-1", "auditor-1", "auditor-2", "14234500203", "14234500204"):
        add_webhook(registry, owner, f"http://127.0.0.1:9/{owner}", EVENTS, actor="a", at=T0)
    issuing.issue(fast_issuer, guarantee(1), at=T0)
    issuing.issue(fast_issuer, guarantee(2, branch="003"), at=T0)

    assert sorted(p[3] for p in pending(registry)) == ["auditor-1", "auditor-1", "staff-1",
                                                       "staff-1"]


def test_an_event_no_webhook_asked_for_writes_nothing(
        fast_issuer: FastIssuer, registry: Registry, users: dict[str, str]) -> None:
    add_webhook(registry, HEAD, "http://127.0.0.1:9/h", ("renewed",), actor="a", at=T0)
    issuing.issue(fast_issuer, guarantee(1), at=T0)
    issuing.reissue(fast_issuer, guarantee(1), at=T0 + DAY)
    issuing.invalidate(fast_issuer, FILE_ID, reason="cancelled", at=T0 + 2 * DAY)

    assert pending(registry) == []
