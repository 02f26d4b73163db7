"""``pdfsign token``: personal API tokens for the JSON API — create, list, revoke.

A new token is printed once, to standard output only, and never logged; the database keeps
only its SHA-256.  The scope rule (which role may hold ``read``, ``verify``, ``issue``) is
:func:`pdfsign.accounts.permits`.
"""

from __future__ import annotations

import click

from pdfsign.accounts import Scope, TokenInfo, create_token, list_tokens, revoke_token
from pdfsign.accounts.tokens import DEFAULT_EXPIRES_DAYS
from pdfsign.cli._home import emit, home_options, now
from pdfsign.config import Settings
from pdfsign.registry import Registry

__all__ = ["token"]

def _line(info: TokenInfo) -> str:
    state = "revoked" if info.revoked_at else f"expires {info.expires_at:%Y-%m-%d %H:%M}Z"
    used = f"last used {info.last_used_at:%Y-%m-%d %H:%M}Z" if info.last_used_at else "unused"
    return f"{info.id}  {info.user_id}  {info.scope.value}  {state}  {used}"


@click.group()
def token() -> None:
    """Personal API tokens (``Authorization: Bearer``)."""


@token.command("create")
@click.argument("user_id")
@click.option("--scope", "scope_name", required=True, metavar="read|verify|issue",
              help="read: list, metadata, download; verify: verify PDFs (staff); issue: "
                   "issue and re-issue (administrators and issuers).")
@click.option("--expires", "expires_days", type=int, default=DEFAULT_EXPIRES_DAYS,
              show_default=True, metavar="DAYS", help="Days until the token expires.")
@home_options
def token_create(user_id: str, scope_name: str, expires_days: int, settings: Settings,
                 as_json: bool) -> None:
    """Create a token for USER_ID; it is printed once."""
    scope = Scope.parse(scope_name, field="--scope")
    info, text = create_token(Registry.open(settings), user_id, scope=scope,
                              expires_days=expires_days, actor=settings.actor, at=now())
    emit(as_json, {"token": text, "id": info.id, "expires_at": info.expires_at.isoformat(),
                   "user_id": info.user_id, "scope": info.scope.value},
         f"created token {info.id} for {info.user_id} ({info.scope.value}, expires "
         f"{info.expires_at:%Y-%m-%d %H:%M}Z); it is shown only now:\n{text}")


@token.command("list")
@click.argument("user_id", required=False)
@home_options
def token_list(user_id: str | None, settings: Settings, as_json: bool) -> None:
    """List every token (or USER_ID's), newest first, never the tokens themselves."""
    tokens = list_tokens(Registry.open(settings), user_id)
    emit(as_json, [t.to_json() for t in tokens],
         "\n".join(_line(t) for t in tokens) or "no tokens")


@token.command("revoke")
@click.argument("token_id", metavar="ID", type=int)
@home_options
def token_revoke(token_id: int, settings: Settings, as_json: bool) -> None:
    """Revoke token ID for good."""
    info = revoke_token(Registry.open(settings), token_id, actor=settings.actor, at=now())
    emit(as_json, info.to_json(), f"revoked token {info.id} of {info.user_id}")
