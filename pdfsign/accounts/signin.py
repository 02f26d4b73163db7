"""Signing in: the password, the lockout, and what the user must do before working.

The rules (DOMAIN.md, "Accounts and credentials"):

- A failure never says whether the user ID exists: an unknown ID is checked against a
  dummy hash (the same time as a wrong password) and counted in the same throttle, so it
  also "locks" after the same number of tries.
- ``lockout_failures`` consecutive failures lock the typed ID for ``lockout`` minutes; a
  completed sign-in (the password, and the code if one is enrolled) resets the count.  A
  wrong second-factor code is a failure too.
- An administrator's lock is told only to someone who knew the password.
- An initial, reset or expired password must be changed; a role that requires a second
  factor must enrol one; only then is the session ``full``.

Every attempt is written to the audit trail, so the failures are committed even though the
caller then receives an error.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.orm import Session

from pdfsign.accounts.passwords import (
    check_password,
    dummy_hash,
    hash_password,
    needs_rehash,
    verify_password,
)
from pdfsign.accounts.policy import AccountPolicy
from pdfsign.accounts.tables import SigninThrottle, User
from pdfsign.accounts.users import UserInfo, load_user
from pdfsign.errors import AccountLockedError, AuthenticationError, InputError
from pdfsign.registry import JST, Registry
from pdfsign.registry import audit as audit_log

__all__ = ["Signin", "Stage", "authenticate", "change_password", "record_failure",
           "refuse_if_locked", "reset_failures", "stage_after", "typed_id"]

_MAX_TYPED = 64
WRONG = "ユーザーIDまたはパスワードが正しくありません / the user ID or password is wrong"


class Stage(enum.Enum):
    """What a signed-in session may do next."""

    SECOND_FACTOR = "second-factor"
    PASSWORD = "password"
    ENROL = "enrol"
    FULL = "full"


@dataclass(frozen=True)
class Signin:
    """A successful password check: who, and the step before the session is ``full``."""

    user: UserInfo
    stage: Stage


def typed_id(value: str) -> str:
    """A typed user ID as it is counted and audited: trimmed, printable, bounded."""
    return "".join(c for c in value.strip() if c.isprintable())[:_MAX_TYPED]


def stage_after(user: UserInfo, policy: AccountPolicy, *, at: dt.datetime,
                second_factor_done: bool) -> Stage:
    """The next step for ``user`` once its password (and maybe second factor) is checked."""
    if user.second_factor and not second_factor_done:
        return Stage.SECOND_FACTOR
    if user.must_change or at - user.password_changed_at >= policy.password_max_age:
        return Stage.PASSWORD
    if user.role in policy.second_factor_roles and not user.second_factor:
        return Stage.ENROL
    return Stage.FULL


def authenticate(registry: Registry, policy: AccountPolicy, user_id: str, password: str,
                 *, at: dt.datetime) -> Signin:
    """Check a user ID and password.

    :raises AccountLockedError: the ID is locked (failures or an administrator).
    :raises AuthenticationError: wrong ID or password (the same words either way).
    """
    typed = typed_id(user_id)
    with registry.writing() as session:
        outcome = _attempt(session, policy, typed, password, at=at)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def _attempt(session: Session, policy: AccountPolicy, typed: str, password: str,
             *, at: dt.datetime) -> Signin | AuthenticationError:
    """One attempt inside a transaction that commits whatever happens (the audit trail)."""
    if (refused := refuse_if_locked(session, policy, typed, at=at)) is not None:
        return refused
    row = session.get(User, typed) if typed else None
    matches = verify_password(row.password_hash if row else dummy_hash(), password)
    if row is None or not matches or not row.active:
        return record_failure(session, policy, typed, at=at, what="password")
    if row.locked:
        audit_log.append(session, at=at, actor=typed, action="signin-refused",
                         detail={"why": "locked by an administrator"})
        return AccountLockedError("このアカウントはロックされています。管理者に解除を依頼して"
                                  "ください / this account is locked; ask an administrator to "
                                  "unlock it", field="user_id")
    if row.totp_secret is None:  # else only the right code ends the run: re-typing a
        reset_failures(session, typed)  # known password must not buy more code guesses
    if needs_rehash(row.password_hash):
        row.password_hash = hash_password(password)
    user = UserInfo.of(row)
    stage = stage_after(user, policy, at=at, second_factor_done=False)
    audit_log.append(session, at=at, actor=typed, action="signin",
                     detail={"stage": stage.value})
    return Signin(user, stage)


def reset_failures(session: Session, typed: str) -> None:
    """End a run of failures: a sign-in completed (the password, and the code if enrolled)."""
    session.execute(delete(SigninThrottle).where(SigninThrottle.user_id == typed))


def refuse_if_locked(session: Session, policy: AccountPolicy, typed: str,
                     *, at: dt.datetime) -> AccountLockedError | None:
    """The error (audited) if failures have locked ``typed`` at ``at``, else ``None``.

    Checked before a password *and* before a second-factor code, so that a lockout stops
    guessing codes too, not only passwords.
    """
    locked = _locked_until(session, typed, at=at)
    if locked is None:
        return None
    audit_log.append(session, at=at, actor=typed, action="signin-refused",
                     detail={"why": "locked"})
    return _locked_error(policy, locked)


def _locked_until(session: Session, typed: str, *, at: dt.datetime) -> dt.datetime | None:
    throttle = session.get(SigninThrottle, typed)
    if throttle is None or throttle.locked_until is None or throttle.locked_until <= at:
        return None
    return throttle.locked_until


def _locked_error(policy: AccountPolicy, until: dt.datetime) -> AccountLockedError:
    minutes = int(policy.lockout.total_seconds() // 60)
    shown = until.astimezone(JST).strftime("%H:%M")
    return AccountLockedError(
        f"ログインに{policy.lockout_failures}回続けて失敗したため、{shown}（日本時間）まで"
        f"ロックされています / locked for {minutes} minutes after {policy.lockout_failures} "
        f"failed sign-ins (until {shown} JST)", field="user_id")


def record_failure(session: Session, policy: AccountPolicy, typed: str, *, at: dt.datetime,
                   what: str) -> AuthenticationError:
    """Count a failed password or second-factor code; lock at the limit.

    :param what: ``password`` or ``second-factor``, for the audit entry.
    :return: the error to raise once the transaction commits.
    """
    throttle = session.get(SigninThrottle, typed) or SigninThrottle(
        user_id=typed, failures=0, last_failure_at=at)
    if throttle.locked_until is not None and throttle.locked_until <= at:
        throttle.failures, throttle.locked_until = 0, None  # a lock served restarts the count
    throttle.failures += 1
    throttle.last_failure_at = at
    session.add(throttle)
    audit_log.append(session, at=at, actor=typed, action="signin-failed",
                     detail={"what": what, "failures": throttle.failures})
    if throttle.failures < policy.lockout_failures:
        return AuthenticationError(WRONG if what == "password" else
                                   "確認コードが正しくありません / the code is wrong",
                                   field="password" if what == "password" else "code")
    throttle.locked_until = at + policy.lockout
    audit_log.append(session, at=at, actor=typed, action="lock",
                     detail={"by": "failures", "until": throttle.locked_until})
    return _locked_error(policy, throttle.locked_until)


def change_password(registry: Registry, user_id: str, *, current: str, new: str,
                    confirm: str | None = None, at: dt.datetime) -> UserInfo:
    """Replace a password the user knows with a new one that meets the rule.

    :param confirm: the new password typed again, where a form asks for it.
    :raises InputError: the current password is wrong (``current_password``), the new one
        breaks the rule or repeats the current one (``new_password``), or the repetition
        differs (``confirm_password``).
    """
    check_password(new, field="new_password")
    if confirm is not None and confirm != new:
        raise InputError("確認用のパスワードが一致しません / the two new passwords differ",
                         field="confirm_password")
    with registry.writing() as session:
        row = load_user(session, user_id)
        if not verify_password(row.password_hash, current):
            raise InputError("現在のパスワードが正しくありません / the current password is wrong",
                             field="current_password")
        if new == current:
            raise InputError("現在と同じパスワードは使えません / the new password must differ "
                             "from the current one", field="new_password")
        row.password_hash, row.password_changed_at, row.must_change = hash_password(new), at, False
        audit_log.append(session, at=at, actor=row.user_id, action="password-change",
                         detail={"user_id": row.user_id})
        return UserInfo.of(row)
