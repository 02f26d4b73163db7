"""The web front: a Flask app over the same core functions as the CLI.

``create_app(settings)`` builds it (the Flask tutorial's app factory); each area is a
blueprint: ``auth`` (sign-in, password, second factor), ``admin`` (users, banks, audit
trail), ``verify`` (the auditor's verification page), ``issue`` (document forms, preview,
signing, batches), ``files`` (search, the file page with its history and actions) and
``bank`` (the banks' search, downloads and e-mail setting; distribution links), ``webhooks``
(a user's signed webhooks; an administrator's view of all); ``api``
(``/api/v1``, JSON for machines, authenticated by personal API tokens).
Pages are rendered on the server from ``templates/web/`` and work without JavaScript.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask import Flask
from jinja2 import StrictUndefined

from pdfsign.accounts import AccountPolicy
from pdfsign.config import Settings
from pdfsign.registry import Registry
from pdfsign.render import TEMPLATES_DIR
from webui import (
    access,
    admin,
    admin_signers,  # noqa: F401 - adds the signer pages to the admin blueprint
    api,
    auth,
    bank,
    client_certs,
    errors,
    files,
    i18n,
    issue,
    security,
    static,
    verification,
    webhooks,
)
from webui.context import WebContext, utc_now

__all__ = ["create_app"]


def create_app(settings: Settings, *, clock: Callable[[], dt.datetime] = utc_now) -> Flask:
    """The web app for the installation ``settings`` describe.

    :param clock: the time every rule is judged at (a parameter for tests).
    :raises ConfigurationError: bad account settings, an unreadable secret key, or (behind a
        TLS proxy) an unreadable proxy secret or client CA.
    """
    client_certs.check_setup(settings)
    app = Flask(__name__, template_folder=str(TEMPLATES_DIR), static_folder=None)
    app.jinja_env.undefined = StrictUndefined
    registry = Registry.open(settings)
    app.extensions["pdfsign"] = WebContext(settings=settings, registry=registry,
                                           policy=AccountPolicy.from_settings(settings),
                                           clock=clock)
    access.init_app(app)  # first: even a refused request knows its user and language
    security.init_app(app, settings, registry)
    i18n.init_app(app)
    errors.init_app(app)
    for blueprint in (auth.bp, admin.bp, verification.bp, issue.bp, files.bp, bank.bp,
                      webhooks.bp):
        app.register_blueprint(blueprint)
    api.init_app(app)  # /api/v1: bearer tokens only, no cookies, no CSRF
    app.add_url_rule("/healthz", "healthz", _healthz)
    app.add_url_rule("/favicon.ico", "favicon", _favicon)
    app.add_url_rule("/static/<path:filename>", "static", static.serve)
    app.add_url_rule("/", "home", access.home)
    app.add_url_rule("/d/<token>", "link", bank.link)  # a distribution link: no sign-in
    return app


def _favicon() -> tuple[str, int]:
    """No icon, said plainly: browsers ask for one on every first page, and a 404 would
    be an error in their console."""
    return "", 204


def _healthz() -> tuple[str, int, dict[str, str]]:
    """Liveness for load balancers and scripts: no sign-in, no database work."""
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8"}
