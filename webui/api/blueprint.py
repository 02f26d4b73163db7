"""The API's blueprint: who a request speaks for, which scope a view needs, JSON errors.

- A request is authenticated by ``Authorization: Bearer TOKEN`` (a personal API token,
  :mod:`pdfsign.accounts.tokens`), or by a bank's client certificate that the trusted
  TLS proxy verified (:func:`webui.client_certs.client_user`), which counts as a ``read``
  token of its bank user.  With both, they must name the same user.  The browser's
  session cookie is ignored, so the API is exempt from CSRF (a cross-site page cannot make
  a browser send a bearer token or a client certificate's header).
- Every view states its scope with :func:`requires_scope` (kept on it as ``view.scope``, as
  :func:`webui.access.requires` keeps roles), and :func:`pdfsign.accounts.permits` decides.
- Errors are ``{"error": {"reason", "field", "message"}}`` with the status of
  :func:`pdfsign.errors.describe` — the CLI's reason tokens and the CLI's table — for every
  path under ``/api/v1``, unknown ones included (:func:`http_error`).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Blueprint, g, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from pdfsign.accounts import Scope, UserInfo, authenticate_token, permits
from pdfsign.documents import parse_user_id
from pdfsign.documents.ids import UserId
from pdfsign.errors import AuthenticationError, PermissionDenied, describe
from webui.client_certs import client_user
from webui.context import web

__all__ = ["MISMATCH", "PREFIX", "Caller", "bp", "caller", "http_error", "is_api_path",
           "requires_scope"]

F = TypeVar("F", bound=Callable[..., Any])
PREFIX = "/api/v1"
bp = Blueprint("api", __name__, url_prefix=PREFIX)
_log = logging.getLogger("webui.api")
#: A token (or password) and a client certificate that speak for two users.
MISMATCH = ("クライアント証明書とトークン（またはユーザーID）の利用者が一致しません / the client "
            "certificate and the token (or user ID) belong to different users")
#: Reason tokens for HTTP errors that are no product error (the others come from describe()).
_HTTP_REASONS = {400: "invalid-input", 401: "authentication-failed", 403: "permission-denied",
                 404: "not-found", 405: "method-not-allowed", 413: "too-large",
                 415: "unsupported-media-type"}


@dataclass(frozen=True)
class Caller:
    """Who a request's token belongs to, and its scope."""

    user: UserInfo
    scope: Scope

    @property
    def viewer(self) -> UserId | None:
        """The bank user the registry's access rule applies to; ``None`` for staff."""
        return None if self.user.role.is_staff else parse_user_id(self.user.user_id)


@bp.before_request
def _ignore_session() -> None:
    """No cookie speaks for an API request: only the bearer token does."""
    g.user, g.stage, g.caller = None, None, None


def _bearer() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("Authorization: Bearer TOKEN ヘッダーが必要です / send "
                                  "the header Authorization: Bearer TOKEN", field="token")
    return token.strip()


def _authenticated() -> Caller:
    """The caller of this request: its token's user and scope, or its certificate's user.

    :raises AuthenticationError: neither, a refused token or certificate, or a token and a
        certificate of two different users.
    """
    context = web()
    by_cert = client_user(context)
    if by_cert is not None and "Authorization" not in request.headers:
        return Caller(by_cert, Scope.READ)
    user, held = authenticate_token(context.registry, _bearer(), at=context.now())
    if by_cert is not None and by_cert.user_id != user.user_id:
        raise AuthenticationError(MISMATCH, field="token")
    return Caller(user, held)


def requires_scope(scope: Scope | None) -> Callable[[F], F]:
    """Let only a caller whose scope permits ``scope`` reach the view.

    :param scope: ``None`` for the public routes (the OpenAPI document, the bulk tool's
        sign-in, which checks a password itself).
    """
    def decorate(view: F) -> F:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if scope is not None:
                found = _authenticated()
                user, held = found.user, found.scope
                if not permits(user.role, held, scope):
                    raise PermissionDenied(
                        f"このトークン（{held.value}、{user.role.value}）では {scope.value} の"
                        f"操作はできません / a {held.value} token of a {user.role.value} may "
                        f"not {scope.value}", field="scope")
                g.user, g.caller = user, found
            return view(*args, **kwargs)

        guarded.scope = scope  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]
    return decorate


def caller() -> Caller:
    """The authenticated caller of the current request (set by :func:`requires_scope`)."""
    found: Caller = g.caller
    return found


def is_api_path(path: str) -> bool:
    """Whether a path belongs to the API (whose errors are JSON, even for unknown routes)."""
    return path == PREFIX or path.startswith(PREFIX + "/")


def error_response(status: int, reason: str, message: str,
                   field: str | None = None) -> Response:
    """The API's one error shape."""
    response = jsonify({"error": {"reason": reason, "field": field, "message": message}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="pdfsign"'
    return response


def http_error(exc: HTTPException) -> Response:
    """An HTTP error (404, 405, 413, …) as the API's JSON."""
    status = exc.code or 500
    return error_response(status, _HTTP_REASONS.get(status, "error"),
                          exc.description or exc.name)


def _any_error(exc: Exception) -> Response:
    problem = describe(exc)
    if problem is None:
        _log.error("unexpected error: %s", type(exc).__name__, exc_info=exc)
        return error_response(500, "unexpected", "予期しないエラーです / unexpected error; the "
                              "administrator can find it in the server log")
    return error_response(problem.http_status, problem.reason, problem.message, problem.field)


bp.register_error_handler(HTTPException, http_error)
bp.register_error_handler(Exception, _any_error)
