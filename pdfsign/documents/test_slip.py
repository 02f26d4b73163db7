"""The test sending slip (保証書テスト送信票), sent once per branch before go-live."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pdfsign.documents.fields import Day, Field, Nested, Record
from pdfsign.documents.kinds import DocumentKind
from pdfsign.documents.parties import Association, Bank, Branch

__all__ = ["TestSlip"]


@dataclass(frozen=True)
class TestSlip(Record):
    """Lets a branch confirm it can view electronic certificates before go-live."""

    __test__ = False  # not a pytest test class, despite the name

    FIELDS = {
        "sending_date": Field(Day(), label="送信日", label_en="Sending date"),
        "association": Field(Nested(Association), label="信用保証協会",
                             label_en="Credit guarantee association"),
        "bank": Field(Nested(Bank), label="金融機関", label_en="Financial institution"),
        "branch": Field(Nested(Branch), label="支店", label_en="Branch"),
    }

    sending_date: dt.date
    association: Association
    bank: Bank
    branch: Branch

    @property
    def kind(self) -> DocumentKind:
        """Always :attr:`DocumentKind.TEST_SLIP`."""
        return DocumentKind.TEST_SLIP

    @property
    def title_ja(self) -> str:
        """保証書テスト送信票."""
        return self.kind.title_ja
