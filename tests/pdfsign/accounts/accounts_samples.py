"""Sample accounts for the tests: a fixed clock, ready users, the audit trail read back."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pyotp
from sqlalchemy import select

from pdfsign.accounts import Role, add_user, change_password, confirm_enrolment, start_enrolment
from pdfsign.registry import Registry
from pdfsign.registry.models import AuditRow

#: The accounts clock of the tests (a TOTP step boundary: 30 s divides it).
T0 = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)
#: The password every sample user chooses at its first sign-in.
PASSWORD = "Kanda2026pw"
ADMIN = "admin01"


def minutes(n: float) -> dt.timedelta:
    return dt.timedelta(minutes=n)


def ready_user(registry: Registry, user_id: str = "issuer01", *, role: Role = Role.ISSUER,
               at: dt.datetime = T0) -> str:
    """Add ``user_id`` and change its initial password to :data:`PASSWORD` at ``at``.

    :return: the user ID (signing in with :data:`PASSWORD` then reaches ``full``).
    """
    new = add_user(registry, user_id, role=role, name="試験 太郎", actor=ADMIN, at=at)
    change_password(registry, new.user_id, current=new.initial_password, new=PASSWORD, at=at)
    return new.user_id


@dataclass(frozen=True)
class Enrolled:
    """A user with a confirmed TOTP secret and its recovery codes."""

    user_id: str
    totp: pyotp.TOTP
    recovery_codes: list[str]


def enrolled_user(registry: Registry, user_id: str = "issuer01", *,
                  at: dt.datetime = T0) -> Enrolled:
    """A :func:`ready_user` that enrolled an authenticator at ``at``."""
    ready_user(registry, user_id, at=at)
    totp = pyotp.TOTP(start_enrolment(registry, user_id))
    codes = confirm_enrolment(registry, user_id, totp.at(at), at=at)
    return Enrolled(user_id, totp, codes)


def wrong_code(totp: pyotp.TOTP, at: dt.datetime) -> str:
    """Six digits that are no code of ``totp`` one step either side of ``at``."""
    valid = {totp.at(at + dt.timedelta(seconds=30 * k)) for k in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


@dataclass(frozen=True)
class Entry:
    """One audit entry as the tests look at it."""

    actor: str
    action: str
    detail: dict[str, object]


def audit_entries(registry: Registry, *actions: str) -> list[Entry]:
    """The audit log in order, only ``actions`` if any are named."""
    with registry.reading() as session:
        rows = session.execute(select(AuditRow).order_by(AuditRow.seq)).scalars()
        entries = [Entry(r.actor, r.action, json.loads(r.detail)) for r in rows]
    return [e for e in entries if not actions or e.action in actions]
