"""Who is signed in, and the one decorator every view states its roles with.

Before each request the session cookie's random ID is looked up (``pdfsign.accounts``
decides whether it is still alive); the user and the stage of their sign-in land in
``flask.g``.  :func:`requires` then sends an anonymous visitor to sign in, a half-signed-in
one to the step still missing (second factor, password change, enrolment), and answers
403 to a role with no right.  The roles a view allows are kept on it (``view.roles``), so
a test can walk the URL map and check every endpoint.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, abort, g, redirect, request, session, url_for
from werkzeug.wrappers import Response

from pdfsign.accounts import STAFF, Role, Stage, load_session
from webui.context import web

__all__ = ["ANY_ROLE", "PUBLIC_ENDPOINTS", "home", "init_app", "requires", "safe_next"]

F = TypeVar("F", bound=Callable[..., Any])
#: Every role (a view any signed-in user may open).
ANY_ROLE = frozenset(Role)
#: Endpoints open without signing in.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "auth.set_language", "static", "healthz", "link",
                              "favicon"})
_STEP_VIEWS = {Stage.SECOND_FACTOR: "auth.second_factor", Stage.PASSWORD: "auth.password",
               Stage.ENROL: "auth.enrol", Stage.FULL: "home"}


def init_app(app: Flask) -> None:
    """Load the signed-in user before every request."""
    app.before_request(_load_user)


def _load_user() -> None:
    g.user, g.stage, g.lang = None, None, session.get("lang", "ja")
    if request.endpoint in ("static", "healthz", "link") or request.blueprint == "api":
        return
    session_id = session.get("sid")
    if session_id:
        context = web()
        active = load_session(context.registry, context.policy, session_id, at=context.now())
        if active is None:
            session.pop("sid", None)
        else:
            g.user, g.stage = active.user, active.stage
    if g.user is not None:
        g.lang = g.user.lang


def step_url(stage: Stage) -> str:
    """Where a session at ``stage`` goes next."""
    return url_for(_STEP_VIEWS[stage])


def requires(roles: frozenset[Role], *, stages: frozenset[Stage] = frozenset({Stage.FULL})
             ) -> Callable[[F], F]:
    """Let only signed-in ``roles`` at one of ``stages`` reach the view.

    :param stages: the sign-in stages the view serves (most need ``full``; the password
        page also serves a forced change).
    """
    def decorate(view: F) -> F:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if g.user is None:
                wanted = request.full_path if request.method == "GET" else None
                return redirect(url_for("auth.login", next=safe_next(wanted)))
            if g.stage not in stages:
                return redirect(step_url(g.stage))
            if g.user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        guarded.roles = roles  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]
    return decorate


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site (never ``//host`` or a scheme), else ``None``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target.rstrip("?") or None


@requires(ANY_ROLE)
def home() -> str | Response:
    """The start page: the areas the user's role may open."""
    if g.user.role in STAFF:
        return redirect(url_for("verify.page"))
    return redirect(url_for("bank.index"))
