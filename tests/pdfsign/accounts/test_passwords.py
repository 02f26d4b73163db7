"""The password rule (8–16 characters mixing letters and digits), Argon2id, initial passwords."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from pdfsign.accounts import check_password
from pdfsign.accounts.passwords import (
    dummy_hash,
    hash_password,
    initial_password,
    needs_rehash,
    verify_password,
)
from pdfsign.errors import InputError


@pytest.mark.parametrize("password", ["abcd1234", "Abcdefgh12345678", "Pass-w0rd!", "1234567a",
                                      "~!@#$%^&*()_+a1"])
def test_passwords_that_meet_the_rule(password: str) -> None:
    check_password(password)


@pytest.mark.parametrize(("password", "reason"), [
    ("abc1234", "8 to 16 characters \\(got 7\\)"),
    ("Abcdefgh123456789", "8 to 16 characters \\(got 17\\)"),
    ("", "8 to 16 characters \\(got 0\\)"),
    ("abcdefghij", "must mix letters and digits"),
    ("1234567890", "must mix letters and digits"),
    ("!!!!aaaa", "must mix letters and digits"),
    ("abcd 1234", "only ASCII letters, digits and symbols"),
    ("ａｂｃｄ１２３４", "only ASCII letters, digits and symbols"),  # full-width (IME)
    ("パスワード1234", "only ASCII letters, digits and symbols"),
    ("abcd1234\t", "only ASCII letters, digits and symbols"),
])
def test_passwords_that_break_the_rule_say_which_part(password: str, reason: str) -> None:
    with pytest.raises(InputError, match=reason) as caught:
        check_password(password, field="new_password")
    assert caught.value.field == "new_password"


def test_hashes_are_argon2id_and_salted() -> None:
    first, second = hash_password("abcd1234"), hash_password("abcd1234")
    assert first.startswith("$argon2id$")
    assert first != second
    assert verify_password(first, "abcd1234")
    assert verify_password(second, "abcd1234")


@pytest.mark.parametrize("attempt", ["abcd1235", "ABCD1234", "abcd1234 ", ""])
def test_a_different_password_does_not_verify(attempt: str) -> None:
    assert not verify_password(hash_password("abcd1234"), attempt)


def test_a_malformed_stored_hash_verifies_nothing() -> None:
    assert not verify_password("not a hash", "abcd1234")
    assert not verify_password("", "")


def test_weaker_parameters_need_a_rehash() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("abcd1234")
    assert verify_password(weak, "abcd1234")
    assert needs_rehash(weak)
    assert not needs_rehash(hash_password("abcd1234"))


def test_initial_passwords_meet_the_rule_and_avoid_look_alikes() -> None:
    passwords = {initial_password() for _ in range(200)}
    assert len(passwords) == 200
    for password in passwords:
        check_password(password)
        assert len(password) == 12
        assert not set(password) & set("0O1lI"), password


def test_the_dummy_hash_matches_no_typical_password() -> None:
    assert dummy_hash() == dummy_hash()  # made once
    assert dummy_hash().startswith("$argon2id$")
    for guess in ("", "password1", "abcd1234", "admin01"):
        assert not verify_password(dummy_hash(), guess)
