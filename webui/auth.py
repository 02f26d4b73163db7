"""Sign-in, the second factor, sign-out, password change and second-factor enrolment.

Each view parses the form, calls one function of :mod:`pdfsign.accounts` and shows its
message beside the field it names.  Signing in replaces the session: a fresh random ID,
the old one ended, the CSRF token renewed.
"""

from __future__ import annotations

import segno
from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from pdfsign.accounts import (
    STAFF,
    Stage,
    advance_session,
    authenticate,
    change_password,
    check_second_factor,
    confirm_enrolment,
    end_session,
    open_session,
    pending_secret,
    provisioning_uri,
    set_language,
    stage_after,
    start_enrolment,
)
from pdfsign.errors import AuthenticationError, InputError
from webui import tokens as token_pages
from webui.access import ANY_ROLE, requires, safe_next, step_url
from webui.context import web
from webui.errors import field_errors

__all__ = ["bp"]

bp = Blueprint("auth", __name__)
_ANY_STAGE = frozenset(Stage)
_STAFF_ENROLLING = frozenset({Stage.ENROL, Stage.FULL})


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    """The sign-in form; a success goes on to the step the account needs next."""
    if g.user is not None and g.stage is Stage.FULL:
        return redirect(safe_next(request.args.get("next")) or url_for("home"))
    if request.method == "GET":
        return render_template("web/login.html", user_id="", errors={})
    user_id = request.form.get("user_id", "")
    context = web()
    try:
        signin = authenticate(context.registry, context.policy, user_id,
                              request.form.get("password", ""), at=context.now())
    except AuthenticationError as exc:
        return render_template("web/login.html", user_id=user_id,
                               errors=field_errors(exc)), exc.http_status
    new_id = open_session(context.registry, signin.user.user_id, signin.stage,
                          at=context.now(), replacing=session.get("sid"))
    session.clear()  # a new cookie, and Flask-WTF makes a new CSRF token
    session["sid"] = new_id
    if signin.stage is Stage.FULL:
        return redirect(safe_next(request.args.get("next")) or url_for("home"))
    return redirect(step_url(signin.stage))


@bp.route("/login/second-factor", methods=["GET", "POST"])
@requires(ANY_ROLE, stages=frozenset({Stage.SECOND_FACTOR}))
def second_factor() -> str | Response | tuple[str, int]:
    """The code from the authenticator app (or a recovery code)."""
    if request.method == "GET":
        return render_template("web/second_factor.html", errors={})
    context = web()
    try:
        stage = check_second_factor(context.registry, context.policy, g.user.user_id,
                                    request.form.get("code", ""), at=context.now())
    except AuthenticationError as exc:
        if exc.reason == "account-locked":
            end_session(context.registry, session.pop("sid"))
        return render_template("web/second_factor.html",
                               errors=field_errors(exc)), exc.http_status
    advance_session(context.registry, session["sid"], stage)
    return redirect(step_url(stage))


@bp.route("/logout", methods=["GET", "POST"])
@requires(ANY_ROLE, stages=_ANY_STAGE)
def logout() -> str | Response:
    """Sign out (POST; the GET page only asks, so a link cannot sign anyone out)."""
    if request.method == "GET":
        return render_template("web/logout.html")
    end_session(web().registry, session.pop("sid"))
    session.clear()
    session["lang"] = g.lang  # the sign-in page keeps speaking the user's language
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@requires(ANY_ROLE, stages=frozenset({Stage.PASSWORD, Stage.FULL}))
def password() -> str | Response | tuple[str, int]:
    """Change the password (forced after an initial, reset or expired one)."""
    if request.method == "GET":
        return render_template("web/password.html", errors={})
    context = web()
    try:
        user = change_password(context.registry, g.user.user_id,
                               current=request.form.get("current_password", ""),
                               new=request.form.get("new_password", ""),
                               confirm=request.form.get("confirm_password", ""),
                               at=context.now())
    except InputError as exc:
        return render_template("web/password.html", errors=field_errors(exc)), exc.http_status
    stage = stage_after(user, context.policy, at=context.now(), second_factor_done=True)
    advance_session(context.registry, session["sid"], stage)
    flash("done.changed")
    return redirect(step_url(stage))


@bp.route("/password/second-factor", methods=["GET", "POST"])
@requires(STAFF, stages=_STAFF_ENROLLING)
def enrol() -> str | Response | tuple[str, int]:
    """Enrol an authenticator app: a QR code, then one code from it; shows recovery codes."""
    context = web()
    if request.method == "GET":
        secret = start_enrolment(context.registry, g.user.user_id)
        return render_template("web/enrol.html", secret=secret, errors={})
    try:
        codes = confirm_enrolment(context.registry, g.user.user_id,
                                  request.form.get("code", ""), at=context.now())
    except InputError as exc:
        return render_template("web/enrol.html",
                               secret=pending_secret(context.registry, g.user.user_id) or "",
                               errors=field_errors(exc)), exc.http_status
    advance_session(context.registry, session["sid"], Stage.FULL)
    return render_template("web/recovery_codes.html", codes=codes)


@bp.route("/password/second-factor/qr.svg")
@requires(STAFF, stages=_STAFF_ENROLLING)
def enrol_qr() -> Response:
    """The pending secret as a QR code (an SVG file, so no inline image is needed)."""
    secret = pending_secret(web().registry, g.user.user_id)
    if secret is None:
        abort(404)
    svg = segno.make(provisioning_uri(secret, g.user.user_id), error="m").svg_inline(scale=5)
    return Response(svg, mimetype="image/svg+xml")


@bp.route("/lang", methods=["POST"], endpoint="set_language")
def set_language_view() -> Response:
    """Switch between Japanese and English; a signed-in user's choice is remembered."""
    lang = "en" if request.form.get("lang") == "en" else "ja"
    session["lang"] = lang
    if g.user is not None:
        set_language(web().registry, g.user.user_id, lang)
    return redirect(safe_next(request.form.get("next")) or url_for("auth.login"))


@bp.route("/tokens", methods=["GET", "POST"])
@requires(ANY_ROLE)
def tokens() -> tuple[str, int]:
    """The signed-in user's API tokens (:mod:`webui.tokens`)."""
    if request.method == "POST":
        return token_pages.create(g.user.user_id, admin=False)
    return token_pages.listing(g.user.user_id, admin=False)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@requires(ANY_ROLE)
def revoke_token(token_id: int) -> Response:
    """Revoke one of the signed-in user's tokens."""
    return token_pages.revoke(g.user.user_id, token_id, admin=False)
