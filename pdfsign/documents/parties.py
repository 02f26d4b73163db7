"""The parties named on guarantee-family documents: the association, the bank and its branch."""

from __future__ import annotations

from dataclasses import dataclass

from pdfsign.documents.fields import Digits, Field, Record, Text
from pdfsign.documents.ids import ASSOCIATION_WIDTH, BANK_WIDTH, BRANCH_WIDTH

__all__ = ["Association", "Bank", "Branch"]

NAME_MAX = 60


@dataclass(frozen=True)
class Association(Record):
    """The credit guarantee association (信用保証協会) issuing the document; its contact block."""

    FIELDS = {
        "name": Field(Text(NAME_MAX), label="協会名", label_en="Association name"),
        "code": Field(Digits(ASSOCIATION_WIDTH), label="協会コード", label_en="Association code"),
        "department": Field(Text(NAME_MAX), required=False, label="担当部署",
                            label_en="Department"),
        "address": Field(Text(120), required=False, label="所在地", label_en="Address"),
        "phone": Field(Text(20), required=False, label="電話番号", label_en="Phone"),
    }
    TITLE = "Association 信用保証協会"

    name: str
    code: str
    department: str | None = None
    address: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class Bank(Record):
    """The financial institution, by name and 4-digit unified code (統一金融機関番号)."""

    FIELDS = {
        "name": Field(Text(NAME_MAX), label="金融機関名", label_en="Bank name"),
        "code": Field(Digits(BANK_WIDTH), label="統一金融機関番号", label_en="Unified bank code"),
    }
    TITLE = "Bank 金融機関"

    name: str
    code: str


@dataclass(frozen=True)
class Branch(Record):
    """The bank's branch, by name and 3-digit unified branch code (統一店番号)."""

    FIELDS = {
        "name": Field(Text(NAME_MAX), label="支店名", label_en="Branch name"),
        "code": Field(Digits(BRANCH_WIDTH), label="統一店番号", label_en="Unified branch code"),
    }
    TITLE = "Branch 支店"

    name: str
    code: str
