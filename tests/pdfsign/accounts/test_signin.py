"""Signing in: one opaque failure, the lockout for every typed ID, and the stage reached."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from accounts_samples import (
    ADMIN,
    PASSWORD,
    T0,
    audit_entries,
    enrolled_user,
    minutes,
    ready_user,
)
from argon2 import PasswordHasher

from pdfsign.accounts import (
    AccountPolicy,
    Role,
    Stage,
    add_user,
    authenticate,
    change_password,
    check_second_factor,
    deactivate,
    get_user,
    lock,
    unlock,
)
from pdfsign.accounts.passwords import needs_rehash
from pdfsign.accounts.tables import SigninThrottle, User
from pdfsign.errors import AccountLockedError, AuthenticationError, InputError
from pdfsign.registry import Registry

WRONG = "the user ID or password is wrong"


def _outcome(registry: Registry, policy: AccountPolicy, user_id: str, password: str,
             at: dt.datetime) -> tuple[type[Exception], str, str | None]:
    """What a refused attempt shows: the error's type, message and field."""
    with pytest.raises(AuthenticationError) as caught:
        authenticate(registry, policy, user_id, password, at=at)
    return type(caught.value), caught.value.message, caught.value.field


def test_a_ready_user_signs_in_fully(registry: Registry, policy: AccountPolicy) -> None:
    ready_user(registry)
    signin = authenticate(registry, policy, " issuer01 ", PASSWORD, at=T0 + minutes(1))
    assert (signin.user.user_id, signin.user.role, signin.stage) == (
        "issuer01", Role.ISSUER, Stage.FULL)


def test_a_wrong_password_and_an_unknown_id_look_the_same(registry: Registry,
                                                          policy: AccountPolicy) -> None:
    ready_user(registry)
    wrong = _outcome(registry, policy, "issuer01", "Wrong12345", T0)
    unknown = _outcome(registry, policy, "nobody01", PASSWORD, T0)
    assert wrong == unknown == (AuthenticationError, wrong[1], "password")
    assert WRONG in wrong[1]


def test_five_failures_lock_a_real_and_an_unknown_id_alike(registry: Registry,
                                                           policy: AccountPolicy) -> None:
    ready_user(registry)
    real = [_outcome(registry, policy, "issuer01", "Wrong12345", T0) for _ in range(6)]
    unknown = [_outcome(registry, policy, "nobody01", "Wrong12345", T0) for _ in range(6)]
    assert real == unknown
    assert [kind for kind, _, _ in real] == [AuthenticationError] * 4 + [AccountLockedError] * 2
    assert "locked for 30 minutes after 5 failed sign-ins (until 10:30 JST)" in real[4][1]
    # Locked: the right password is refused too, in the same words as for the unknown ID.
    assert _outcome(registry, policy, "issuer01", PASSWORD, T0) == real[5]


def test_the_lock_lifts_once_the_lockout_has_passed(registry: Registry,
                                                    policy: AccountPolicy) -> None:
    ready_user(registry)
    for _ in range(5):
        _outcome(registry, policy, "issuer01", "Wrong12345", T0)
    last_second = T0 + policy.lockout - dt.timedelta(seconds=1)
    assert _outcome(registry, policy, "issuer01", PASSWORD, last_second)[0] is AccountLockedError
    assert authenticate(registry, policy, "issuer01", PASSWORD,
                        at=T0 + policy.lockout).stage is Stage.FULL


def test_a_served_lock_restarts_the_count(registry: Registry, policy: AccountPolicy) -> None:
    for _ in range(5):
        _outcome(registry, policy, "nobody01", "Wrong12345", T0)
    later = T0 + policy.lockout
    kinds = [_outcome(registry, policy, "nobody01", "Wrong12345", later)[0] for _ in range(5)]
    assert kinds == [AuthenticationError] * 4 + [AccountLockedError]


def test_a_success_resets_the_count(registry: Registry, policy: AccountPolicy) -> None:
    ready_user(registry)
    for _ in range(4):
        _outcome(registry, policy, "issuer01", "Wrong12345", T0)
    authenticate(registry, policy, "issuer01", PASSWORD, at=T0)
    with registry.reading() as session:
        assert session.get(SigninThrottle, "issuer01") is None
    kinds = [_outcome(registry, policy, "issuer01", "Wrong12345", T0)[0] for _ in range(5)]
    assert kinds == [AuthenticationError] * 4 + [AccountLockedError]


def test_the_limits_come_from_the_policy(registry: Registry) -> None:
    policy = AccountPolicy(lockout_failures=2, lockout=minutes(5))
    kinds = [_outcome(registry, policy, "nobody01", "Wrong12345", T0)[0] for _ in range(2)]
    assert kinds == [AuthenticationError, AccountLockedError]
    assert _outcome(registry, policy, "nobody01", "x", T0 + minutes(5))[0] is AuthenticationError


def test_an_administrators_lock_is_told_only_to_the_right_password(
        registry: Registry, policy: AccountPolicy) -> None:
    ready_user(registry)
    lock(registry, "issuer01", actor=ADMIN, at=T0)
    assert _outcome(registry, policy, "issuer01", "Wrong12345", T0) == (
        AuthenticationError, _outcome(registry, policy, "nobody01", "Wrong12345", T0)[1],
        "password")
    kind, message, _ = _outcome(registry, policy, "issuer01", PASSWORD, T0)
    assert kind is AccountLockedError
    assert "ask an administrator to unlock it" in message


def test_a_deactivated_user_gets_the_generic_failure(registry: Registry,
                                                     policy: AccountPolicy) -> None:
    ready_user(registry)
    deactivate(registry, "issuer01", actor=ADMIN, at=T0)
    assert _outcome(registry, policy, "issuer01", PASSWORD, T0) == _outcome(
        registry, policy, "nobody01", PASSWORD, T0)
    assert audit_entries(registry, "signin-failed")[0].actor == "issuer01"


def test_an_initial_password_must_be_changed(registry: Registry, policy: AccountPolicy) -> None:
    new = add_user(registry, "issuer01", role=Role.ISSUER, name="試験", actor=ADMIN, at=T0)
    assert authenticate(registry, policy, "issuer01", new.initial_password,
                        at=T0).stage is Stage.PASSWORD
    info = change_password(registry, "issuer01", current=new.initial_password, new=PASSWORD,
                           at=T0 + minutes(1))
    assert not info.must_change
    assert info.password_changed_at == T0 + minutes(1)
    assert authenticate(registry, policy, "issuer01", PASSWORD, at=T0).stage is Stage.FULL
    with pytest.raises(AuthenticationError):
        authenticate(registry, policy, "issuer01", new.initial_password, at=T0)


def test_a_password_expires_after_its_maximum_age(registry: Registry,
                                                  policy: AccountPolicy) -> None:
    ready_user(registry)
    expiry = T0 + policy.password_max_age
    assert authenticate(registry, policy, "issuer01", PASSWORD,
                        at=expiry - dt.timedelta(seconds=1)).stage is Stage.FULL
    assert authenticate(registry, policy, "issuer01", PASSWORD, at=expiry).stage is Stage.PASSWORD


def test_a_role_that_requires_a_second_factor_must_enrol(registry: Registry) -> None:
    policy = AccountPolicy(second_factor_roles=frozenset({Role.ISSUER}))
    ready_user(registry, "issuer01")
    ready_user(registry, "auditor01", role=Role.AUDITOR)
    assert authenticate(registry, policy, "issuer01", PASSWORD, at=T0).stage is Stage.ENROL
    assert authenticate(registry, policy, "auditor01", PASSWORD, at=T0).stage is Stage.FULL


def test_the_password_comes_before_enrolment(registry: Registry) -> None:
    policy = AccountPolicy(second_factor_roles=frozenset({Role.ISSUER}))
    new = add_user(registry, "issuer01", role=Role.ISSUER, name="試験", actor=ADMIN, at=T0)
    assert authenticate(registry, policy, "issuer01", new.initial_password,
                        at=T0).stage is Stage.PASSWORD


def test_an_enrolled_user_gives_a_code_next(registry: Registry, policy: AccountPolicy) -> None:
    user = enrolled_user(registry)
    at = T0 + minutes(10)
    assert authenticate(registry, policy, user.user_id, PASSWORD, at=at).stage is (
        Stage.SECOND_FACTOR)


def test_an_old_hash_is_upgraded_at_sign_in(registry: Registry, policy: AccountPolicy) -> None:
    ready_user(registry)
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    with registry.writing() as session:
        row = session.get(User, "issuer01")
        assert row is not None
        row.password_hash = weak
    authenticate(registry, policy, "issuer01", PASSWORD, at=T0)
    with registry.reading() as session:
        row = session.get(User, "issuer01")
        assert row is not None
        assert row.password_hash != weak
        assert not needs_rehash(row.password_hash)
    assert authenticate(registry, policy, "issuer01", PASSWORD, at=T0).stage is Stage.FULL


def test_typed_ids_are_bounded_and_printable(registry: Registry, policy: AccountPolicy) -> None:
    long_id = "x" * 500
    _outcome(registry, policy, long_id, "Wrong12345", T0)
    _outcome(registry, policy, "\x00nobody\n", "Wrong12345", T0)
    assert [e.actor for e in audit_entries(registry, "signin-failed")] == ["x" * 64, "nobody"]
    _outcome(registry, policy, "", "Wrong12345", T0)  # an empty ID is just a failure


@pytest.mark.parametrize(("current", "new", "field", "reason"), [
    ("Wrong12345", "Nihonbashi26", "current_password", "the current password is wrong"),
    (PASSWORD, PASSWORD, "new_password", "must differ from the current one"),
    (PASSWORD, "short1", "new_password", "8 to 16 characters"),
    (PASSWORD, "lettersonly", "new_password", "must mix letters and digits"),
])
def test_a_password_change_is_refused(registry: Registry, policy: AccountPolicy, current: str,
                                      new: str, field: str, reason: str) -> None:
    ready_user(registry)
    with pytest.raises(InputError, match=reason) as caught:
        change_password(registry, "issuer01", current=current, new=new, at=T0 + minutes(1))
    assert caught.value.field == field
    assert get_user(registry, "issuer01").password_changed_at == T0
    assert authenticate(registry, policy, "issuer01", PASSWORD, at=T0).stage is Stage.FULL


def test_every_step_is_audited_and_the_chain_verifies(registry: Registry) -> None:
    policy = AccountPolicy(second_factor_roles=frozenset({Role.ISSUER}))
    user = enrolled_user(registry)  # user-add, password-change, second-factor-enrol
    at = T0 + minutes(10)
    _outcome(registry, policy, "issuer01", "Wrong12345", at)
    stage = authenticate(registry, policy, "issuer01", PASSWORD, at=at).stage
    assert check_second_factor(registry, policy, "issuer01", user.totp.at(at),
                               at=at) is Stage.FULL
    for _ in range(5):
        _outcome(registry, policy, "issuer01", "Wrong12345", at)
    _outcome(registry, policy, "issuer01", PASSWORD, at)
    unlock(registry, "issuer01", actor=ADMIN, at=at)
    assert stage is Stage.SECOND_FACTOR
    assert [(e.actor, e.action) for e in audit_entries(registry)] == [
        (ADMIN, "user-add"), ("issuer01", "password-change"),
        ("issuer01", "second-factor-enrol"), ("issuer01", "signin-failed"),
        ("issuer01", "signin"), ("issuer01", "second-factor"),
        *[("issuer01", "signin-failed")] * 5, ("issuer01", "lock"),
        ("issuer01", "signin-refused"), (ADMIN, "unlock")]
    failed = audit_entries(registry, "signin-failed")
    assert [e.detail for e in failed] == [{"what": "password", "failures": n}
                                          for n in (1, 1, 2, 3, 4, 5)]
    assert audit_entries(registry, "signin")[0].detail == {"stage": "second-factor"}
    lock_entry = audit_entries(registry, "lock")[0]
    assert lock_entry.detail["by"] == "failures"
    assert str(lock_entry.detail["until"]).startswith("2026-11-02 01:40:00")
    report = registry.verify_audit()
    assert report.ok
    assert report.entries == 14


def test_a_policy_is_a_frozen_value() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        AccountPolicy().lockout_failures = 10  # type: ignore[misc]
