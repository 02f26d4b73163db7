"""Roles and the user-ID rule of each (DOMAIN.md, "File IDs and user IDs", "Accounts")."""

from __future__ import annotations

import pytest

from pdfsign.accounts import STAFF, Role, parse_account_id
from pdfsign.documents import UserId
from pdfsign.errors import InputError


@pytest.mark.parametrize("role", list(Role))
def test_every_role_parses_from_its_name(role: Role) -> None:
    assert Role.parse(role.value) is role


def test_an_unknown_role_names_the_field_and_every_role() -> None:
    with pytest.raises(InputError, match="must be one of admin, issuer, auditor, bank-head, "
                       "bank-branch, not 'Admin'") as caught:
        Role.parse("Admin", field="--role")
    assert caught.value.field == "--role"


def test_staff_are_the_three_association_roles() -> None:
    assert {r for r in Role if r.is_staff} == STAFF == {Role.ADMIN, Role.ISSUER, Role.AUDITOR}


@pytest.mark.parametrize("user_id", ["abc", "admin01", "yamada.taro", "sato_h-2", "a" * 32])
def test_staff_ids(user_id: str) -> None:
    assert parse_account_id(f" {user_id} ", role=Role.ISSUER) == parse_account_id(
        user_id, role=Role.ISSUER)
    checked = parse_account_id(user_id, role=Role.ISSUER)
    assert (checked.user_id, checked.bank_user) == (user_id, None)


@pytest.mark.parametrize("user_id", ["ab", "a" * 33, "1admin", "Admin01", "yamada taro",
                                     "やまだ", "14234500201", ".admin"])
def test_bad_staff_ids_name_user_id(user_id: str) -> None:
    with pytest.raises(InputError, match="a staff ID has 3-32 characters") as caught:
        parse_account_id(user_id, role=Role.AUDITOR)
    assert caught.value.field == "user_id"


@pytest.mark.parametrize(("bank", "branch"), [("2345", None), (None, "002")])
def test_staff_have_no_bank_or_branch(bank: str | None, branch: str | None) -> None:
    with pytest.raises(InputError, match="staff accounts have no bank or branch"):
        parse_account_id("admin01", role=Role.ADMIN, bank=bank, branch=branch)


def test_a_branch_user_is_located_by_its_id() -> None:
    checked = parse_account_id("14234500201", role=Role.BANK_BRANCH, bank="2345", branch="2")
    assert checked.user_id == "14234500201"
    assert checked.bank_user == UserId("14", "2345", "002", "01")


def test_a_head_office_user_has_branch_000() -> None:
    checked = parse_account_id("14234500001", role=Role.BANK_HEAD)
    assert checked.bank_user is not None
    assert checked.bank_user.is_head_office
    with pytest.raises(InputError, match="a head-office user's branch is 000 \\(got 002\\)"
                       ) as caught:
        parse_account_id("14234500201", role=Role.BANK_HEAD)
    assert caught.value.field == "user_id"


def test_a_branch_user_is_not_head_office() -> None:
    with pytest.raises(InputError, match="a branch user's branch is not 000") as caught:
        parse_account_id("14234500001", role=Role.BANK_BRANCH)
    assert caught.value.field == "user_id"


@pytest.mark.parametrize("user_id", ["1423450020", "142345002011", "admin01", "1423450020a",
                                     "１４２３４５００２０１"])
def test_a_bank_user_id_is_eleven_ascii_digits(user_id: str) -> None:
    with pytest.raises(InputError, match="exactly 11 digits") as caught:
        parse_account_id(user_id, role=Role.BANK_BRANCH)
    assert caught.value.field == "user_id"


@pytest.mark.parametrize(("bank", "branch", "field", "reason"), [
    ("2346", None, "bank", "does not match the code in the user ID \\(2345\\)"),
    (None, "003", "branch", "does not match the code in the user ID \\(002\\)"),
    ("23a5", None, "bank", "digits only"),
    (None, "0002", "branch", "at most 3 digits"),
])
def test_separate_codes_must_agree_with_the_id(bank: str | None, branch: str | None,
                                               field: str, reason: str) -> None:
    with pytest.raises(InputError, match=reason) as caught:
        parse_account_id("14234500201", role=Role.BANK_BRANCH, bank=bank, branch=branch)
    assert caught.value.field == field
