"""Who is told, and that the telling commits or rolls back with the version it announces."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from notify_samples import (
    BRANCH_002,
    BRANCH_003,
    HEAD,
    OTHER_BANK,
    T0,
    FastIssuer,
    guarantee,
    sample,
)
from sqlalchemy import select

from pdfsign import issuing
from pdfsign.config import Settings
from pdfsign.documents import parse_document
from pdfsign.errors import InputError
from pdfsign.issuing import Issuer
from pdfsign.notify import Notifications, enqueue_for_version, list_outbox
from pdfsign.notify.tables import OutboxRow
from pdfsign.registry import FileInfo, NewFile, Registry, UnknownFileError, VersionInfo
from pdfsign.registry.models import AuditRow
from pdfsign.signing import load_signer

ROOT = Path(__file__).resolve().parents[3]


def recipients(registry: Registry, file_id: str) -> list[str]:
    return [e.user_id for e in list_outbox(registry, file_id=file_id)]


@pytest.mark.parametrize(("bank", "branch", "told"), [
    ("2345", "002", [HEAD, BRANCH_002]),
    ("2345", "003", [HEAD, BRANCH_003]),
    ("2345", "009", [HEAD]),  # a branch with no user of its own: head office still hears
    ("3456", "002", [OTHER_BANK]),
])
def test_head_office_sees_every_branch_a_branch_only_its_own(
        bank: str, branch: str, told: list[str], fast_issuer: FastIssuer, registry: Registry,
        users: dict[str, str]) -> None:
    data = guarantee(1, branch=branch)
    data["bank"] = {"name": "あおば銀行" if bank == "3456" else "みらい銀行", "code": bank}
    version = issuing.issue(fast_issuer, data, at=T0)
    assert recipients(registry, version.file_id) == told


def test_notify_off_inactive_locked_no_email_and_staff_get_nothing(
        fast_issuer: FastIssuer, registry: Registry, users: dict[str, str]) -> None:
    """Users 14234500202–205 are all in branch 002, and each lacks one condition."""
    version = issuing.issue(fast_issuer, guarantee(1), at=T0)
    rows = list_outbox(registry, file_id=version.file_id)
    assert [(r.user_id, r.recipient) for r in rows] == [
        (HEAD, users[HEAD]), (BRANCH_002, users[BRANCH_002])]


def test_one_row_per_recipient_per_version_with_its_own_message_id(
        fast_issuer: FastIssuer, registry: Registry, users: dict[str, str]) -> None:
    first = issuing.issue(fast_issuer, guarantee(1), at=T0)
    issuing.reissue(fast_issuer, guarantee(1), at=T0 + dt.timedelta(minutes=1))
    issuing.invalidate(fast_issuer, first.file_id, reason="cancelled",
                       at=T0 + dt.timedelta(minutes=2))
    rows = list_outbox(registry, file_id=first.file_id)
    assert [(r.version, r.user_id) for r in rows] == [
        (1, HEAD), (1, BRANCH_002), (2, HEAD), (2, BRANCH_002), (3, HEAD), (3, BRANCH_002)]
    assert len({r.message_id for r in rows}) == 6
    assert all(r.status == "pending" and r.attempts == 0 for r in rows)
    with registry.reading() as session:
        notes = session.execute(select(AuditRow.file_id, AuditRow.version)
                                .where(AuditRow.action == "notify").order_by(AuditRow.seq)).all()
    assert [tuple(n) for n in notes] == [(first.file_id, v) for v in (1, 2, 3)]


@pytest.mark.parametrize("name", ["invoice-seed", "delegation"])
def test_invoices_and_delegation_letters_tell_nobody(
        name: str, fast_issuer: FastIssuer, registry: Registry, users: dict[str, str]) -> None:
    issuing.issue(fast_issuer, sample(name), at=T0)
    assert list_outbox(registry) == []


def test_a_test_slip_reissued_is_announced_again(
        fast_issuer: FastIssuer, registry: Registry, users: dict[str, str]) -> None:
    issuing.issue(fast_issuer, sample("test-slip"), at=T0)
    issuing.reissue(fast_issuer, sample("test-slip"), at=T0 + dt.timedelta(days=1))
    rows = list_outbox(registry, file_id="TS_14_2345002")
    assert [(r.version, r.subject[-17:]) for r in rows] == [
        (1, "(4_TS_14_2345002)"), (1, "(4_TS_14_2345002)"),
        (2, "(4_TS_14_2345002)"), (2, "(4_TS_14_2345002)")]


def _failing_hook(session: Any, file: FileInfo, version: VersionInfo) -> None:
    enqueue_for_version(session, file, version)
    raise RuntimeError("the database went away while writing the outbox")


def test_a_failure_while_writing_the_outbox_rolls_the_version_back(
        registry: Registry, users: dict[str, str]) -> None:
    """Same transaction: no version without its notifications."""
    data = guarantee(1)
    new = issuing.new_file_for(parse_document(data))
    with pytest.raises(RuntimeError, match="went away"):
        registry.issue(new, lambda _count: b"%PDF-1.7\n", actor="staff-1", at=T0,
                       meta={"data": data}, on_version=_failing_hook)
    with pytest.raises(UnknownFileError):
        registry.file(new.file_id)
    assert list_outbox(registry) == []


def test_a_failed_signing_writes_no_notification(
        registry: Registry, users: dict[str, str]) -> None:
    """And no notifications without their version."""
    new = NewFile("14_2345002_000000001_2026000001_000", "guarantee", association_code="14",
                  bank_code="2345", branch_code="002")

    def refuse(_count: int) -> bytes:
        raise InputError("the signer refused")

    with pytest.raises(InputError):
        registry.issue(new, refuse, actor="staff-1", at=T0,
                       on_version=Notifications().on_version)
    assert list_outbox(registry) == []


def test_an_issuer_without_notifications_writes_none(
        fast_issuer: FastIssuer, registry: Registry, users: dict[str, str]) -> None:
    quiet = FastIssuer(registry, None, None, "staff-1", None)  # type: ignore[arg-type]
    issuing.issue(quiet, guarantee(1), at=T0)
    assert list_outbox(registry) == []


def test_issuer_open_writes_notifications_with_the_settings(
        settings: Settings, registry: Registry) -> None:
    """What ``pdfsign issue`` and the batch workers build."""
    opened = Issuer.open(Settings.load(home=settings.home, env={}, pin="TestPin2026",
                                       mail_from="a@hosho.example", link_days="3"))
    try:
        assert opened.notify == Notifications(link_days=3, domain="hosho.example")
        assert opened.on_version is not None
    finally:
        opened.registry.db.dispose()
    plain = Issuer(registry, load_signer(ROOT / "fixtures/pki/signers/staff.p12", "TestPin2026"),
                   opened.services, "x")
    assert plain.notify == Notifications()  # the web UI's Issuer(...) notifies too


def test_rows_are_written_inside_the_versions_transaction(
        fast_issuer: FastIssuer, registry: Registry, users: dict[str, str]) -> None:
    """The hook runs before the commit: the rows are there the moment the version is."""
    seen: list[int] = []

    def hook(session: Any, file: FileInfo, version: VersionInfo) -> None:
        enqueue_for_version(session, file, version)
        seen.append(len(session.execute(select(OutboxRow)).scalars().all()))

    data = guarantee(1)
    new = issuing.new_file_for(parse_document(data))
    registry.issue(new, lambda _count: b"%PDF-1.7\n", actor="staff-1", at=T0,
                   meta={"data": data}, on_version=hook)
    assert seen == [2]
    assert len(list_outbox(registry)) == 2
