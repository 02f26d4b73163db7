"""Administration (administrators only): users, banks and their agreement windows, the audit trail.

The same functions as ``pdfsign user …``, ``pdfsign bank set`` and ``pdfsign audit``; the
acting administrator is the audit trail's actor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from pdfsign import accounts
from pdfsign.accounts import Role
from pdfsign.documents.fields import Day
from pdfsign.errors import InputError, PdfsignError
from pdfsign.registry import AuditQuery, audit_page, list_banks, set_bank
from webui import tokens as token_pages
from webui.access import requires
from webui.context import web
from webui.errors import field_errors

__all__ = ["bp"]

bp = Blueprint("admin", __name__, url_prefix="/admin")
_ADMIN = frozenset({Role.ADMIN})


def _form(name: str) -> str | None:
    """A form field, ``None`` when left blank."""
    value = request.form.get(name, "").strip()
    return value or None


def _day(name: str, source: Mapping[str, str]) -> dt.date | None:
    value = source.get(name, "").strip()
    return Day().parse(value, name) if value else None


@bp.route("/users", methods=["GET", "POST"])
@requires(_ADMIN)
def users() -> str | tuple[str, int]:
    """Every account, and the form that adds one (its initial password is shown once)."""
    context, errors = web(), {}
    if request.method == "POST":
        try:
            created = accounts.add_user(
                context.registry, request.form.get("user_id", ""),
                role=Role.parse(request.form.get("role", "")), name=request.form.get("name", ""),
                email=_form("email"), bank=_form("bank"), branch=_form("branch"),
                actor=g.user.user_id, at=context.now())
        except InputError as exc:
            errors = field_errors(exc)
        else:
            return render_template("web/admin/password_shown.html", shown=created), 201
    page = render_template("web/admin/users.html", users=accounts.list_users(context.registry),
                           roles=list(Role), errors=errors, form=request.form)
    return (page, 400) if errors else page


@bp.route("/users/<user_id>", methods=["GET", "POST"])
@requires(_ADMIN)
def user(user_id: str) -> str | Response | tuple[str, int]:
    """One account: edit its name, e-mail and role, and the lock / reset / deactivate buttons."""
    context, errors = web(), {}
    if request.method == "POST":
        try:
            accounts.edit_user(context.registry, user_id, name=request.form.get("name", ""),
                               email=_form("email"),
                               role=Role.parse(request.form.get("role", "")),
                               actor=g.user.user_id, at=context.now())
        except InputError as exc:
            errors = field_errors(exc)
        else:
            flash("done.saved")
            return redirect(url_for("admin.user", user_id=user_id))
    shown = accounts.get_user(context.registry, user_id)
    page = render_template("web/admin/user.html", shown=shown, roles=list(Role), errors=errors)
    return (page, 400) if errors else page


@bp.route("/users/<user_id>/reset-password", methods=["POST"])
@requires(_ADMIN)
def reset_password(user_id: str) -> str:
    """A new initial password, shown once; the user's sessions end."""
    context = web()
    shown = accounts.reset_password(context.registry, user_id, actor=g.user.user_id,
                                    at=context.now())
    return render_template("web/admin/password_shown.html", shown=shown)


@bp.route("/users/<user_id>/tokens", methods=["GET", "POST"])
@requires(_ADMIN)
def tokens(user_id: str) -> tuple[str, int]:
    """Any user's API tokens (:mod:`webui.tokens`); the administrator is the actor."""
    if request.method == "POST":
        return token_pages.create(user_id, admin=True)
    return token_pages.listing(user_id, admin=True)


@bp.route("/users/<user_id>/tokens/<int:token_id>/revoke", methods=["POST"])
@requires(_ADMIN)
def revoke_token(user_id: str, token_id: int) -> Response:
    """Revoke one of a user's tokens."""
    return token_pages.revoke(user_id, token_id, admin=True)


@bp.route("/users/<user_id>/<action>", methods=["POST"])
@requires(_ADMIN)
def user_action(user_id: str, action: str) -> Response:
    """Lock, unlock or deactivate an account."""
    operations = {"lock": accounts.lock, "unlock": accounts.unlock,
                  "deactivate": accounts.deactivate}
    if action not in operations:
        return redirect(url_for("admin.user", user_id=user_id))
    context = web()
    operations[action](context.registry, user_id, actor=g.user.user_id, at=context.now())
    flash(f"done.{action}")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.route("/banks", methods=["GET", "POST"])
@requires(_ADMIN)
def banks() -> str | Response | tuple[str, int]:
    """The banks with an electronic-issuing agreement and their windows (``pdfsign bank set``)."""
    context, errors = web(), {}
    if request.method == "POST":
        try:
            start = _day("start", request.form)
            if start is None:
                raise InputError("契約開始日を入力してください / the agreement start is required",
                                 field="start")
            set_bank(context.registry, code=request.form.get("code", ""),
                     name=request.form.get("name", ""), start=start,
                     end=_day("end", request.form), mode=_form("mode"),
                     actor=g.user.user_id, at=context.now())
        except PdfsignError as exc:
            errors = field_errors(exc)
        else:
            flash("done.saved")
            return redirect(url_for("admin.banks"))
    page = render_template("web/admin/banks.html", banks=list_banks(context.registry),
                           errors=errors, form=request.form)
    return (page, 400) if errors else page


@bp.route("/audit")
@requires(_ADMIN)
def audit() -> str | tuple[str, int]:
    """The audit trail, filtered and paged, with the result of the chain check."""
    context, args = web(), request.args
    try:
        query = AuditQuery(actor=args.get("actor") or None, action=args.get("action") or None,
                           file_id=args.get("file_id") or None,
                           since=_day("from", args), until=_day("to", args),
                           page=max(1, args.get("page", 1, type=int) or 1))
    except InputError as exc:
        return render_template("web/admin/audit.html", found=None, chain=None, args=args,
                               errors=field_errors(exc)), 400
    return render_template("web/admin/audit.html", found=audit_page(context.registry, query),
                           chain=context.registry.verify_audit(), args=args, errors={})
