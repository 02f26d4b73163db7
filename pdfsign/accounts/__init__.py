"""Accounts: staff and bank users, passwords, lockout, second factor, web sessions, API tokens.

Every rule about who may sign in lives here; the CLI (``pdfsign user``) and the web UI
call these functions and show their messages.
"""

from pdfsign.accounts.passwords import check_password
from pdfsign.accounts.policy import AccountPolicy
from pdfsign.accounts.roles import STAFF, Role, parse_account_id
from pdfsign.accounts.second_factor import (
    check_second_factor,
    confirm_enrolment,
    pending_secret,
    provisioning_uri,
    start_enrolment,
)
from pdfsign.accounts.sessions import (
    ActiveSession,
    advance_session,
    end_session,
    load_session,
    open_session,
)
from pdfsign.accounts.signin import Signin, Stage, authenticate, change_password, stage_after
from pdfsign.accounts.tokens import (
    Scope,
    TokenInfo,
    authenticate_token,
    create_token,
    list_tokens,
    permits,
    revoke_token,
)
from pdfsign.accounts.users import (
    NewPassword,
    UserInfo,
    add_user,
    deactivate,
    edit_user,
    get_user,
    list_users,
    lock,
    reset_password,
    set_language,
    set_notify,
    unlock,
)

__all__ = [
    "STAFF",
    "AccountPolicy",
    "ActiveSession",
    "NewPassword",
    "Role",
    "Scope",
    "Signin",
    "Stage",
    "TokenInfo",
    "UserInfo",
    "add_user",
    "advance_session",
    "authenticate",
    "authenticate_token",
    "change_password",
    "check_password",
    "check_second_factor",
    "confirm_enrolment",
    "create_token",
    "deactivate",
    "edit_user",
    "end_session",
    "get_user",
    "list_tokens",
    "list_users",
    "load_session",
    "lock",
    "open_session",
    "pending_secret",
    "permits",
    "parse_account_id",
    "provisioning_uri",
    "reset_password",
    "revoke_token",
    "set_language",
    "set_notify",
    "stage_after",
    "start_enrolment",
    "unlock",
]
