"""The accounts' tables, in the registry's database (one schema, one set of migrations).

A *user* is a staff member or a bank user; *signin_throttle* counts failed sign-ins per
typed user ID, known or not, so that an unknown ID locks exactly like a real one and the
lockout never tells which IDs exist; *web_sessions* holds the server side of a signed-in
browser, keyed by the SHA-256 of the random ID in its cookie, so that signing out (or an
administrator's lock) ends it for real; *recovery_codes* are the one-time second-factor codes;
*api_tokens* are the personal API tokens, kept as the SHA-256 of the random token only.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pdfsign.registry.models import Base, UtcDateTime

__all__ = ["ApiToken", "RecoveryCode", "SigninThrottle", "User", "WebSession"]


class User(Base):
    """One account: who it is, its role, its password and second factor."""

    __tablename__ = "users"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    #: ``admin``, ``issuer``, ``auditor``, ``bank-head`` or ``bank-branch``.
    role: Mapped[str] = mapped_column(String(12))
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    #: A bank user's association, bank and branch (from the 11-digit user ID).
    association_code: Mapped[str | None] = mapped_column(String(2), nullable=True)
    bank_code: Mapped[str | None] = mapped_column(String(4), nullable=True)
    branch_code: Mapped[str | None] = mapped_column(String(3), nullable=True)
    #: Argon2id, PHC string format (salt and parameters inside).
    password_hash: Mapped[str] = mapped_column(String(200))
    password_changed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    #: An initial or reset password: it must be changed at the next sign-in.
    must_change: Mapped[bool] = mapped_column(Boolean, default=True)
    #: An administrator's lock (lifted only by an administrator).
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    #: A deactivated account cannot sign in; its rows stay for the audit trail.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The interface language, ``ja`` or ``en``.
    lang: Mapped[str] = mapped_column(String(2), default="ja")
    #: Upload notification e-mails on or off.
    notify: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The enrolled TOTP secret (base32), and one being enrolled but not yet confirmed.
    totp_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    totp_pending: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: The last TOTP time step accepted, so that a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class SigninThrottle(Base):
    """Consecutive failed sign-ins for one typed user ID, and until when it is locked."""

    __tablename__ = "signin_throttle"

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)


class WebSession(Base):
    """The server side of one browser session."""

    __tablename__ = "web_sessions"

    #: SHA-256 of the random session ID (the cookie's value never sits in the database).
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.user_id"))
    #: What the session may do: ``second-factor``, ``password``, ``enrol`` or ``full``.
    stage: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    seen_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class RecoveryCode(Base):
    """One one-time recovery code (SHA-256 suffices: the codes are random, 40 bits each)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.user_id"))
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)


class ApiToken(Base):
    """One personal API token: whose, what it may do, until when (SHA-256 suffices: the
    token is 256 random bits, so there is nothing to guess that a slow hash would protect)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.user_id"))
    #: ``read``, ``verify`` or ``issue`` (:class:`pdfsign.accounts.tokens.Scope`).
    scope: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    #: Who created it (the user, or an administrator).
    created_by: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    #: Rewritten at most once a minute (with an audit entry), not on every request.
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
