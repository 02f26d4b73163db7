"""File IDs, bank user IDs and the fixed-width codes they are made of.

Every code is digits only and has a fixed width; a shorter number is zero-padded
(customer number ``12345`` is ``000012345``), a longer one is an error. The CLI, the
registry and the web UI all parse codes here, so they all show the same message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from pdfsign.errors import InputError

__all__ = [
    "ASSOCIATION_WIDTH",
    "BANK_WIDTH",
    "BRANCH_WIDTH",
    "CHANGE_WIDTH",
    "CUSTOMER_WIDTH",
    "HEAD_OFFICE_BRANCH",
    "GUARANTEE_WIDTH",
    "ORIGINAL_CHANGE_NUMBER",
    "SERIAL_WIDTH",
    "FileId",
    "UserId",
    "parse_code",
    "parse_user_id",
]

ASSOCIATION_WIDTH: Final = 2
BANK_WIDTH: Final = 4
BRANCH_WIDTH: Final = 3
CUSTOMER_WIDTH: Final = 9
GUARANTEE_WIDTH: Final = 10
CHANGE_WIDTH: Final = 3
SERIAL_WIDTH: Final = 2
#: The condition-change number of an original (unchanged) guarantee.
ORIGINAL_CHANGE_NUMBER: Final = "000"
#: A head-office user's branch code: it sees every branch of its bank.
HEAD_OFFICE_BRANCH: Final = "000"

_FILE_ID = re.compile(
    r"(?P<association>\d{2})_(?P<bank>\d{4})(?P<branch>\d{3})_(?P<customer>\d{9})"
    r"_(?P<guarantee>\d{10})_(?P<change>\d{3})(?:\.pdf)?",
)


def parse_code(value: object, *, width: int, field: str) -> str:
    """Parse a fixed-width numeric code, zero-padding a shorter one.

    Accepts a string of ASCII digits or a non-negative integer, because data files
    and spreadsheets write codes both ways.

    :param value: The raw value.
    :param width: The code's width in digits.
    :param field: The field name reported in errors.
    :return: The code as exactly ``width`` digits.
    :raises InputError: If the value is not digits, is negative, or is longer than ``width``.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value) if value >= 0 else "-"
    elif isinstance(value, str):
        text = value
    else:
        raise InputError(f"{width}桁以内の数字で入力してください / must be up to {width} digits",
                         field=field)
    if not text.isascii() or not text.isdigit():
        raise InputError(f"数字のみで入力してください / must contain digits only (got {value!r})",
                         field=field)
    if len(text) > width:
        raise InputError(
            f"{width}桁を超えています / must be at most {width} digits (got {len(text)})",
            field=field,
        )
    return text.zfill(width)


@dataclass(frozen=True)
class FileId:
    """The permanent identity of a guarantee-family file: ``AA_BBBBCCC_DDDDDDDDD_EEEEEEEEEE_FFF``.

    It never changes after issue, even when the claim moves to another bank, so it is
    built from the fields at first issue and stored, never recomputed from the current bank.
    """

    association: str
    bank: str
    branch: str
    customer: str
    guarantee: str
    change: str

    @classmethod
    def from_parts(
        cls, *, association: object, bank: object, branch: object, customer: object,
        guarantee: object, change: object = ORIGINAL_CHANGE_NUMBER,
    ) -> FileId:
        """Build a file ID from its parts, zero-padding each.

        :raises InputError: naming the part that is not a valid code.
        """
        return cls(
            association=parse_code(association, width=ASSOCIATION_WIDTH, field="association.code"),
            bank=parse_code(bank, width=BANK_WIDTH, field="bank.code"),
            branch=parse_code(branch, width=BRANCH_WIDTH, field="branch.code"),
            customer=parse_code(customer, width=CUSTOMER_WIDTH, field="customer_number"),
            guarantee=parse_code(guarantee, width=GUARANTEE_WIDTH, field="guarantee_number"),
            change=parse_code(change, width=CHANGE_WIDTH, field="change_number"),
        )

    @classmethod
    def parse(cls, text: str, *, field: str = "file_id") -> FileId:
        """Parse ``AA_BBBBCCC_DDDDDDDDD_EEEEEEEEEE_FFF`` with or without ``.pdf``.

        :raises InputError: If the text does not have exactly that shape.
        """
        match = _FILE_ID.fullmatch(text.strip())
        if match is None:
            raise InputError(
                "ファイルIDの形式が正しくありません / file ID must look like "
                f"AA_BBBBCCC_DDDDDDDDD_EEEEEEEEEE_FFF.pdf (got {text!r})",
                field=field,
            )
        return cls(**match.groupdict())

    @property
    def stem(self) -> str:
        """The ID without the ``.pdf`` extension."""
        return (f"{self.association}_{self.bank}{self.branch}_{self.customer}"
                f"_{self.guarantee}_{self.change}")

    @property
    def filename(self) -> str:
        """The file name the ID is delivered under."""
        return f"{self.stem}.pdf"

    def __str__(self) -> str:
        return self.stem


@dataclass(frozen=True)
class UserId:
    """A bank user: association (2) + bank (4) + branch (3) + serial (2), e.g. ``14234500201``."""

    association: str
    bank: str
    branch: str
    serial: str

    @property
    def is_head_office(self) -> bool:
        """Head-office users (branch ``000``) see every branch of their bank."""
        return self.branch == HEAD_OFFICE_BRANCH

    def __str__(self) -> str:
        return f"{self.association}{self.bank}{self.branch}{self.serial}"


def parse_user_id(text: str, *, field: str = "user_id") -> UserId:
    """Parse an 11-digit bank user ID.

    :raises InputError: If it is not exactly 11 ASCII digits.
    """
    width = ASSOCIATION_WIDTH + BANK_WIDTH + BRANCH_WIDTH + SERIAL_WIDTH
    stripped = text.strip()
    if len(stripped) != width or not stripped.isascii() or not stripped.isdigit():
        raise InputError(
            f"利用者IDは{width}桁の数字です / user ID must be exactly {width} digits "
            f"(got {text!r})",
            field=field,
        )
    cuts = (0, 2, 6, 9, 11)
    parts = [stripped[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]
    return UserId(*parts)
