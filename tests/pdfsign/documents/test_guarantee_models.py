"""Guarantee certificates, invalidation notices, test slips and delegation letters."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from pdfsign.documents import (
    DelegationLetter,
    DocumentKind,
    GuaranteeCertificate,
    InvalidationNotice,
    TestSlip,
    parse_document,
)
from pdfsign.errors import InputError


def _certificate(sample: Any, name: str = "guarantee") -> GuaranteeCertificate:
    document = parse_document(sample(name))
    assert isinstance(document, GuaranteeCertificate)
    return document


def test_guarantee_derives_its_zero_padded_file_id(sample: Any) -> None:
    certificate = _certificate(sample)
    assert certificate.kind is DocumentKind.GUARANTEE
    assert certificate.customer_number == "012345678"  # given as "12345678"
    assert certificate.file_id.filename == "14_2345002_012345678_2026001234_000.pdf"
    assert certificate.date_label_ja == "保証日"


def test_reissue_with_replace_keeps_the_file_id(sample: Any) -> None:
    certificate = _certificate(sample)
    reissued = dataclasses.replace(certificate, issue_count=certificate.issue_count + 1)
    assert reissued.issue_count == 2
    assert reissued.file_id == certificate.file_id
    with pytest.raises(InputError, match="issue_count"):
        dataclasses.replace(certificate, issue_count=0)


def test_condition_change_certificate(sample: Any) -> None:
    change = _certificate(sample, "guarantee-change")
    assert change.kind is DocumentKind.GUARANTEE_CHANGE
    assert change.title_ja == "変更保証書"
    assert change.date_label_ja == "条件変更決定日"
    assert change.file_id.change == "001"


@pytest.mark.parametrize(("name", "changes", "field"), [
    ("guarantee", {"change_number": "001"}, "change_number"),
    ("guarantee-change", {"change_number": "000"}, "change_number"),
    ("guarantee-change", {"change_details": None}, "change_details"),
    ("guarantee", {"customer_number": "1234567890"}, "customer_number"),
    ("guarantee", {"guaranteed_amount": -1}, "guaranteed_amount"),
    ("guarantee", {"guaranteed_amount": 40_000_000}, "guaranteed_amount"),
    ("guarantee", {"loan_amount": "30000000"}, "loan_amount"),
    ("guarantee", {"issue_count": 0}, "issue_count"),
    ("guarantee", {"debtor_name": "x" * 61}, "debtor_name"),
    ("guarantee", {"debtor_name": "株式会社\n山田"}, "debtor_name"),
    ("guarantee", {"guarantee_date": "2026/11/20"}, "guarantee_date"),
    ("guarantee", {"nickname": "x"}, "nickname"),
])
def test_guarantee_rule_violations_name_the_field(sample: Any, name: str,
                                                  changes: dict[str, Any], field: str) -> None:
    data = sample(name)
    data.update(changes)
    with pytest.raises(InputError) as caught:
        parse_document(data)
    assert caught.value.field == field


def test_nested_fields_are_named_by_path(sample: Any) -> None:
    data = sample("guarantee")
    data["bank"]["code"] = "23456"
    with pytest.raises(InputError) as caught:
        parse_document(data)
    assert caught.value.field == "bank.code"
    del data["association"]
    with pytest.raises(InputError, match="required") as caught:
        parse_document(data)
    assert caught.value.field == "association"


def test_invalidation_notice_built_from_a_certificate(sample: Any) -> None:
    certificate = _certificate(sample, "guarantee-change")
    notice = InvalidationNotice.for_certificate(certificate, sending_date=dt.date(2027, 5, 1))
    assert notice.file_id == certificate.file_id
    assert notice.title_ja == "変更保証書 無効通知書"
    assert notice.kind is DocumentKind.INVALIDATION
    assert notice.guarantee_date == certificate.guarantee_date


def test_invalidation_sample_names_the_certificate(sample: Any) -> None:
    notice = parse_document(sample("invalidation"))
    assert isinstance(notice, InvalidationNotice)
    assert notice.title_ja == "信用保証書 無効通知書"
    assert notice.file_id.filename == "14_2345002_012345678_2026001234_000.pdf"
    data = sample("invalidation")
    data["certificate_kind"] = "guarantee-change"
    with pytest.raises(InputError) as caught:
        parse_document(data)
    assert caught.value.field == "change_number"


def test_test_slip_and_delegation_samples(sample: Any) -> None:
    slip = parse_document(sample("test-slip"))
    assert isinstance(slip, TestSlip)
    assert slip.kind.level == "ES-A"
    letter = parse_document(sample("delegation"))
    assert isinstance(letter, DelegationLetter)
    assert len(letter.powers) == 2
    data = sample("delegation")
    data["powers"] = []
    with pytest.raises(InputError) as caught:
        parse_document(data)
    assert caught.value.field == "powers"
