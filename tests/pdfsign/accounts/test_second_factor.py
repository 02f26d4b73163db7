"""TOTP (RFC 6238) and recovery codes: two-step enrolment, ±1 step, no replay, lockout."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
from accounts_samples import (
    PASSWORD,
    T0,
    audit_entries,
    enrolled_user,
    ready_user,
    wrong_code,
)

from pdfsign.accounts import (
    AccountPolicy,
    Stage,
    authenticate,
    check_second_factor,
    confirm_enrolment,
    get_user,
    provisioning_uri,
    start_enrolment,
)
from pdfsign.accounts.second_factor import RECOVERY_CODES
from pdfsign.accounts.tables import RecoveryCode, User
from pdfsign.errors import AccountLockedError, AuthenticationError, InputError
from pdfsign.registry import Registry

#: Sign-in time in the tests: an hour after enrolment, on a step boundary.
AT = T0 + dt.timedelta(hours=1)
STEP = dt.timedelta(seconds=30)


def test_a_started_enrolment_is_pending_until_a_code_confirms_it(registry: Registry) -> None:
    ready_user(registry)
    secret = start_enrolment(registry, "issuer01")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert not get_user(registry, "issuer01").second_factor
    codes = confirm_enrolment(registry, "issuer01", pyotp.TOTP(secret).at(T0), at=T0)
    assert get_user(registry, "issuer01").second_factor
    with registry.reading() as session:
        row = session.get(User, "issuer01")
        assert row is not None
        assert (row.totp_secret, row.totp_pending) == (secret, None)
        stored = [r.code_hash for r in session.query(RecoveryCode)]
    assert len(codes) == len(set(codes)) == RECOVERY_CODES
    assert all(re.fullmatch(r"[0-9a-f]{5}-[0-9a-f]{5}", c) for c in codes)
    assert not set(codes) & set(stored)  # only their digests are kept
    assert [e.detail for e in audit_entries(registry, "second-factor-enrol")] == [
        {"user_id": "issuer01"}]


def test_a_wrong_code_enrols_nothing(registry: Registry) -> None:
    ready_user(registry)
    secret = start_enrolment(registry, "issuer01")
    with pytest.raises(InputError, match="the code is wrong") as caught:
        confirm_enrolment(registry, "issuer01", wrong_code(pyotp.TOTP(secret), T0), at=T0)
    assert caught.value.field == "code"
    assert not get_user(registry, "issuer01").second_factor
    # the pending secret is still there: the right code still confirms it
    assert confirm_enrolment(registry, "issuer01", pyotp.TOTP(secret).at(T0), at=T0)


def test_confirming_without_a_started_enrolment_is_refused(registry: Registry) -> None:
    ready_user(registry)
    with pytest.raises(InputError, match="the code is wrong"):
        confirm_enrolment(registry, "issuer01", "123456", at=T0)


def test_the_provisioning_uri_names_the_issuer_and_the_user() -> None:
    secret = pyotp.random_base32()
    uri = urlsplit(provisioning_uri(secret, "issuer01"))
    assert (uri.scheme, uri.netloc, uri.path) == ("otpauth", "totp", "/pdfsign:issuer01")
    assert parse_qs(uri.query)["secret"] == [secret]
    assert parse_qs(uri.query)["issuer"] == ["pdfsign"]


def test_a_code_completes_the_sign_in(registry: Registry, policy: AccountPolicy) -> None:
    user = enrolled_user(registry)
    assert authenticate(registry, policy, "issuer01", PASSWORD, at=AT).stage is (
        Stage.SECOND_FACTOR)
    code = user.totp.at(AT)
    assert check_second_factor(registry, policy, "issuer01", f" {code[:3]} {code[3:]} ",
                               at=AT) is Stage.FULL
    assert audit_entries(registry, "second-factor")[0].detail == {"how": "totp"}


def test_a_replayed_code_is_refused(registry: Registry, policy: AccountPolicy) -> None:
    user = enrolled_user(registry)
    code = user.totp.at(AT)
    check_second_factor(registry, policy, "issuer01", code, at=AT)
    with pytest.raises(AuthenticationError, match="the code is wrong") as caught:
        check_second_factor(registry, policy, "issuer01", code, at=AT + dt.timedelta(seconds=5))
    assert type(caught.value) is AuthenticationError
    assert caught.value.field == "code"


def test_the_code_that_confirmed_enrolment_cannot_sign_in(registry: Registry,
                                                         policy: AccountPolicy) -> None:
    user = enrolled_user(registry, at=T0)
    with pytest.raises(AuthenticationError):
        check_second_factor(registry, policy, "issuer01", user.totp.at(T0), at=T0 + STEP / 2)


def test_an_older_step_than_the_last_accepted_is_refused(registry: Registry,
                                                         policy: AccountPolicy) -> None:
    user = enrolled_user(registry)
    check_second_factor(registry, policy, "issuer01", user.totp.at(AT + STEP), at=AT)
    with pytest.raises(AuthenticationError):
        check_second_factor(registry, policy, "issuer01", user.totp.at(AT), at=AT)


@pytest.mark.parametrize(("steps", "accepted"), [(-2, False), (-1, True), (0, True),
                                                 (1, True), (2, False)])
def test_one_step_of_clock_drift_either_way(registry: Registry, policy: AccountPolicy,
                                            steps: int, accepted: bool) -> None:
    user = enrolled_user(registry)
    code = user.totp.at(AT + steps * STEP)
    if accepted:
        assert check_second_factor(registry, policy, "issuer01", code, at=AT) is Stage.FULL
    else:
        with pytest.raises(AuthenticationError):
            check_second_factor(registry, policy, "issuer01", code, at=AT)


def test_a_recovery_code_works_once(registry: Registry, policy: AccountPolicy) -> None:
    user = enrolled_user(registry)
    first, second = user.recovery_codes[:2]
    assert check_second_factor(registry, policy, "issuer01", first, at=AT) is Stage.FULL
    with pytest.raises(AuthenticationError):
        check_second_factor(registry, policy, "issuer01", first, at=AT)
    # typed without the hyphen, in capitals: the same code
    assert check_second_factor(registry, policy, "issuer01", second.replace("-", "").upper(),
                               at=AT) is Stage.FULL
    assert [e.detail for e in audit_entries(registry, "second-factor")] == [
        {"how": "recovery-code"}, {"how": "recovery-code"}]


def test_enrolling_again_replaces_the_recovery_codes(registry: Registry,
                                                     policy: AccountPolicy) -> None:
    user = enrolled_user(registry)
    secret = start_enrolment(registry, "issuer01")
    fresh = confirm_enrolment(registry, "issuer01", pyotp.TOTP(secret).at(AT), at=AT)
    assert not set(fresh) & set(user.recovery_codes)
    with pytest.raises(AuthenticationError):
        check_second_factor(registry, policy, "issuer01", user.recovery_codes[0], at=AT)
    with pytest.raises(AuthenticationError):  # nor does the old authenticator work
        check_second_factor(registry, policy, "issuer01", user.totp.at(AT + STEP), at=AT + STEP)
    assert check_second_factor(registry, policy, "issuer01", fresh[0], at=AT) is Stage.FULL


def test_wrong_codes_count_toward_the_lockout(registry: Registry,
                                              policy: AccountPolicy) -> None:
    user = enrolled_user(registry)
    wrong = wrong_code(user.totp, AT)
    kinds = []
    for _ in range(5):
        with pytest.raises(AuthenticationError) as caught:
            check_second_factor(registry, policy, "issuer01", wrong, at=AT)
        kinds.append(type(caught.value))
    assert kinds == [AuthenticationError] * 4 + [AccountLockedError]
    assert [e.detail["what"] for e in audit_entries(registry, "signin-failed")] == [
        "second-factor"] * 5
    with pytest.raises(AccountLockedError):  # the password no longer opens a sign-in
        authenticate(registry, policy, "issuer01", PASSWORD, at=AT)


def test_a_lockout_stops_right_codes_too(registry: Registry, policy: AccountPolicy) -> None:
    """Else a session at the code step could go on guessing past the lockout."""
    user = enrolled_user(registry)
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            check_second_factor(registry, policy, "issuer01", "not-a-code", at=AT)
    with pytest.raises(AccountLockedError):
        check_second_factor(registry, policy, "issuer01", user.totp.at(AT), at=AT)
    with pytest.raises(AccountLockedError):
        check_second_factor(registry, policy, "issuer01", user.recovery_codes[0], at=AT)
    later = AT + policy.lockout
    assert check_second_factor(registry, policy, "issuer01", user.totp.at(later),
                               at=later) is Stage.FULL
    assert check_second_factor(registry, policy, "issuer01", user.recovery_codes[0],
                               at=later) is Stage.FULL  # not used up while locked


def test_a_right_code_ends_the_run_of_failures(registry: Registry,
                                              policy: AccountPolicy) -> None:
    user = enrolled_user(registry)
    for _ in range(4):
        with pytest.raises(AuthenticationError):
            check_second_factor(registry, policy, "issuer01", wrong_code(user.totp, AT), at=AT)
    check_second_factor(registry, policy, "issuer01", user.totp.at(AT), at=AT)
    for _ in range(4):
        with pytest.raises(AuthenticationError) as caught:
            authenticate(registry, policy, "issuer01", "Wrong12345", at=AT)
        assert type(caught.value) is AuthenticationError


def test_retyping_a_known_password_buys_no_more_code_guesses(registry: Registry,
                                                             policy: AccountPolicy) -> None:
    """Someone who has the password but not the authenticator is locked out all the same."""
    user = enrolled_user(registry)
    kinds = []
    for _ in range(5):
        assert authenticate(registry, policy, "issuer01", PASSWORD, at=AT).stage is (
            Stage.SECOND_FACTOR)
        with pytest.raises(AuthenticationError) as caught:
            check_second_factor(registry, policy, "issuer01", wrong_code(user.totp, AT), at=AT)
        kinds.append(type(caught.value))
    assert kinds == [AuthenticationError] * 4 + [AccountLockedError]
    with pytest.raises(AccountLockedError):
        authenticate(registry, policy, "issuer01", PASSWORD, at=AT)


@pytest.mark.parametrize("code", ["１２３４５６", "١٢٣٤٥٦", "一二三四五六", ""])
def test_odd_input_is_a_wrong_code_not_a_crash(registry: Registry, policy: AccountPolicy,
                                               code: str) -> None:
    enrolled_user(registry)
    with pytest.raises(AuthenticationError, match="the code is wrong"):
        check_second_factor(registry, policy, "issuer01", code, at=AT)
    secret = start_enrolment(registry, "issuer01")
    with pytest.raises(InputError, match="the code is wrong"):
        confirm_enrolment(registry, "issuer01", code, at=AT)
    assert secret


def test_a_user_without_a_second_factor_has_no_code(registry: Registry,
                                                    policy: AccountPolicy) -> None:
    ready_user(registry)
    with pytest.raises(AuthenticationError):
        check_second_factor(registry, policy, "issuer01", "123456", at=AT)


def test_after_the_code_an_initial_password_must_still_change(
        registry: Registry, policy: AccountPolicy) -> None:
    user = enrolled_user(registry)
    with registry.writing() as session:
        row = session.get(User, "issuer01")
        assert row is not None
        row.must_change = True
    assert check_second_factor(registry, policy, "issuer01", user.totp.at(AT),
                               at=AT) is Stage.PASSWORD


def test_a_code_typed_in_full_width_digits_is_the_same_code(registry: Registry,
                                                            policy: AccountPolicy) -> None:
    user = enrolled_user(registry)
    later = AT + dt.timedelta(minutes=5)
    wide = user.totp.at(later).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    authenticate(registry, policy, "issuer01", PASSWORD, at=later)
    assert check_second_factor(registry, policy, "issuer01", wide, at=later) is not None
