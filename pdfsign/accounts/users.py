"""Creating and administering accounts; every change is one audited transaction.

The CLI (``pdfsign user …``) and the web UI's administration pages call these functions,
so both apply the same rules and show the same messages.  A new or reset password is
returned once, to be shown once; only its Argon2id hash is kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from pdfsign.accounts.passwords import hash_password, initial_password
from pdfsign.accounts.roles import Role, parse_account_id
from pdfsign.accounts.tables import SigninThrottle, User, WebSession
from pdfsign.errors import ConflictError, InputError, NotFoundError
from pdfsign.registry import Registry
from pdfsign.registry import audit as audit_log

__all__ = ["NewPassword", "UserInfo", "add_user", "deactivate", "edit_user", "get_user",
           "list_users", "load_user", "lock", "reset_password", "set_language", "set_notify",
           "unlock"]

_MAX_NAME = 100
_MAX_EMAIL = 254


@dataclass(frozen=True)
class UserInfo:
    """An account as the front ends show it (never its hash or second-factor secret)."""

    user_id: str
    name: str
    role: Role
    email: str | None
    bank_code: str | None
    branch_code: str | None
    locked: bool
    active: bool
    lang: str
    must_change: bool
    second_factor: bool
    password_changed_at: dt.datetime
    created_at: dt.datetime
    #: Upload notification e-mail on (bank users set it themselves).
    notify: bool = True

    @classmethod
    def of(cls, row: User) -> UserInfo:
        """The public view of a row."""
        return cls(row.user_id, row.name, Role(row.role), row.email, row.bank_code,
                   row.branch_code, row.locked, row.active, row.lang, row.must_change,
                   row.totp_secret is not None, row.password_changed_at, row.created_at,
                   row.notify)

    def to_json(self) -> dict[str, object]:
        """What ``user list --json`` prints."""
        return {"user_id": self.user_id, "name": self.name, "role": self.role.value,
                "email": self.email, "bank": self.bank_code, "branch": self.branch_code,
                "locked": self.locked, "active": self.active, "lang": self.lang,
                "must_change_password": self.must_change, "second_factor": self.second_factor,
                "password_changed_at": self.password_changed_at.isoformat(),
                "created_at": self.created_at.isoformat(), "notify": self.notify}


@dataclass(frozen=True)
class NewPassword:
    """An initial or reset password, to show once."""

    user_id: str
    initial_password: str


def _name(value: str) -> str:
    name = value.strip()
    if not name or len(name) > _MAX_NAME:
        raise InputError(f"氏名は1〜{_MAX_NAME}文字です / a name has 1 to {_MAX_NAME} characters",
                         field="name")
    return name


def _email(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    email = value.strip()
    local, at, domain = email.rpartition("@")
    if not at or not local or "." not in domain or len(email) > _MAX_EMAIL or " " in email:
        raise InputError(f"メールアドレスの形式が正しくありません / not an e-mail address: "
                         f"{value!r}", field="email")
    return email


def load_user(session: Session, user_id: str) -> User:
    """:raises NotFoundError: no such account (administration only: sign-in never says so)."""
    row = session.get(User, user_id.strip())
    if row is None:
        raise NotFoundError(f"ユーザー {user_id} は登録されていません / no user {user_id}",
                            field="user_id")
    return row


def add_user(registry: Registry, user_id: str, *, role: Role, name: str,
             email: str | None = None, bank: str | None = None, branch: str | None = None,
             actor: str, at: dt.datetime) -> NewPassword:
    """Create an account with a random initial password, to be changed at first sign-in.

    :raises InputError: the ID breaks its role's rule, or a name or e-mail is malformed.
    :raises ConflictError: the user ID is taken.
    """
    checked = parse_account_id(user_id, role=role, bank=bank, branch=branch)
    row = User(user_id=checked.user_id, name=_name(name), role=role.value, email=_email(email),
               must_change=True, locked=False, active=True, lang="ja", notify=True,
               created_at=at, password_changed_at=at)
    if checked.bank_user is not None:
        row.association_code = checked.bank_user.association
        row.bank_code, row.branch_code = checked.bank_user.bank, checked.bank_user.branch
    password = initial_password()
    row.password_hash = hash_password(password)
    with registry.writing() as session:
        if session.get(User, row.user_id) is not None:
            raise ConflictError(f"ユーザー {row.user_id} は既に登録されています / user "
                                f"{row.user_id} already exists", field="user_id")
        session.add(row)
        audit_log.append(session, at=at, actor=actor, action="user-add",
                         detail={"user_id": row.user_id, "role": role.value})
    return NewPassword(row.user_id, password)


def edit_user(registry: Registry, user_id: str, *, name: str, email: str | None,
              role: Role | None = None, actor: str, at: dt.datetime) -> UserInfo:
    """Change an account's name, e-mail and (between staff roles) role.

    :raises InputError: a bad name or e-mail, or a role change across staff and bank.
    """
    with registry.writing() as session:
        row = load_user(session, user_id)
        if role is not None and role.is_staff != Role(row.role).is_staff:
            raise InputError("職員と銀行ユーザーの間で役割は変えられません / a role cannot change "
                             "between staff and bank users", field="role")
        if role is not None:  # a bank user's role follows the branch in its ID
            parse_account_id(row.user_id, role=role)
        row.name, row.email = _name(name), _email(email)
        row.role = (role or Role(row.role)).value
        audit_log.append(session, at=at, actor=actor, action="user-edit",
                         detail={"user_id": row.user_id, "role": row.role})
        return UserInfo.of(row)


def reset_password(registry: Registry, user_id: str, *, actor: str,
                   at: dt.datetime) -> NewPassword:
    """Replace the password with a new initial one and end the user's sessions."""
    password = initial_password()
    with registry.writing() as session:
        row = load_user(session, user_id)
        row.password_hash, row.password_changed_at = hash_password(password), at
        row.must_change = True
        _end_sessions(session, row.user_id)
        audit_log.append(session, at=at, actor=actor, action="password-reset",
                         detail={"user_id": row.user_id})
    return NewPassword(row.user_id, password)


def lock(registry: Registry, user_id: str, *, actor: str, at: dt.datetime) -> UserInfo:
    """Lock an account until an administrator unlocks it; its sessions end now."""
    with registry.writing() as session:
        row = load_user(session, user_id)
        row.locked = True
        _end_sessions(session, row.user_id)
        audit_log.append(session, at=at, actor=actor, action="lock",
                         detail={"user_id": row.user_id, "by": "administrator"})
        return UserInfo.of(row)


def unlock(registry: Registry, user_id: str, *, actor: str, at: dt.datetime) -> UserInfo:
    """Lift an administrator's lock and a lockout after failed sign-ins."""
    with registry.writing() as session:
        row = load_user(session, user_id)
        row.locked = False
        session.execute(delete(SigninThrottle).where(SigninThrottle.user_id == row.user_id))
        audit_log.append(session, at=at, actor=actor, action="unlock",
                         detail={"user_id": row.user_id})
        return UserInfo.of(row)


def deactivate(registry: Registry, user_id: str, *, actor: str, at: dt.datetime) -> UserInfo:
    """Stop an account from signing in for good; the row stays for the audit trail.

    :raises ConflictError: ``actor`` deactivating itself (an installation keeps its admin).
    """
    with registry.writing() as session:
        row = load_user(session, user_id)
        if row.user_id == actor:
            raise ConflictError("自分自身は無効にできません / you cannot deactivate your own "
                                "account", field="user_id")
        row.active = False
        _end_sessions(session, row.user_id)
        audit_log.append(session, at=at, actor=actor, action="user-deactivate",
                         detail={"user_id": row.user_id})
        return UserInfo.of(row)


def set_language(registry: Registry, user_id: str, lang: str) -> None:
    """Remember the interface language (``ja`` or ``en``) of a user; not audited."""
    if lang not in ("ja", "en"):
        raise InputError(f"言語は ja か en です / language is ja or en, not {lang!r}",
                         field="lang")
    with registry.writing() as session:
        load_user(session, user_id).lang = lang


def set_notify(registry: Registry, user_id: str, on: bool, *, at: dt.datetime) -> UserInfo:
    """Turn a user's upload notification e-mail on or off (their own setting; audited)."""
    with registry.writing() as session:
        row = load_user(session, user_id)
        row.notify = on
        audit_log.append(session, at=at, actor=row.user_id, action="notify-setting",
                         detail={"user_id": row.user_id, "on": on})
        return UserInfo.of(row)


def get_user(registry: Registry, user_id: str) -> UserInfo:
    """:raises NotFoundError: no such account."""
    with registry.reading() as session:
        return UserInfo.of(load_user(session, user_id))


def list_users(registry: Registry) -> list[UserInfo]:
    """Every account, staff and bank, by user ID."""
    with registry.reading() as session:
        rows = session.execute(select(User).order_by(User.user_id)).scalars()
        return [UserInfo.of(row) for row in rows]


def _end_sessions(session: Session, user_id: str) -> None:
    session.execute(delete(WebSession).where(WebSession.user_id == user_id))
