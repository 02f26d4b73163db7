"""The version hook on SQLite and PostgreSQL: called in the version's transaction, and the
notifications' outbox, claims, deferrals and links working on both databases."""

from __future__ import annotations

import datetime as dt
import socket
from typing import Any

import pytest
from registry_samples import T0, certificate, producer
from sqlalchemy import select

from pdfsign.accounts import Role, add_user
from pdfsign.config import Settings
from pdfsign.notify import (
    LinkInvalidError,
    Notifications,
    deliver_all,
    list_outbox,
    outbox_status,
    redeem,
)
from pdfsign.notify.tables import OutboxRow
from pdfsign.registry import FileInfo, Registry, UnknownFileError, VersionInfo, set_bank

HOUR = dt.timedelta(hours=1)


class Recorder:
    """A hook that records what it was called with and what the session already holds."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, str, int]] = []

    def __call__(self, session: Any, file: FileInfo, version: VersionInfo) -> None:
        from pdfsign.registry.models import Version

        stored = session.get(Version, (file.file_id, version.number))
        assert stored is not None  # the version row is already in this transaction
        self.calls.append((file.file_id, version.number, file.state, file.current_version))


def test_the_hook_sees_each_new_version_inside_its_transaction(registry: Registry) -> None:
    hook, new = Recorder(), certificate()
    registry.issue(new, producer("v1"), actor="a", at=T0, on_version=hook,
                   idempotency_key="k1")
    registry.issue(new, producer("again"), actor="a", at=T0, on_version=hook,
                   idempotency_key="k1")  # the key's earlier version: nothing new, no call
    registry.reissue(new.file_id, producer("v2"), actor="a", at=T0 + HOUR, on_version=hook)
    registry.transfer(new.file_id, bank_code="0001", branch_code="002", actor="a",
                      at=T0 + 2 * HOUR)  # no new version, no call
    registry.invalidate(new.file_id, "cancelled", producer("n"), actor="a", at=T0 + 3 * HOUR,
                        on_version=hook)
    assert hook.calls == [(new.file_id, 1, "active", 1), (new.file_id, 2, "active", 2),
                          (new.file_id, 3, "invalidated", 3)]


def test_a_failing_hook_undoes_the_version(registry: Registry) -> None:
    new = certificate()

    def fail(*_args: Any) -> None:
        raise RuntimeError("outbox unavailable")

    with pytest.raises(RuntimeError):
        registry.issue(new, producer("v1"), actor="a", at=T0, on_version=fail)
    with pytest.raises(UnknownFileError):
        registry.file(new.file_id)
    registry.issue(new, producer("v1"), actor="a", at=T0)
    with pytest.raises(RuntimeError):
        registry.reissue(new.file_id, producer("v2"), actor="a", at=T0 + HOUR, on_version=fail)
    assert registry.file(new.file_id).current_version == 1


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_outbox_claims_and_links_on_each_database(registry: Registry,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A head-office and a branch user of bank 0001 (distribution mode); no SMTP server
    listens, so the sender claims, fails to connect and defers every row."""
    monkeypatch.setattr("pdfsign.accounts.users.hash_password", lambda _password: "x")
    set_bank(registry, code="0001", name="第一テスト銀行", start=dt.date(2026, 1, 1),
             mode="distribution", actor="t", at=T0)
    for user_id, role in (("14000100001", Role.BANK_HEAD), ("14000100101", Role.BANK_BRANCH)):
        add_user(registry, user_id, role=role, name=user_id, email=f"{user_id}@bank.example",
                 actor="t", at=T0)
    notify = Notifications()
    for n in (1, 2):
        registry.issue(certificate(n), producer(f"c{n}"), actor="a", at=T0,
                       on_version=notify.on_version)
    rows = list_outbox(registry)
    assert [r.user_id for r in rows] == ["14000100001", "14000100101"] * 2

    settings = Settings.load(home=registry.blobs.root.parent, env={},
                             smtp_url=f"smtp://127.0.0.1:{_closed_port()}",
                             mail_from="x@hosho.example")
    report = deliver_all(registry, settings, clock=lambda: T0 + HOUR)
    assert (report.claimed, report.sent) == (4, 0)
    assert report.connection_error is not None
    status = outbox_status(registry)
    assert (status.pending, status.sent, status.failed) == (4, 0, 0)
    with registry.reading() as session:
        waiting = session.execute(select(OutboxRow).order_by(OutboxRow.id)).scalars().all()
        tokens = [row.link_token for row in waiting]
        assert {row.next_attempt_at for row in waiting} == {T0 + HOUR + dt.timedelta(seconds=30)}
        assert {row.claimed_by for row in waiting} == {None}

    assert all(tokens)
    assert redeem(registry, str(tokens[0]), at=T0 + HOUR)[0].file_id == certificate(1).file_id
    registry.reissue(certificate(1).file_id, producer("c1 v2"), actor="a", at=T0 + 2 * HOUR)
    with pytest.raises(LinkInvalidError):
        redeem(registry, str(tokens[0]), at=T0 + 2 * HOUR)
