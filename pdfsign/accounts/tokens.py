"""Personal API tokens: for machines (CI pipelines, a bank's nightly pull) that have no browser.

A token is ``pst_`` and 256 random bits, shown once when it is made; the database keeps only
its SHA-256.  Each has one scope, an expiry, and can be revoked.  The rule of which role may
hold which scope, and what a scope lets a request do, is :func:`permits` and nowhere else:

- ``read`` — list files, read their metadata, download them (every role; a bank user sees
  only its own files, by the registry's access rule);
- ``verify`` — verify PDFs (staff);
- ``issue`` — issue and re-issue documents (administrators and issuers).

Scopes do not nest: a pipeline that only verifies cannot download, and a download token
cannot issue.  The role is checked again on every use, so a staff member moved to a role
without the right loses it at once, tokens included.

Every successful use is audited, but at most once a minute per token (``api-token``), with
``last_used_at``: a script polling every second must not grow the hash chain by 86,400
entries a day.  Failures are not audited: an unknown token names nobody, and recording it
would let anyone grow the chain.  Like a sign-in, every failure has the same words.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import or_, select, update

from pdfsign.accounts.roles import STAFF, Role
from pdfsign.accounts.tables import ApiToken, User
from pdfsign.accounts.users import UserInfo, load_user
from pdfsign.errors import (
    AuthenticationError,
    ConflictError,
    InputError,
    NotFoundError,
    PermissionDenied,
)
from pdfsign.registry import Registry
from pdfsign.registry import audit as audit_log

__all__ = ["DEFAULT_EXPIRES_DAYS", "MAX_EXPIRES_DAYS", "REFUSED", "TOKEN_PREFIX", "Scope",
           "TokenInfo", "authenticate_token", "create_token", "list_tokens", "permits",
           "revoke_token", "scopes_for", "session_token"]

TOKEN_PREFIX = "pst_"
#: The longest life a token may be given.
MAX_EXPIRES_DAYS = 366
#: A token's life when its maker does not choose one (``pdfsign token create``, the page).
DEFAULT_EXPIRES_DAYS = 90
#: The life of a :func:`session_token`: one bulk download run, with room to spare.
SESSION_LIFETIME = dt.timedelta(hours=1)
#: How often one token's use is written to ``last_used_at`` and the audit trail.
_AUDIT_EVERY = dt.timedelta(minutes=1)
#: The one message for every refused token: unknown, expired, revoked, or its user locked out.
REFUSED = ("APIトークンが無効です（不明・期限切れ・失効済み、またはユーザーが利用できません） / "
           "the API token is not valid (unknown, expired or revoked, or its user may not sign in)")


class Scope(enum.Enum):
    """What a token lets a request do."""

    READ = "read"
    VERIFY = "verify"
    ISSUE = "issue"

    @classmethod
    def parse(cls, value: str, *, field: str = "scope") -> Scope:
        """:raises InputError: not ``read``, ``verify`` or ``issue``."""
        try:
            return cls(value.strip())
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise InputError(f"スコープは {names} のいずれかです / the scope must be one of "
                             f"{names}, not {value!r}", field=field) from None


#: The roles that may hold (and use) each scope.
_HOLDERS: dict[Scope, frozenset[Role]] = {
    Scope.READ: frozenset(Role),
    Scope.VERIFY: STAFF,
    Scope.ISSUE: frozenset({Role.ADMIN, Role.ISSUER}),
}


def scopes_for(role: Role) -> list[Scope]:
    """The scopes ``role`` may hold, for a form to offer."""
    return [scope for scope in Scope if permits(role, scope, scope)]


def permits(role: Role, held: Scope, needed: Scope) -> bool:
    """Whether a token of scope ``held``, belonging to a user of ``role``, may do what
    ``needed`` names — the one place the scope rule lives (creation asks ``held == needed``).
    """
    return held is needed and role in _HOLDERS[needed]


@dataclass(frozen=True)
class TokenInfo:
    """A token as the front ends show it (never the token or its hash)."""

    id: int
    user_id: str
    scope: Scope
    created_at: dt.datetime
    created_by: str
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None

    @classmethod
    def of(cls, row: ApiToken) -> TokenInfo:
        """The public view of a row."""
        return cls(row.id, row.user_id, Scope(row.scope), row.created_at, row.created_by,
                   row.expires_at, row.revoked_at, row.last_used_at)

    def usable(self, at: dt.datetime) -> bool:
        """Neither revoked nor expired at ``at`` (the user's state aside)."""
        return self.revoked_at is None and at < self.expires_at

    def to_json(self) -> dict[str, object]:
        """What ``token list --json`` prints."""
        def iso(value: dt.datetime | None) -> str | None:
            return None if value is None else value.isoformat()
        return {"id": self.id, "user_id": self.user_id, "scope": self.scope.value,
                "created_at": iso(self.created_at), "created_by": self.created_by,
                "expires_at": iso(self.expires_at), "revoked_at": iso(self.revoked_at),
                "last_used_at": iso(self.last_used_at)}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(registry: Registry, user_id: str, *, scope: Scope, expires_days: int,
                 actor: str, at: dt.datetime) -> tuple[TokenInfo, str]:
    """Make a token for ``user_id``; the text is returned here only, to be shown once.

    :param expires_days: its life, 1 to :data:`MAX_EXPIRES_DAYS` days from ``at``.
    :raises InputError: ``expires_days`` out of range (``expires``).
    :raises NotFoundError: no such user.
    :raises PermissionDenied: the user's role may not hold ``scope`` (``scope``).
    """
    if not 1 <= expires_days <= MAX_EXPIRES_DAYS:
        raise InputError(f"有効期間は1〜{MAX_EXPIRES_DAYS}日です / a token lasts 1 to "
                         f"{MAX_EXPIRES_DAYS} days, not {expires_days}", field="expires")
    return _insert(registry, user_id, scope=scope, actor=actor, at=at,
                   expires_at=at + dt.timedelta(days=expires_days))


def session_token(registry: Registry, user: UserInfo, *, at: dt.datetime,
                  lifetime: dt.timedelta = SESSION_LIFETIME) -> tuple[TokenInfo, str]:
    """A short-lived ``read`` token for a user who has just signed in with a password (the
    bulk download tool's run), so the run's requests need not check the password again."""
    return _insert(registry, user.user_id, scope=Scope.READ, actor=user.user_id, at=at,
                   expires_at=at + lifetime)


def _insert(registry: Registry, user_id: str, *, scope: Scope, actor: str, at: dt.datetime,
            expires_at: dt.datetime) -> tuple[TokenInfo, str]:
    """Store a new token's hash, audited; the text is returned, to be shown once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with registry.writing() as session:
        user = load_user(session, user_id)
        role = Role(user.role)
        if not permits(role, scope, scope):
            raise PermissionDenied(f"役割 {role.value} は {scope.value} スコープのトークンを持てま"
                                   f"せん / the role {role.value} may not hold a "
                                   f"{scope.value} token", field="scope")
        row = ApiToken(token_hash=_hash(token), user_id=user.user_id, scope=scope.value,
                       created_at=at, created_by=actor, expires_at=expires_at)
        session.add(row)
        session.flush()
        audit_log.append(session, at=at, actor=actor, action="api-token-create",
                         detail={"token_id": row.id, "user_id": user.user_id,
                                 "scope": scope.value, "expires_at": row.expires_at})
        return TokenInfo.of(row), token


def authenticate_token(registry: Registry, token: str, *,
                       at: dt.datetime) -> tuple[UserInfo, Scope]:
    """The user and scope of a usable token, its use recorded (at most once a minute).

    :raises AuthenticationError: unknown, expired or revoked, or the user is deactivated
        or locked — always with the same message, so a refusal tells nothing.
    """
    if not token.startswith(TOKEN_PREFIX):
        raise AuthenticationError(REFUSED, field="token")
    with registry.reading() as session:
        row = session.execute(select(ApiToken).where(ApiToken.token_hash == _hash(token))
                              ).scalar_one_or_none()
        user = session.get(User, row.user_id) if row is not None else None
        if row is None or user is None or not TokenInfo.of(row).usable(at) \
                or not user.active or user.locked:
            raise AuthenticationError(REFUSED, field="token")
        info, found = TokenInfo.of(row), UserInfo.of(user)
    _record_use(registry, info, at=at)
    return found, info.scope


def _record_use(registry: Registry, info: TokenInfo, *, at: dt.datetime) -> None:
    """``last_used_at`` and an audit entry, unless this token was recorded under a minute ago.

    The conditional UPDATE makes two requests at once write one entry, not two.
    """
    if info.last_used_at is not None and at - info.last_used_at < _AUDIT_EVERY:
        return
    with registry.writing() as session:
        due = or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= at - _AUDIT_EVERY)
        done = session.execute(update(ApiToken).where(ApiToken.id == info.id, due)
                               .values(last_used_at=at))
        if done.rowcount == 1:  # type: ignore[attr-defined]
            audit_log.append(session, at=at, actor=info.user_id, action="api-token",
                             detail={"token_id": info.id, "scope": info.scope.value})


def revoke_token(registry: Registry, token_id: int, *, actor: str, at: dt.datetime,
                 owner: str | None = None) -> TokenInfo:
    """Revoke a token for good.

    :param owner: if given, the token must be this user's (a user revoking their own).
    :raises NotFoundError: no such token (or not ``owner``'s).
    :raises ConflictError: it is already revoked.
    """
    with registry.writing() as session:
        row = session.get(ApiToken, token_id)
        if row is None or (owner is not None and row.user_id != owner):
            raise NotFoundError(f"トークン {token_id} はありません / no token {token_id}",
                                field="token_id")
        if row.revoked_at is not None:
            raise ConflictError(f"トークン {token_id} は失効済みです / token {token_id} is "
                                f"already revoked", field="token_id")
        row.revoked_at = at
        audit_log.append(session, at=at, actor=actor, action="api-token-revoke",
                         detail={"token_id": row.id, "user_id": row.user_id})
        return TokenInfo.of(row)


def list_tokens(registry: Registry, user_id: str | None = None) -> list[TokenInfo]:
    """Every token (or ``user_id``'s), newest first; revoked and expired ones included.

    :raises NotFoundError: ``user_id`` names no user.
    """
    stmt = select(ApiToken).order_by(ApiToken.id.desc())
    with registry.reading() as session:
        if user_id is not None:
            stmt = stmt.where(ApiToken.user_id == load_user(session, user_id).user_id)
        return [TokenInfo.of(row) for row in session.execute(stmt).scalars()]
