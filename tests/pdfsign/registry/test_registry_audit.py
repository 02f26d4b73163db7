"""The audit chain detects an edited, deleted or truncated row."""

from __future__ import annotations

import datetime as dt

from registry_samples import T0, certificate, producer
from sqlalchemy import delete, func, select, update

from pdfsign.registry import Registry
from pdfsign.registry.audit import entry_hash
from pdfsign.registry.models import AuditHead, AuditRow


def _three_changes(registry: Registry) -> None:
    new = certificate()
    registry.issue(new, producer("v1"), actor="alice", at=T0)
    registry.reissue(new.file_id, producer("v2"), actor="alice", at=T0 + dt.timedelta(hours=1))
    registry.transfer(new.file_id, bank_code="0001", branch_code="002", actor="bob", at=T0)


def test_untouched_chain_verifies(registry: Registry) -> None:
    _three_changes(registry)
    report = registry.verify_audit()
    assert report.ok
    assert (report.entries, report.problems) == (5, ())
    assert len(report.head_hash) == 64


def test_edited_row_is_detected(registry: Registry) -> None:
    _three_changes(registry)
    with registry.writing() as session:
        session.execute(update(AuditRow).where(AuditRow.seq == 3).values(actor="mallory"))
    report = registry.verify_audit()
    assert not report.ok
    assert report.problems == ("seq 3: content does not match its hash (row edited)",)


def test_rehashed_row_breaks_the_next_link(registry: Registry) -> None:
    _three_changes(registry)
    with registry.writing() as session:
        row = session.get(AuditRow, 3)
        assert row is not None
        row.actor = "mallory"
        row.hash = entry_hash(row, row.prev_hash)
    assert registry.verify_audit().problems == (
        "seq 4: prev_hash does not match the previous row",)


def test_deleted_row_is_detected(registry: Registry) -> None:
    _three_changes(registry)
    with registry.writing() as session:
        session.execute(delete(AuditRow).where(AuditRow.seq == 2))
    problems = registry.verify_audit().problems
    assert "seq 3: follows seq 1 (rows deleted)" in problems


def test_deleted_last_row_is_detected(registry: Registry) -> None:
    _three_changes(registry)
    with registry.writing() as session:
        last = session.execute(select(func.max(AuditRow.seq))).scalar_one()
        session.execute(delete(AuditRow).where(AuditRow.seq == last))
    assert registry.verify_audit().problems == (
        "head names seq 5 but the log ends at seq 4 (rows deleted or appended outside the "
        "registry)",)


def test_head_is_kept_in_step(registry: Registry) -> None:
    _three_changes(registry)
    with registry.reading() as session:
        head = session.get(AuditHead, 1)
        last = session.execute(select(AuditRow).order_by(AuditRow.seq.desc()).limit(1)).scalar_one()
        assert head is not None
        assert (head.seq, head.hash) == (last.seq, last.hash)
