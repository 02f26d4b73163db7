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
        "association": Field(Nested(Association), label="信用保証協会",
                             label_en="Credit guarantee association"),
        "bank": Field(Nested(Bank), label="金融機関", label_en="Financial institution"),
        "branch": Field(Nested(Branch), label="支店", label_en="Branch"),
        "customer_number": Field(Digits(CUSTOMER_WIDTH), label="顧客番号",
                                 label_en="Customer number"),
        "guarantee_number": Field(Digits(GUARANTEE_WIDTH), label="保証番号",
                                  label_en="Guarantee number"),
        "change_number": Field(Digits(CHANGE_WIDTH), required=False,
                               default=ORIGINAL_CHANGE_NUMBER, label="条変番号",
                               label_en="Condition-change number",
                               note="信用保証書は000（空欄のとき000）、変更保証書は001以上",
                               note_en="000 for an original guarantee (the default), "
                                       "001 or more for a condition change"),
        "debtor_name": Field(Text(60), label="被保証人（筆頭債務者）氏名・名称",
                             label_en="Principal debtor's name"),
        "debtor_address": Field(Text(120), label="被保証人住所",
                                label_en="Principal debtor's address"),
        "issue_date": Field(Day(), label="発行日", label_en="Issue date"),
        "guarantee_date": Field(Day(), label="保証日・条件変更決定日",
                                label_en="Guarantee date or change decision date",
                                note="変更保証書では条件変更決定日",
                                note_en="the change decision date on a condition change"),
        "guaranteed_amount": Field(Amount(), label="保証金額", label_en="Guaranteed amount",
                                   note="貸付金額以下", note_en="at most the loan amount"),
        "loan_amount": Field(Amount(), label="貸付金額", label_en="Loan amount"),
        "loan_term_months": Field(Count(1, 600, "か月"), label="貸付期間",
                                  label_en="Loan term (months)"),
        "repayment_method": Field(Text(60), label="返済方法", label_en="Repayment method"),
        "scheme": Field(Text(60), label="保証制度", label_en="Guarantee scheme"),
        "conditions": Field(Text(400, multiline=True), label="保証条件",
                            label_en="Guarantee conditions"),
        "change_details": Field(Text(400, multiline=True), required=False, label="変更内容",
                                label_en="Details of the change",
                                note="変更保証書では必須",
                                note_en="required on a condition change"),
        "issue_count": Field(Count(1, 999, "回"), required=False, default=1,
                             label="電子保証書発行回数", label_en="Electronic issue count",
                             note="発行・再発行のたびに登録簿が付番（初回は1）",
                             note_en="assigned by the registry on every (re-)issue; 1 at first",
                             assigned=True),
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
