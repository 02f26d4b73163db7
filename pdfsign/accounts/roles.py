"""The five roles, and which user IDs each may have (DOMAIN.md, "Accounts and credentials").

Staff (administrator, issuer, auditor) have a short sign-in name; bank users have the
11-digit ID ``AABBBBCCCSS`` (association, bank, branch, serial) that decides what they see,
a head-office user's branch being ``000``.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from pdfsign.documents.ids import HEAD_OFFICE_BRANCH, UserId, parse_code, parse_user_id
from pdfsign.errors import InputError

__all__ = ["STAFF", "AccountId", "Role", "parse_account_id"]

_STAFF_ID = re.compile(r"[a-z][a-z0-9._-]{2,31}")


class Role(enum.Enum):
    """What an account may do."""

    ADMIN = "admin"
    ISSUER = "issuer"
    AUDITOR = "auditor"
    BANK_HEAD = "bank-head"
    BANK_BRANCH = "bank-branch"

    @property
    def is_staff(self) -> bool:
        """An association staff role (the others are bank users)."""
        return self in STAFF

    @classmethod
    def parse(cls, value: str, *, field: str = "role") -> Role:
        """:raises InputError: not one of the five role names."""
        try:
            return cls(value)
        except ValueError:
            names = ", ".join(r.value for r in cls)
            raise InputError(f"役割は {names} のいずれかです / must be one of {names}, "
                             f"not {value!r}", field=field) from None


STAFF = frozenset({Role.ADMIN, Role.ISSUER, Role.AUDITOR})


@dataclass(frozen=True)
class AccountId:
    """A checked user ID and, for a bank user, where it belongs."""

    user_id: str
    bank_user: UserId | None = None


def parse_account_id(value: str, *, role: Role, bank: str | None = None,
                     branch: str | None = None) -> AccountId:
    """Check a user ID against its role's rule.

    :param bank: a bank user's bank code, if given separately; it must agree with the ID.
    :param branch: likewise the branch code.
    :raises InputError: naming ``user_id``, ``bank`` or ``branch`` and the rule broken.
    """
    text = value.strip()
    if role.is_staff:
        if bank is not None or branch is not None:
            raise InputError("職員には銀行・支店を指定しません / staff accounts have no bank or "
                             "branch", field="bank")
        if not _STAFF_ID.fullmatch(text) or text.isdigit():
            raise InputError("職員のIDは英小文字で始まる3〜32文字（英小文字・数字・._-）です / a "
                             "staff ID has 3-32 characters (a-z, 0-9, . _ -), starting with a "
                             f"letter (got {value!r})", field="user_id")
        return AccountId(text)
    user = parse_user_id(text, field="user_id")
    _agree(user.bank, bank, width=4, field="bank")
    _agree(user.branch, branch, width=3, field="branch")
    if role is Role.BANK_HEAD and not user.is_head_office:
        raise InputError(f"本部ユーザーの支店コードは{HEAD_OFFICE_BRANCH}です / a head-office "
                         f"user's branch is {HEAD_OFFICE_BRANCH} (got {user.branch})",
                         field="user_id")
    if role is Role.BANK_BRANCH and user.is_head_office:
        raise InputError(f"支店ユーザーの支店コードは{HEAD_OFFICE_BRANCH}以外です / a branch "
                         f"user's branch is not {HEAD_OFFICE_BRANCH}", field="user_id")
    return AccountId(str(user), user)


def _agree(from_id: str, given: str | None, *, width: int, field: str) -> None:
    """A separately given code must be the one inside the user ID."""
    if given is not None and parse_code(given, width=width, field=field) != from_id:
        raise InputError(f"ユーザーIDの{field}コード（{from_id}）と一致しません / does not match "
                         f"the code in the user ID ({from_id})", field=field)
