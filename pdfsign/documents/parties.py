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
        "name": Field(Text(NAME_MAX), description="協会名 association name"),
        "code": Field(Digits(ASSOCIATION_WIDTH), description="協会コード (2 digits)"),
        "department": Field(Text(NAME_MAX), required=False, description="担当部署 department"),
        "address": Field(Text(120), required=False, description="所在地 address"),
        "phone": Field(Text(20), required=False, description="電話番号 phone"),
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
        "name": Field(Text(NAME_MAX), description="金融機関名 bank name"),
        "code": Field(Digits(BANK_WIDTH), description="統一金融機関番号 (4 digits)"),
    }
    TITLE = "Bank 金融機関"

    name: str
    code: str


@dataclass(frozen=True)
class Branch(Record):
    """The bank's branch, by name and 3-digit unified branch code (統一店番号)."""

    FIELDS = {
        "name": Field(Text(NAME_MAX), description="支店名 branch name"),
        "code": Field(Digits(BRANCH_WIDTH), description="統一店番号 (3 digits)"),
    }
    TITLE = "Branch 支店"

    name: str
    code: str
