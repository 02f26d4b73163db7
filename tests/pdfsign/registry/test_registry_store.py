"""The registry store on SQLite and PostgreSQL: issue, re-issue, invalidate, lifecycle, history."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from registry_samples import T0, certificate, fake_pdf, producer

from pdfsign.errors import ConfigurationError, InputError
from pdfsign.registry import (
    AgreementWindowError,
    AlreadyIssuedError,
    FileStateError,
    Registry,
    UnknownBankError,
    UnknownFileError,
    list_banks,
    open_database,
    set_bank,
)

HOUR = dt.timedelta(hours=1)


def test_issue_reissue_reissue_keeps_every_version(registry: Registry) -> None:
    new = certificate()
    registry.issue(new, producer("v1"), actor="alice", at=T0)
    registry.reissue(new.file_id, producer("v2"), actor="alice", at=T0 + HOUR)
    v3 = registry.reissue(new.file_id, producer("v3"), actor="bob", at=T0 + 2 * HOUR)
    history = registry.history(new.file_id)
    assert [(v.number, v.issue_count, v.reason) for v in history] == [
        (1, 1, "issue"), (2, 2, "reissue"), (3, 3, "reissue")]
    assert registry.file(new.file_id).issue_count == 3
    assert registry.version(new.file_id) == v3
    for version in history:
        info, pdf = registry.pdf(new.file_id, version.number)
        assert f"v{version.number} {version.issue_count}".encode() in pdf
        assert info.sha256 == version.sha256


def test_reissue_producer_gets_current_file_and_next_count(registry: Registry) -> None:
    new = certificate()
    registry.issue(new, producer("v1"), actor="a", at=T0)
    seen = []

    def produce(file, count):  # type: ignore[no-untyped-def]
        seen.append((file.file_id, file.issue_count, count))
        return fake_pdf("v2")

    registry.reissue(new.file_id, produce, actor="a", at=T0 + HOUR)
    assert seen == [(new.file_id, 1, 2)]


def test_failed_producer_leaves_previous_version_current(registry: Registry) -> None:
    new = certificate()
    registry.issue(new, producer("v1"), actor="a", at=T0)

    def broken(*_: object) -> bytes:
        raise RuntimeError("signer exploded")

    with pytest.raises(RuntimeError, match="exploded"):
        registry.reissue(new.file_id, broken, actor="a", at=T0 + HOUR)
    assert registry.file(new.file_id).current_version == 1
    assert [v.number for v in registry.history(new.file_id)] == [1]
    assert registry.verify_audit().ok


def test_issue_twice_is_refused(registry: Registry) -> None:
    registry.issue(certificate(), producer("v1"), actor="a", at=T0)
    with pytest.raises(AlreadyIssuedError, match="already issued; use reissue"):
        registry.issue(certificate(), producer("again"), actor="a", at=T0)


def test_idempotency_key_issues_once(registry: Registry) -> None:
    first = registry.issue(certificate(), producer("v1"), actor="a", at=T0, idempotency_key="k1")
    again = registry.issue(certificate(), producer("other"), actor="a", at=T0,
                           idempotency_key="k1")
    assert again == first
    assert registry.find_key("k1") == first
    assert registry.find_key("k2") is None


def test_invalidate_overwrites_with_notice_and_keeps_certificate(registry: Registry) -> None:
    new = certificate()
    cert = registry.issue(new, producer("v1"), actor="a", at=T0)
    notice = registry.invalidate(new.file_id, "cancelled", producer("notice"), actor="a",
                                 at=T0 + HOUR)
    assert notice.content == "invalidation"
    assert notice.meta == {"invalidates_version": 1, "invalidates_sha256": cert.sha256,
                           "reason": "cancelled"}
    info = registry.file(new.file_id)
    assert (info.state, info.shown_kind, info.search_kind) == ("invalidated", "invalidation", 3)
    assert info.delete_due == T0 + HOUR + dt.timedelta(days=60)
    assert registry.pdf(new.file_id, 1)[0] == cert


@pytest.mark.parametrize("operation", ["reissue", "invalidate", "transfer", "repaid"])
def test_invalidated_certificate_refuses_further_changes(registry: Registry,
                                                         operation: str) -> None:
    new = certificate()
    registry.issue(new, producer("v1"), actor="a", at=T0)
    registry.invalidate(new.file_id, "paper-reissue", producer("n"), actor="a", at=T0)
    calls = {
        "reissue": lambda: registry.reissue(new.file_id, producer("x"), actor="a", at=T0),
        "invalidate": lambda: registry.invalidate(new.file_id, "cancelled", producer("x"),
                                                  actor="a", at=T0),
        "transfer": lambda: registry.transfer(new.file_id, bank_code="0001", branch_code="002",
                                              actor="a", at=T0),
        "repaid": lambda: registry.mark_repaid(new.file_id, on=T0.date(), actor="a", at=T0),
    }
    with pytest.raises(FileStateError, match="it is invalidated"):
        calls[operation]()


def test_invalidate_rejects_unknown_reason_and_non_certificates(registry: Registry) -> None:
    slip = certificate(kind="test-slip")
    registry.issue(slip, producer("slip"), actor="a", at=T0)
    with pytest.raises(FileStateError, match="cancelled, paper-reissue"):
        registry.invalidate(slip.file_id, "because", producer("n"), actor="a", at=T0)
    with pytest.raises(FileStateError, match="only certificates are invalidated"):
        registry.invalidate(slip.file_id, "cancelled", producer("n"), actor="a", at=T0)


def test_transfer_moves_access_not_the_file_id(registry: Registry) -> None:
    new = certificate()
    registry.issue(new, producer("v1"), actor="a", at=T0)
    moved = registry.transfer(new.file_id, bank_code="0002", branch_code="105", actor="a",
                              at=T0)
    assert (moved.file_id, moved.bank_code, moved.branch_code) == (new.file_id, "0002", "105")
    with pytest.raises(UnknownBankError, match="no bank '9999'"):
        registry.transfer(new.file_id, bank_code="9999", branch_code="001", actor="a", at=T0)


def test_agreement_window(registry: Registry) -> None:
    early = certificate(1, bank="0002")
    with pytest.raises(AgreementWindowError, match="starts on 2027-01-01"):
        registry.issue(early, producer("v1"), actor="a", at=T0)
    # 2027-01-01 00:00 JST is the first instant allowed; one second before is not.
    start = dt.datetime(2026, 12, 31, 15, 0, tzinfo=dt.UTC)
    with pytest.raises(AgreementWindowError):
        registry.issue(early, producer("v1"), actor="a", at=start - dt.timedelta(seconds=1))
    registry.issue(early, producer("v1"), actor="a", at=start)
    end = dt.datetime(2027, 12, 31, 15, 0, tzinfo=dt.UTC)  # 2028-01-01 00:00 JST
    registry.reissue(early.file_id, producer("v2"), actor="a", at=end - dt.timedelta(seconds=1))
    with pytest.raises(AgreementWindowError, match="ended on 2027-12-31"):
        registry.reissue(early.file_id, producer("v3"), actor="a", at=end)
    # A test slip goes out before go-live.
    registry.issue(certificate(2, bank="0002", kind="test-slip"), producer("s"), actor="a", at=T0)
    with pytest.raises(UnknownBankError):
        registry.issue(certificate(3, bank="0404"), producer("v1"), actor="a", at=T0)


def test_repaid_and_subrogated(registry: Registry) -> None:
    repaid, subrogated = certificate(1), certificate(2)
    registry.issue(repaid, producer("r"), actor="a", at=T0)
    registry.issue(subrogated, producer("s"), actor="a", at=T0)
    info = registry.mark_repaid(repaid.file_id, on=dt.date(2026, 12, 1), actor="a", at=T0)
    assert info.state == "repaid"
    assert info.delete_due == dt.datetime(2028, 11, 30, 15, 0, tzinfo=dt.UTC)
    info = registry.subrogate(subrogated.file_id, on=dt.date(2026, 12, 1), actor="a", at=T0)
    assert info.access_until == dt.datetime(2026, 11, 30, 15, 0, tzinfo=dt.UTC)
    with pytest.raises(FileStateError, match="it is subrogated"):
        registry.reissue(subrogated.file_id, producer("x"), actor="a", at=T0)


def test_unknown_file_and_version(registry: Registry) -> None:
    with pytest.raises(UnknownFileError, match="no file 14_x"):
        registry.history("14_x")
    registry.issue(certificate(), producer("v1"), actor="a", at=T0)
    with pytest.raises(UnknownFileError, match="has no version 7"):
        registry.pdf(certificate().file_id, 7)


def test_every_change_is_audited(registry: Registry) -> None:
    new = certificate()
    registry.issue(new, producer("v1"), actor="alice", at=T0)
    registry.reissue(new.file_id, producer("v2"), actor="bob", at=T0 + HOUR)
    registry.transfer(new.file_id, bank_code="0001", branch_code="009", actor="carol", at=T0)
    report = registry.verify_audit()
    assert report.ok, report.problems
    assert report.entries == 5  # two banks, issue, reissue, transfer


@pytest.mark.parametrize(("code", "name", "field"), [
    ("2345", "", "bank.name"), ("2345", "   ", "bank.name"), ("2345", "銀" * 61, "bank.name"),
    ("23x5", "みらい銀行", "bank.code"), ("23456", "みらい銀行", "bank.code"),
])
def test_bank_is_checked_by_the_documents_rules(registry: Registry, code: str, name: str,
                                                field: str) -> None:
    with pytest.raises(InputError) as caught:
        set_bank(registry, code=code, name=name, start=dt.date(2026, 1, 1), actor="a", at=T0)
    assert caught.value.field == field
    assert [b.code for b in list_banks(registry)] == ["0001", "0002"]


def test_set_bank_stores_the_checked_values(registry: Registry) -> None:
    info = set_bank(registry, code="45", name=" 四五銀行 ", start=dt.date(2026, 1, 1),
                    actor="a", at=T0)
    assert (info.code, info.name) == ("0045", "四五銀行")
    assert [b for b in list_banks(registry) if b.code == "0045"] == [info]


def test_unusable_data_directory_is_a_configuration_error(tmp_path: Path) -> None:
    blocker = tmp_path / "home"
    blocker.write_bytes(b"not a folder")
    with pytest.raises(ConfigurationError, match="cannot create the data directory") as caught:
        open_database(f"sqlite:///{blocker / 'sub' / 'registry.sqlite3'}")
    assert caught.value.field == str(blocker / "sub")
