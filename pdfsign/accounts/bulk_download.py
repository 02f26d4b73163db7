"""Who may run the bulk download tool (``pdfsign fetch``), and its password sign-in.

Seed 002: the tool is for a bank's head office only ("営業店ユーザでの利用は不可"), signs in
with the head office's user ID and password (an initial password must have been changed on
the web first), and pulls every file its user may see.  The server holds this rule, not the
tool, so a changed copy of the tool cannot pull a branch's view.
"""

from __future__ import annotations

import datetime as dt

from pdfsign.accounts.policy import AccountPolicy
from pdfsign.accounts.roles import Role
from pdfsign.accounts.signin import Stage, authenticate
from pdfsign.accounts.tokens import TokenInfo, session_token
from pdfsign.accounts.users import UserInfo
from pdfsign.errors import AuthenticationError, BranchUserError, PermissionDenied
from pdfsign.registry import Registry

__all__ = ["bulk_signin", "require_head_office"]

_STAGE_REFUSALS = {
    Stage.PASSWORD: "初期パスワードまたは期限切れのパスワードです。Webでログインして変更して"
                    "ください / the password is an initial or expired one: sign in on the web "
                    "and change it",
    Stage.SECOND_FACTOR: "二要素認証のユーザーはAPIトークン（token）を使ってください / this user "
                         "has a second factor: give the tool an API token instead",
    Stage.ENROL: "二要素認証の登録が必要です。Webでログインしてください / this user must enrol a "
                 "second factor on the web first",
}


def require_head_office(user: UserInfo) -> None:
    """Refuse every user but a bank's head office.

    :raises BranchUserError: a branch user ("ユーザが営業店です").
    :raises PermissionDenied: staff.
    """
    if user.role is Role.BANK_BRANCH:
        raise BranchUserError("ユーザが営業店です。一括ダウンロードは本部ユーザのみ利用できます / "
                              "the user is a branch user: only a head-office user may run "
                              "the bulk download", field="user_id")
    if user.role is not Role.BANK_HEAD:
        raise PermissionDenied("一括ダウンロードは金融機関の本部ユーザのみ利用できます / only a "
                               "bank's head-office user may run the bulk download",
                               field="user_id")


def bulk_signin(registry: Registry, policy: AccountPolicy, user_id: str, password: str, *,
                at: dt.datetime) -> tuple[TokenInfo, str]:
    """Check a head office's password (the sign-in rules, lockout included) and hand out
    a short-lived read token for the run.

    :raises AuthenticationError: wrong ID or password, or a password that must be changed.
    :raises AccountLockedError: locked.
    :raises BranchUserError, PermissionDenied: not a head-office user.
    """
    signin = authenticate(registry, policy, user_id, password, at=at)
    require_head_office(signin.user)
    if signin.stage is not Stage.FULL:
        raise AuthenticationError(_STAGE_REFUSALS[signin.stage], field="password")
    return session_token(registry, signin.user, at=at)
