"""The walls around every request: CSRF, cookies, headers and the secret key.

- Flask-WTF's CSRF protection on every POST (``csrf_token()`` in each form).
- The session cookie is HttpOnly, SameSite=Lax, and Secure whenever the request came over
  TLS (``request.is_secure``, which a reverse proxy sets through ProxyFix).
- A strict Content-Security-Policy: nothing inline, nothing from elsewhere, no frames.
- The secret key is generated on first run into the registry database, so that every web
  node sharing it signs and accepts the same cookies (an older installation's
  ``<home>/web-secret.key`` is adopted); it signs the session cookie, which holds only a
  random session ID.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect

from pdfsign.config import Settings
from pdfsign.errors import ConfigurationError
from pdfsign.registry import Registry
from pdfsign.registry.secrets import shared_secret
from webui import uploads

__all__ = ["CSP", "init_app", "secret_key"]

CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; font-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
_OLD_FILE = "web-secret.key"
csrf = CSRFProtect()


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, marked Secure when the request came over TLS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def secret_key(registry: Registry, home: Path) -> bytes:
    """The installation's session-signing key, made on first use by whichever node is first.

    :param home: where an installation before issue 19 kept it (``web-secret.key``): that
        key is adopted, so signed-in users stay signed in across the upgrade.
    :raises ConfigurationError: the old key file exists but cannot be read, or a key is
        shorter than 32 bytes.
    """
    key = shared_secret(registry, "web-secret-key", lambda: _old_key(home / _OLD_FILE))
    if len(key) < 32:
        raise ConfigurationError("the web secret key is shorter than 32 bytes",
                                 field="installation_secrets")
    return key


def _old_key(path: Path) -> bytes:
    """The key file of an older installation, or a new random key if there is none."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return secrets.token_bytes(32)
    except OSError as exc:
        raise ConfigurationError(f"cannot read the old web secret key: {exc.strerror}",
                                 field=str(path)) from None


def init_app(app: Flask, settings: Settings, registry: Registry) -> None:
    """Install the key, cookie settings, CSRF, upload limits and the response headers."""
    app.secret_key = secret_key(registry, settings.home)
    app.config.update(SESSION_COOKIE_NAME="pdfsign_session", SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=False,
                      WTF_CSRF_TIME_LIMIT=None)  # the session's own timeouts bound the token
    app.session_interface = _SessionInterface()
    csrf.init_app(app)
    uploads.init_app(app, settings)
    app.after_request(_headers)


def _headers(response: Response) -> Response:
    for name, value in _HEADERS.items():  # a view may only make one stricter (no-referrer)
        response.headers.setdefault(name, value)
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response
