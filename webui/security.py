"""The walls around every request: CSRF, cookies, headers and the secret key.

- Flask-WTF's CSRF protection on every POST (``csrf_token()`` in each form).
- The session cookie is HttpOnly, SameSite=Lax, and Secure whenever the request came over
  TLS (``request.is_secure``, which a reverse proxy sets through ProxyFix).
- A strict Content-Security-Policy: nothing inline, nothing from elsewhere, no frames.
- The secret key is generated into the home directory on first run (mode 0600) and never
  committed; it signs the session cookie, which holds only a random session ID.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect

from pdfsign.atomic import write_atomically
from pdfsign.config import Settings
from pdfsign.errors import ConfigurationError
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
csrf = CSRFProtect()


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, marked Secure when the request came over TLS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def secret_key(home: Path) -> bytes:
    """The installation's session-signing key, made on first use.

    :raises ConfigurationError: the key file cannot be read or written.
    """
    path = home / "web-secret.key"
    try:
        if not path.exists():
            home.mkdir(parents=True, exist_ok=True)
            _create_once(path, secrets.token_bytes(32))
        key = path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"cannot read or create the web secret key: {exc.strerror}",
                                 field=str(path)) from None
    if len(key) < 32:
        raise ConfigurationError("the web secret key is shorter than 32 bytes", field=str(path))
    return key


def _create_once(path: Path, key: bytes) -> None:
    """Write ``key`` to ``path`` unless another process just did (then keep theirs).

    The temporary file is mode 0600 (``mkstemp``); a hard link creates ``path`` only if it
    does not exist, so two servers starting at once end up with the same key.
    """
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    write_atomically(temporary, key)
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()


def init_app(app: Flask, settings: Settings) -> None:
    """Install the key, cookie settings, CSRF, upload limits and the response headers."""
    app.secret_key = secret_key(settings.home)
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
