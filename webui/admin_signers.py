"""The signer pages of the administration area (administrators only, on the ``admin`` blueprint).

``/admin/signers`` lists every signer with its lock, registered name and certificate end
(those ending within 30 days flagged, as ``pdfsign signer list`` does) and locks or unlocks
one; ``/admin/signers/pin`` changes a signing PIN under the PIN rule (``pdfsign keys
set-pin``).  The same :mod:`pdfsign.keys` functions as the CLI, so the same messages and the
same audit entries, with the acting administrator as the actor; PINs are never kept or shown.
"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from pdfsign.accounts import Role
from pdfsign.errors import PdfsignError
from pdfsign.keys import change_pin, list_signers, lock_signer, unlock_signer
from pdfsign.signing import signer_names
from webui.access import requires
from webui.admin import bp
from webui.context import web
from webui.errors import field_errors

__all__ = ["signer_action", "signer_pin", "signers"]

_ADMIN = frozenset({Role.ADMIN})


def _signers_page(errors: dict[str, str], *, status: int = 200) -> tuple[str, int]:
    context = web()
    found = list_signers(context.registry, context.settings.pki_dir, at=context.now())
    page = render_template("web/admin/signers.html", signers=found, errors=errors,
                           expiring=[s for s in found if s.expiring])
    return page, status


@bp.route("/signers")
@requires(_ADMIN)
def signers() -> tuple[str, int]:
    """Every signer: lock state, registered name, certificate end; lock and unlock buttons."""
    return _signers_page({})


@bp.route("/signers/<any(lock, unlock):action>", methods=["POST"])
@requires(_ADMIN)
def signer_action(action: str) -> Response | tuple[str, int]:
    """Lock or unlock the signer named in the form (IDs hold ``/`` and ``:``: not in the path)."""
    context = web()
    operation = lock_signer if action == "lock" else unlock_signer
    try:
        operation(context.registry, request.form.get("signer", ""),
                  pki_dir=context.settings.pki_dir, actor=g.user.user_id, at=context.now())
    except PdfsignError as exc:
        return _signers_page(field_errors(exc), status=exc.http_status)
    flash(f"done.signer_{action}")
    return redirect(url_for("admin.signers"))


@bp.route("/signers/pin", methods=["GET", "POST"])
@requires(_ADMIN)
def signer_pin() -> str | Response | tuple[str, int]:
    """Change a signer's PIN: the current one, the new one twice (8–32, an upper-case letter)."""
    context, errors = web(), {}
    settings = context.settings
    if request.method == "POST":
        form = request.form
        try:
            change_pin(settings, context.registry, form.get("signer", "") or settings.signer,
                       current=form.get("current_pin", ""), new=form.get("new_pin", ""),
                       confirm=form.get("confirm_pin", ""), actor=g.user.user_id,
                       at=context.now())
        except PdfsignError as exc:
            errors = field_errors(exc)
            if exc.field == "pin":  # the current PIN was wrong (counted towards the lock)
                errors = {"current_pin": exc.message}
            page = render_template("web/admin/signer_pin.html", errors=errors,
                                   signers=_choices(), chosen=form.get("signer", ""))
            return page, exc.http_status
        flash("done.signer_pin")
        return redirect(url_for("admin.signers"))
    chosen = request.args.get("signer", settings.signer)
    return render_template("web/admin/signer_pin.html", errors=errors, signers=_choices(),
                           chosen=chosen)


def _choices() -> list[str]:
    """The signers a PIN can be changed for: the PKI folder's and the configured one."""
    settings = web().settings
    return signer_names(settings.pki_dir, configured=settings.signer)
