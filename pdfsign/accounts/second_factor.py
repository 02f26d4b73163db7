"""The staff's second factor: TOTP (RFC 6238, pyotp) and one-time recovery codes.

Enrolment is two steps, so that a secret is kept only once the user's authenticator has
shown it can produce codes: :func:`start_enrolment` keeps a pending secret (shown as a QR
code), :func:`confirm_enrolment` checks a code against it and returns the recovery codes,
shown once.  A code is accepted one step either side of now (RFC 6238 §5.2: clock drift)
and never twice (§5.2: the verifier must not accept the second attempt of the same OTP).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import unicodedata

import pyotp
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from pdfsign.accounts.policy import AccountPolicy
from pdfsign.accounts.signin import (
    Stage,
    record_failure,
    refuse_if_locked,
    reset_failures,
    stage_after,
)
from pdfsign.accounts.tables import RecoveryCode, User
from pdfsign.accounts.users import UserInfo, load_user
from pdfsign.errors import AuthenticationError, InputError
from pdfsign.registry import Registry
from pdfsign.registry import audit as audit_log

__all__ = ["ISSUER", "RECOVERY_CODES", "check_second_factor", "confirm_enrolment",
           "pending_secret", "provisioning_uri", "start_enrolment"]

#: The issuer name an authenticator app shows beside the account.
ISSUER = "pdfsign"
RECOVERY_CODES = 10
_STEP = 30


def _typed_code(code: str) -> str:
    """A code as typed, full-width digits from a Japanese input method made ASCII (NFKC)."""
    return unicodedata.normalize("NFKC", code).strip().replace(" ", "")


def _digest(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").lower().encode()).hexdigest()


def _new_recovery_code() -> str:
    raw = secrets.token_hex(5)  # 40 bits, written as two groups of five
    return f"{raw[:5]}-{raw[5:]}"


def start_enrolment(registry: Registry, user_id: str) -> str:
    """Keep a new pending secret for ``user_id``; return it (base32) for the QR code."""
    secret = pyotp.random_base32()
    with registry.writing() as session:
        load_user(session, user_id).totp_pending = secret
    return secret


def pending_secret(registry: Registry, user_id: str) -> str | None:
    """The secret being enrolled (for the QR code and manual entry), if one was started."""
    with registry.reading() as session:
        return load_user(session, user_id).totp_pending


def provisioning_uri(secret: str, user_id: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user_id, issuer_name=ISSUER)


def _matching_step(secret: str, code: str, *, at: dt.datetime) -> int | None:
    """The time step ``code`` belongs to (now ± one step), or ``None``."""
    if not code.isascii():  # compare_digest raises on non-ASCII text (full-width digits)
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(at.timestamp()) // _STEP
    for step in (now_step, now_step - 1, now_step + 1):
        if hmac.compare_digest(totp.at(step * _STEP), code):
            return step
    return None


def confirm_enrolment(registry: Registry, user_id: str, code: str,
                      *, at: dt.datetime) -> list[str]:
    """Enrol the pending secret if ``code`` comes from it; return fresh recovery codes.

    :raises InputError: no enrolment was started, or the code does not match (``code``).
    """
    code = _typed_code(code)
    with registry.writing() as session:
        row = load_user(session, user_id)
        step = _matching_step(row.totp_pending, code, at=at) if row.totp_pending else None
        if step is None:
            raise InputError("確認コードが正しくありません。認証アプリの6桁のコードを入力して"
                             "ください / the code is wrong: type the 6 digits your "
                             "authenticator app shows", field="code")
        row.totp_secret, row.totp_pending, row.totp_last_step = row.totp_pending, None, step
        codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
        session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == row.user_id))
        session.add_all(RecoveryCode(user_id=row.user_id, code_hash=_digest(c)) for c in codes)
        audit_log.append(session, at=at, actor=row.user_id, action="second-factor-enrol",
                         detail={"user_id": row.user_id})
    return codes


def check_second_factor(registry: Registry, policy: AccountPolicy, user_id: str, code: str,
                        *, at: dt.datetime) -> Stage:
    """Check a TOTP or recovery code at sign-in; return the session's next stage.

    :raises AuthenticationError: a wrong or replayed code (counted like a wrong password).
    :raises AccountLockedError: that failure reached the lockout limit, or the ID is locked
        (a right code does not lift a lockout).
    """
    code = _typed_code(code)
    with registry.writing() as session:
        row = load_user(session, user_id)
        outcome: Stage | AuthenticationError | None = refuse_if_locked(
            session, policy, row.user_id, at=at)
        if outcome is not None:
            pass
        elif (how := _accept(session, row, code, at=at)) is None:
            outcome = record_failure(session, policy, row.user_id, at=at, what="second-factor")
        else:
            reset_failures(session, row.user_id)
            audit_log.append(session, at=at, actor=row.user_id, action="second-factor",
                             detail={"how": how})
            outcome = stage_after(UserInfo.of(row), policy, at=at,
                                  second_factor_done=True)
    if isinstance(outcome, AuthenticationError):
        raise outcome
    return outcome


def _accept(session: Session, row: User, code: str, *, at: dt.datetime) -> str | None:
    """``totp`` or ``recovery-code`` if ``code`` is accepted (and used up), else ``None``."""
    if row.totp_secret is None:
        return None
    if code.isdigit():
        step = _matching_step(row.totp_secret, code, at=at)
        if step is None or (row.totp_last_step is not None and step <= row.totp_last_step):
            return None
        row.totp_last_step = step
        return "totp"
    unused = select(RecoveryCode).where(RecoveryCode.user_id == row.user_id,
                                        RecoveryCode.code_hash == _digest(code),
                                        RecoveryCode.used_at.is_(None))
    recovery = session.execute(unused).scalar_one_or_none()
    if recovery is None:
        return None
    recovery.used_at = at
    return "recovery-code"
