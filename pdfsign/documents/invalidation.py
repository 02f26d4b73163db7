"""The invalidation notice (保証書無効通知書) that overwrites an issued certificate.

It names the certificate it invalidates by that certificate's fields and file ID. The
registry builds it from the stored certificate with :meth:`InvalidationNotice.for_certificate`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pdfsign.documents.fields import Choice, Day, Digits, Field, Nested, Record, Text
from pdfsign.documents.guarantee import CertificateIdentity, GuaranteeCertificate
from pdfsign.documents.ids import (
    CHANGE_WIDTH,
    CUSTOMER_WIDTH,
    GUARANTEE_WIDTH,
    ORIGINAL_CHANGE_NUMBER,
)
from pdfsign.documents.kinds import DocumentKind
from pdfsign.documents.parties import Association, Bank, Branch
from pdfsign.errors import InputError

__all__ = ["InvalidationNotice"]


@dataclass(frozen=True)
class InvalidationNotice(CertificateIdentity, Record):
    """Tells a bank that an electronically issued certificate is no longer valid.

    Its :attr:`file_id` is the invalidated certificate's: the notice overwrites that file.
    """

    FIELDS = {
        "certificate_kind": Field(
            Choice((DocumentKind.GUARANTEE.value, DocumentKind.GUARANTEE_CHANGE.value),
                   labels=(("信用保証書", "Guarantee certificate"),
                           ("変更保証書", "Condition-change certificate"))),
            label="無効にする保証書の種類", label_en="Kind of the invalidated certificate"),
        "sending_date": Field(Day(), label="送信日", label_en="Sending date"),
        "association": Field(Nested(Association), label="信用保証協会",
                             label_en="Credit guarantee association"),
        "bank": Field(Nested(Bank), label="金融機関", label_en="Financial institution"),
        "branch": Field(Nested(Branch), label="支店", label_en="Branch"),
        "debtor_name": Field(Text(60), label="被保証人（筆頭債務者）氏名・名称",
                             label_en="Principal debtor's name"),
        "customer_number": Field(Digits(CUSTOMER_WIDTH), label="顧客番号",
                                 label_en="Customer number"),
        "guarantee_number": Field(Digits(GUARANTEE_WIDTH), label="保証番号",
                                  label_en="Guarantee number"),
        "guarantee_date": Field(Day(), label="保証日・条件変更決定日",
                                label_en="Guarantee date or change decision date"),
        "change_number": Field(Digits(CHANGE_WIDTH), required=False,
                               default=ORIGINAL_CHANGE_NUMBER, label="条変番号",
                               label_en="Condition-change number"),
        "reason": Field(Text(200), required=False, label="無効理由", label_en="Reason"),
    }

    certificate_kind: str
    sending_date: dt.date
    association: Association
    bank: Bank
    branch: Branch
    debtor_name: str
    customer_number: str
    guarantee_number: str
    guarantee_date: dt.date
    change_number: str = ORIGINAL_CHANGE_NUMBER
    reason: str | None = None

    def __post_init__(self) -> None:
        """A change certificate has a change number; an original one has ``000``."""
        is_change = self.certificate_kind == DocumentKind.GUARANTEE_CHANGE.value
        if is_change == (self.change_number == ORIGINAL_CHANGE_NUMBER):
            raise InputError(
                "条変番号が保証書の種類と一致しません / change_number does not match "
                "certificate_kind", field="change_number")

    @classmethod
    def for_certificate(cls, certificate: GuaranteeCertificate, *, sending_date: dt.date,
                        reason: str | None = None) -> InvalidationNotice:
        """Build the notice that invalidates ``certificate``.

        :param certificate: The issued certificate being overwritten.
        :param sending_date: The date the notice is sent (its validity starts then).
        :param reason: An optional reason printed on the notice.
        """
        return cls(
            certificate_kind=certificate.kind.value, sending_date=sending_date,
            association=certificate.association, bank=certificate.bank,
            branch=certificate.branch, debtor_name=certificate.debtor_name,
            customer_number=certificate.customer_number,
            guarantee_number=certificate.guarantee_number,
            guarantee_date=certificate.guarantee_date,
            change_number=certificate.change_number, reason=reason,
        )

    @property
    def kind(self) -> DocumentKind:
        """Always :attr:`DocumentKind.INVALIDATION`."""
        return DocumentKind.INVALIDATION

    @property
    def title_ja(self) -> str:
        """信用保証書 無効通知書 or 変更保証書 無効通知書, after the invalidated certificate."""
        return f"{DocumentKind(self.certificate_kind).title_ja} 無効通知書"

    @property
    def date_label_ja(self) -> str:
        """What the invalidated certificate's date means: 保証日 or 条件変更決定日."""
        return DocumentKind(self.certificate_kind).date_label_ja
