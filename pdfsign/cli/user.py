"""``pdfsign user``: add accounts, reset their passwords, lock, unlock and list them.

Each command parses its options, calls one function of :mod:`pdfsign.accounts` and prints a
short line (or ``--json``).  A new or reset password is printed once, to standard output
only, and never logged: the administrator hands it over and the user must change it at the
first sign-in.
"""

from __future__ import annotations

import click

from pdfsign.accounts import NewPassword, Role, UserInfo, add_user, list_users
from pdfsign.accounts import lock as run_lock
from pdfsign.accounts import reset_password as run_reset_password
from pdfsign.accounts import unlock as run_unlock
from pdfsign.cli._home import emit, home_options, now
from pdfsign.config import Settings
from pdfsign.registry import Registry

__all__ = ["user"]

_ROLES = "|".join(r.value for r in Role)


def _emit_password(as_json: bool, new: NewPassword, done: str) -> None:
    """The one time a password is shown: ``{"user_id", "initial_password"}`` or a line."""
    emit(as_json, {"user_id": new.user_id, "initial_password": new.initial_password},
         f"{done}; initial password: {new.initial_password} (must be changed at first "
         "sign-in)")


def _user_line(info: UserInfo) -> str:
    flags = [name for name, on in (("locked", info.locked), ("inactive", not info.active),
                                   ("must-change", info.must_change),
                                   ("2FA", info.second_factor)) if on]
    return f"{info.user_id}  {info.role.value}  {info.name}  {' '.join(flags)}".rstrip()


@click.group()
def user() -> None:
    """Staff and bank user accounts."""


@user.command("add")
@click.argument("user_id")
@click.option("--role", "role_name", required=True, metavar=_ROLES,
              help="admin, issuer or auditor (staff); bank-head or bank-branch (bank users, "
                   "11-digit ID).")
@click.option("--name", required=True, help="The user's name.")
@click.option("--email", help="E-mail address (upload notifications).")
@click.option("--bank", help="A bank user's bank code (must match the ID).")
@click.option("--branch", help="A bank user's branch code (must match the ID).")
@home_options
def user_add(user_id: str, role_name: str, name: str, email: str | None, bank: str | None,
             branch: str | None, settings: Settings, as_json: bool) -> None:
    """Add USER_ID with a random initial password, printed once."""
    role = Role.parse(role_name, field="--role")
    new = add_user(Registry.open(settings), user_id, role=role, name=name, email=email,
                   bank=bank, branch=branch, actor=settings.actor, at=now())
    _emit_password(as_json, new, f"created {new.user_id} ({role.value})")


@user.command("reset-password")
@click.argument("user_id")
@home_options
def user_reset_password(user_id: str, settings: Settings, as_json: bool) -> None:
    """Give USER_ID a new initial password (printed once) and end its sessions."""
    new = run_reset_password(Registry.open(settings), user_id, actor=settings.actor, at=now())
    _emit_password(as_json, new, f"reset the password of {new.user_id}")


@user.command("lock")
@click.argument("user_id")
@home_options
def user_lock(user_id: str, settings: Settings, as_json: bool) -> None:
    """Lock USER_ID until an administrator unlocks it; its sessions end now."""
    info = run_lock(Registry.open(settings), user_id, actor=settings.actor, at=now())
    emit(as_json, info.to_json(), f"locked {info.user_id}")


@user.command("unlock")
@click.argument("user_id")
@home_options
def user_unlock(user_id: str, settings: Settings, as_json: bool) -> None:
    """Lift USER_ID's lock, an administrator's or one after failed sign-ins."""
    info = run_unlock(Registry.open(settings), user_id, actor=settings.actor, at=now())
    emit(as_json, info.to_json(), f"unlocked {info.user_id}")


@user.command("list")
@home_options
def user_list(settings: Settings, as_json: bool) -> None:
    """List every account with its role and flags (locked, inactive, must-change, 2FA)."""
    users = list_users(Registry.open(settings))
    emit(as_json, [u.to_json() for u in users],
         "\n".join(_user_line(u) for u in users) or "no users")
