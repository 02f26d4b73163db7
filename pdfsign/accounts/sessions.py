"""The server side of web sessions: a random ID per sign-in, idle and absolute timeouts.

The browser holds only a random 256-bit ID (in Flask's signed cookie); the database holds
its SHA-256, the user and the stage the sign-in has reached.  Signing in always makes a
new ID (the old one is ended: no session fixation); signing out, a password reset, a lock
or a deactivation deletes the row, so a copied cookie stops working at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete

from pdfsign.accounts.policy import AccountPolicy
from pdfsign.accounts.signin import Stage
from pdfsign.accounts.tables import User, WebSession
from pdfsign.accounts.users import UserInfo
from pdfsign.registry import Registry

__all__ = ["ActiveSession", "advance_session", "end_session", "load_session", "open_session"]

#: ``seen_at`` is rewritten at most this often (a write per request would serialise reads).
_TOUCH_EVERY = dt.timedelta(seconds=30)


@dataclass(frozen=True)
class ActiveSession:
    """A live session: the user as of this request and the stage reached."""

    user: UserInfo
    stage: Stage


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def open_session(registry: Registry, user_id: str, stage: Stage, *, at: dt.datetime,
                 replacing: str | None = None) -> str:
    """Start a session (ending ``replacing``, the pre-sign-in one); return its new ID."""
    session_id = secrets.token_urlsafe(32)
    with registry.writing() as session:
        if replacing:
            session.execute(delete(WebSession).where(WebSession.id_hash == _key(replacing)))
        session.add(WebSession(id_hash=_key(session_id), user_id=user_id, stage=stage.value,
                               created_at=at, seen_at=at))
    return session_id


def load_session(registry: Registry, policy: AccountPolicy, session_id: str,
                 *, at: dt.datetime) -> ActiveSession | None:
    """The live session ``session_id`` names, or ``None`` (unknown, timed out, user gone).

    A timed-out session is deleted here, so it cannot come back.
    """
    with registry.writing() as session:
        row = session.get(WebSession, _key(session_id))
        if row is None:
            return None
        user = session.get(User, row.user_id)
        expired = (at - row.seen_at > policy.session_idle
                   or at - row.created_at > policy.session_max)
        if expired or user is None or not user.active or user.locked:
            session.delete(row)
            return None
        if at - row.seen_at > _TOUCH_EVERY:
            row.seen_at = at
        return ActiveSession(UserInfo.of(user), Stage(row.stage))


def advance_session(registry: Registry, session_id: str, stage: Stage) -> None:
    """Record that the session reached ``stage`` (after a code, a password change, enrolment)."""
    with registry.writing() as session:
        row = session.get(WebSession, _key(session_id))
        if row is not None:
            row.stage = stage.value


def end_session(registry: Registry, session_id: str) -> None:
    """Sign out: the ID is dead from now on."""
    with registry.writing() as session:
        session.execute(delete(WebSession).where(WebSession.id_hash == _key(session_id)))
