"""The guarantee certificate (信用保証書) and the condition-change certificate (変更保証書).

Both share one model: a condition change is a guarantee whose condition-change number
(条変番号) is not ``000`` and whose date is the change decision date (条件変更決定日).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pdfsign.documents.fields import Amount, Count, Day, Digits, Field, Nested, Record, Text
from pdfsign.documents.ids import (
    CHANGE_WIDTH,
    CUSTOMER_WIDTH,
    GUARANTEE_WIDTH,
    ORIGINAL_CHANGE_NUMBER,
    FileId,
)
from pdfsign.documents.kinds import DocumentKind
from pdfsign.documents.parties import Association, Bank, Branch
from pdfsign.errors import InputError

__all__ = ["CertificateIdentity", "GuaranteeCertificate"]

_GUARANTEE_KINDS = (DocumentKind.GUARANTEE, DocumentKind.GUARANTEE_CHANGE)


class CertificateIdentity:
    """The fields a certificate's file ID is made of, shared by the certificate and the notice
    that invalidates it, so both derive the same ID in one place."""

    association: Association
    bank: Bank
    branch: Branch
    customer_number: str
    guarantee_number: str
    change_number: str

    @property
    def file_id(self) -> FileId:
        """The file ID derived from the codes at issue (never changes afterwards)."""
        return FileId(
            association=self.association.code, bank=self.bank.code, branch=self.branch.code,
            customer=self.customer_number, guarantee=self.guarantee_number,
            change=self.change_number,
        )


@dataclass(frozen=True)
class GuaranteeCertificate(CertificateIdentity, Record):
    """A guarantee certificate as issued to a bank branch.

    ``issue_count`` (電子保証書発行回数) starts at 1 and goes up by one on every electronic
    re-issue; use ``dataclasses.replace(cert, issue_count=n)`` for a re-issue.
    """

    FIELDS = {
        "association": Field(Nested(Association)),
        "bank": Field(Nested(Bank)),
        "branch": Field(Nested(Branch)),
        "customer_number": Field(Digits(CUSTOMER_WIDTH), description="顧客番号 (9 digits)"),
        "guarantee_number": Field(Digits(GUARANTEE_WIDTH), description="保証番号 (10 digits)"),
        "change_number": Field(Digits(CHANGE_WIDTH), required=False,
                               default=ORIGINAL_CHANGE_NUMBER,
                               description="条変番号 (3 digits, 000 for an original guarantee)"),
        "debtor_name": Field(Text(60), description="被保証人（筆頭債務者）氏名・名称"),
        "debtor_address": Field(Text(120), description="被保証人住所"),
        "issue_date": Field(Day(), description="発行日 issue date"),
        "guarantee_date": Field(Day(), description="保証日 / 条件変更決定日"),
        "guaranteed_amount": Field(Amount(), description="保証金額 (yen)"),
        "loan_amount": Field(Amount(), description="貸付金額 (yen)"),
        "loan_term_months": Field(Count(1, 600, "か月"), description="貸付期間 (months)"),
        "repayment_method": Field(Text(60), description="返済方法"),
        "scheme": Field(Text(60), description="保証制度"),
        "conditions": Field(Text(400, multiline=True), description="保証条件"),
        "change_details": Field(Text(400, multiline=True), required=False,
                                description="変更内容 (condition changes only)"),
        "issue_count": Field(Count(1, 999, "回"), required=False, default=1,
                             description="電子保証書発行回数 (1 on first issue)"),
    }

    kind: DocumentKind
    association: Association
    bank: Bank
    branch: Branch
    customer_number: str
    guarantee_number: str
    change_number: str
    debtor_name: str
    debtor_address: str
    issue_date: dt.date
    guarantee_date: dt.date
    guaranteed_amount: int
    loan_amount: int
    loan_term_months: int
    repayment_method: str
    scheme: str
    conditions: str
    change_details: str | None = None
    issue_count: int = 1

    def __post_init__(self) -> None:
        """Enforce the rules between fields, also on ``dataclasses.replace``."""
        if self.kind not in _GUARANTEE_KINDS:
            raise InputError(f"保証書の種類ではありません / not a guarantee kind: {self.kind}",
                             field="kind")
        is_change = self.kind is DocumentKind.GUARANTEE_CHANGE
        if is_change == (self.change_number == ORIGINAL_CHANGE_NUMBER):
            raise InputError(
                "変更保証書の条変番号は001以上、信用保証書は000です / change_number must be "
                "001 or more for guarantee-change and 000 for guarantee",
                field="change_number",
            )
        if is_change and self.change_details is None:
            raise InputError("変更保証書には変更内容が必要です / guarantee-change needs "
                             "change_details", field="change_details")
        if self.issue_count < 1:
            raise InputError("発行回数は1以上です / issue_count must be at least 1",
                             field="issue_count")
        if self.guaranteed_amount > self.loan_amount:
            raise InputError("保証金額が貸付金額を超えています / guaranteed_amount must not "
                             "exceed loan_amount", field="guaranteed_amount")

    @property
    def title_ja(self) -> str:
        """信用保証書 or 変更保証書."""
        return self.kind.title_ja

    @property
    def date_label_ja(self) -> str:
        """What the certificate's date means: 保証日 or 条件変更決定日."""
        return self.kind.date_label_ja
