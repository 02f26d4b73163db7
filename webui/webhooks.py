"""Webhooks in the browser: a signed-in user registers, lists and removes their own; an
administrator manages anyone's.

The same functions as ``pdfsign webhook add|list|remove`` (:mod:`pdfsign.notify.webhooks`),
with the signed-in user as the audit trail's actor.  A new webhook's secret is shown once,
on the page that answers the form (``Cache-Control: no-store``, as every page).
"""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from pdfsign.accounts import Role
from pdfsign.errors import PdfsignError
from pdfsign.notify.webhooks import (
    EVENTS,
    SIGNATURE_HEADER,
    add_webhook,
    list_webhooks,
    remove_webhook,
)
from webui.access import ANY_ROLE, requires
from webui.context import web
from webui.errors import field_errors

__all__ = ["bp"]

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


def _managing_all() -> bool:
    """Administrators see and manage every user's webhooks; others only their own."""
    return bool(g.user.role is Role.ADMIN)


@bp.route("", methods=["GET", "POST"])
@requires(ANY_ROLE)
def index() -> str | tuple[str, int]:
    """The webhooks (one's own, or an administrator's view of all) and the form adding one."""
    context, errors = web(), {}
    admin = _managing_all()
    if request.method == "POST":
        owner = (request.form.get("user_id", "").strip() or g.user.user_id) if admin \
            else g.user.user_id
        try:
            info, secret = add_webhook(context.registry, owner, request.form.get("url", ""),
                                       request.form.getlist("events"), actor=g.user.user_id,
                                       at=context.now())
        except PdfsignError as exc:
            errors = field_errors(exc)
            if not admin and "user_id" in errors:  # (their form has no owner field to show it)
                errors = {"_form": errors["user_id"]}
        else:
            return render_template("web/webhooks/secret.html", hook=info, secret=secret,
                                   header=SIGNATURE_HEADER), 201
    hooks = list_webhooks(context.registry, None if admin else g.user.user_id)
    page = render_template("web/webhooks/index.html", hooks=hooks, events=EVENTS,
                           errors=errors, form=request.form, admin=admin)
    return (page, 400) if errors else page


@bp.route("/<int:webhook_id>/remove", methods=["POST"])
@requires(ANY_ROLE)
def remove(webhook_id: int) -> Response:
    """Remove a webhook (one's own; an administrator: anyone's)."""
    context = web()
    remove_webhook(context.registry, webhook_id, actor=g.user.user_id, at=context.now(),
                   owner=None if _managing_all() else g.user.user_id)
    flash("done.webhook_removed")
    return redirect(url_for("webhooks.index"))
