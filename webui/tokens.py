"""The API tokens page: a user's own tokens (``/tokens``), and any user's for an administrator
(``/admin/users/<id>/tokens``) — the same functions as ``pdfsign token create|list|revoke``.

A new token is shown once, on the answer to the form that made it, and never again; the
scopes offered are those the owner's role may hold (:func:`pdfsign.accounts.tokens.scopes_for`).
The routes live in :mod:`webui.auth` and :mod:`webui.admin`; the pages are these functions.
"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from pdfsign.accounts import Scope, create_token, get_user, list_tokens, revoke_token
from pdfsign.accounts.tokens import DEFAULT_EXPIRES_DAYS, scopes_for
from pdfsign.errors import InputError
from webui.context import web
from webui.errors import field_errors

__all__ = ["create", "listing", "revoke"]


def _here(owner: str, *, admin: bool) -> str:
    return url_for("admin.tokens", user_id=owner) if admin else url_for("auth.tokens")


def listing(owner: str, *, admin: bool, errors: dict[str, str] | None = None,
            status: int = 200) -> tuple[str, int]:
    """The owner's tokens (revoked and expired ones too) and the form that makes one."""
    context = web()
    shown = get_user(context.registry, owner)
    page = render_template("web/tokens.html", owner=shown, admin=admin,
                           tokens=list_tokens(context.registry, owner),
                           scopes=scopes_for(shown.role), now=context.now(),
                           default_days=DEFAULT_EXPIRES_DAYS, errors=errors or {},
                           action=_here(owner, admin=admin))
    return page, status


def create(owner: str, *, admin: bool) -> tuple[str, int]:
    """Make a token from the form; its text is on this answer only."""
    context = web()
    try:
        days_text = request.form.get("expires", "").strip() or str(DEFAULT_EXPIRES_DAYS)
        if not days_text.isdigit():
            raise InputError(f"有効期間は日数で入力してください / give the life in days, not "
                             f"{days_text!r}", field="expires")
        info, text = create_token(context.registry, owner,
                                  scope=Scope.parse(request.form.get("scope", "")),
                                  expires_days=int(days_text), actor=g.user.user_id,
                                  at=context.now())
    except InputError as exc:
        return listing(owner, admin=admin, errors=field_errors(exc), status=exc.http_status)
    return render_template("web/token_shown.html", info=info, token=text,
                           back=_here(owner, admin=admin)), 201


def revoke(owner: str, token_id: int, *, admin: bool) -> Response:
    """Revoke one of the owner's tokens for good."""
    context = web()
    revoke_token(context.registry, token_id, actor=g.user.user_id, at=context.now(),
                 owner=owner)
    flash("done.revoked")
    return redirect(_here(owner, admin=admin))
