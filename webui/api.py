"""The JSON API under ``/api/v1``, for machines: a bank's nightly pull, CI pipelines.

- Authenticated only by ``Authorization: Bearer TOKEN`` (a personal API token,
  :mod:`pdfsign.accounts.tokens`); the browser's session cookie is ignored, so the API is
  exempt from CSRF (a cross-site page cannot make a browser send a bearer token).
- Every view states its scope with :func:`requires_scope` (kept on it as ``view.scope``, as
  :func:`webui.access.requires` keeps roles), and :func:`pdfsign.accounts.permits` decides.
- Errors are ``{"error": {"reason", "field", "message"}}`` with the status of
  :func:`pdfsign.errors.describe` — the CLI's reason tokens and the CLI's table.
- What a bank user sees is the registry's access rule, exactly as on the bank pages.

The routes are described in :mod:`webui.openapi`, served at ``/api/v1/openapi.json``.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from flask import Blueprint, Flask, g, jsonify, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, UnsupportedMediaType
from werkzeug.wrappers import Response

from pdfsign.accounts import Scope, UserInfo, authenticate_token, permits
from pdfsign.documents import parse_user_id
from pdfsign.documents.ids import UserId
from pdfsign.errors import AuthenticationError, InputError, PermissionDenied, describe
from pdfsign.registry import (
    JST,
    PAGE_SIZE,
    RESULT_CAP,
    FileInfo,
    SearchQuery,
    matching,
    recipient_pdf,
    require_visible,
    search,
)
from pdfsign.verification import trust_from
from verify import VerificationRun, verify_pdf
from verify.formats import render_json
from webui.context import web
from webui.openapi import document
from webui.search_form import query_from
from webui.security import csrf
from webui.uploads import file_limit

__all__ = ["bp", "init_app", "requires_scope"]

F = TypeVar("F", bound=Callable[..., Any])
bp = Blueprint("api", __name__, url_prefix="/api/v1")
_log = logging.getLogger("webui.api")
_PDF_HEADER_WITHIN = 1024  # ISO 32000-2 §7.5.2: readers accept the header this far in
#: Reason tokens for HTTP errors that are no product error (the others come from describe()).
_HTTP_REASONS = {400: "invalid-input", 401: "authentication-failed", 403: "permission-denied",
                 404: "not-found", 405: "method-not-allowed", 413: "too-large",
                 415: "unsupported-media-type"}


def init_app(app: Flask) -> None:
    """Register the API, exempt from CSRF (it reads no cookie)."""
    csrf.exempt(bp)
    app.register_blueprint(bp)


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


def requires_scope(scope: Scope | None) -> Callable[[F], F]:
    """Let only a usable token whose scope permits ``scope`` reach the view.

    :param scope: ``None`` for the one public route (the OpenAPI document).
    """
    def decorate(view: F) -> F:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if scope is not None:
                context = web()
                user, held = authenticate_token(context.registry, _bearer(), at=context.now())
                if not permits(user.role, held, scope):
                    raise PermissionDenied(
                        f"このトークン（{held.value}、{user.role.value}）では {scope.value} の"
                        f"操作はできません / a {held.value} token of a {user.role.value} may "
                        f"not {scope.value}", field="scope")
                g.user, g.caller = user, Caller(user, held)
            return view(*args, **kwargs)

        guarded.scope = scope  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]
    return decorate


def _caller() -> Caller:
    caller: Caller = g.caller
    return caller


# -- errors ------------------------------------------------------------------------------------

def _error(status: int, reason: str, message: str, field: str | None = None) -> Response:
    response = jsonify({"error": {"reason": reason, "field": field, "message": message}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="pdfsign"'
    return response


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    return _error(status, _HTTP_REASONS.get(status, "error"), exc.description or exc.name)


def _any_error(exc: Exception) -> Response:
    problem = describe(exc)
    if problem is None:
        _log.error("unexpected error: %s", type(exc).__name__, exc_info=exc)
        return _error(500, "unexpected", "予期しないエラーです / unexpected error; the "
                      "administrator can find it in the server log")
    return _error(problem.http_status, problem.reason, problem.message, problem.field)


bp.register_error_handler(HTTPException, _http_error)
bp.register_error_handler(Exception, _any_error)


# -- files -------------------------------------------------------------------------------------

def _since(args: MultiDict[str, str]) -> dt.datetime | None:
    """The ``since`` filter: an ISO 8601 time with its zone (upload time, inclusive)."""
    text = args.get("since", "").strip()
    if not text:
        return None
    try:
        since = dt.datetime.fromisoformat(text)
    except ValueError:
        since = None
    if since is None or since.tzinfo is None:
        raise InputError(f"ISO 8601 の時刻（タイムゾーン付き）で指定してください / give an ISO "
                         f"8601 time with its zone, e.g. 2026-12-01T00:00:00Z (not {text!r})",
                         field="since")
    return since.astimezone(dt.UTC)


def _page(files: list[FileInfo], page: int, total: int, pages: int) -> Response:
    """One page; ``total`` counts up to the search cap, ``capped`` says it was passed."""
    return jsonify({"files": [f.to_json() for f in files], "page": page, "pages": pages,
                    "total": min(total, RESULT_CAP), "capped": total > RESULT_CAP})


def _files_since(query: SearchQuery, since: dt.datetime, viewer: UserId | None,
                 at: dt.datetime) -> Response:
    """``since`` as the day filter in SQL, the exact instant here, then the page.

    :class:`SearchQuery` filters by whole days only; the matches of that day onward (up to
    the search cap, newest first by default) are narrowed to the instant.
    """
    day = since.astimezone(JST).date()
    widened = replace(query, uploaded_from=max(day, query.uploaded_from or day))
    kept = [f for f in matching(web().registry, widened, viewer=viewer, at=at)
            if f.uploaded_at >= since]
    start = (query.page - 1) * PAGE_SIZE
    return _page(kept[start:start + PAGE_SIZE], query.page, len(kept),
                 max(1, -(-len(kept) // PAGE_SIZE)))


@bp.get("/files")
@requires_scope(Scope.READ)
def files() -> Response:
    """The files the caller may see: the search's filters and paging, and ``since``."""
    query, since = query_from(request.args), _since(request.args)
    viewer, at = _caller().viewer, web().now()
    if since is not None:
        return _files_since(query, since, viewer, at)
    found = search(web().registry, query, viewer=viewer, at=at)
    return _page(list(found.rows), found.page, found.total, found.pages)


@bp.get("/files/<file_id>")
@requires_scope(Scope.READ)
def file(file_id: str) -> Response:
    """One file's metadata (a file the caller may not see is answered as unknown)."""
    context, viewer = web(), _caller().viewer
    info = context.registry.file(file_id)
    if viewer is not None:
        require_visible(viewer, info, at=context.now())
    return jsonify(info.to_json())


@bp.get("/files/<file_id>.pdf")
@requires_scope(Scope.READ)
def download(file_id: str) -> Response:
    """The current version of one file, hash-checked by the registry."""
    context, viewer = web(), _caller().viewer
    if viewer is None:
        version, pdf = context.registry.pdf(file_id)
    else:
        version, pdf = recipient_pdf(context.registry, viewer, file_id, at=context.now())
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{version.file_id}.pdf"',
        "X-Pdfsign-Version": str(version.number)})


# -- verification ------------------------------------------------------------------------------

def _read_at_most(size: int) -> bytes:
    """Up to ``size`` bytes of the body (a stream may answer a read with less than asked)."""
    chunks, left = [], size
    while left > 0 and (chunk := request.stream.read(min(left, 1024 * 1024))):
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _pdf_body() -> bytes:
    """The request body, if it is one PDF within ``upload_max_mb``.

    :raises UnsupportedMediaType: not ``application/pdf``, or no ``%PDF-`` header (415).
    :raises RequestEntityTooLarge: over the limit (413), refused from ``Content-Length``
        before the body is read when the client sends one.
    """
    if request.mimetype != "application/pdf":
        raise UnsupportedMediaType("Content-Type: application/pdf で送ってください / send the "
                                   "PDF as the body, with Content-Type: application/pdf")
    limit = file_limit()
    too_large = RequestEntityTooLarge(f"{limit // (1024 * 1024)} MBを超えるファイルは受け付けま"
                                      f"せん / larger than {limit // (1024 * 1024)} MB, the "
                                      "limit for one file")
    if (request.content_length or 0) > limit:
        raise too_large
    data = _read_at_most(limit + 1)
    if len(data) > limit:
        raise too_large
    if b"%PDF-" not in data[:_PDF_HEADER_WITHIN]:
        raise UnsupportedMediaType(f"PDFではありません（先頭{_PDF_HEADER_WITHIN}バイトに%PDF-が"
                                   f"ありません） / not a PDF (no %PDF- header in the first "
                                   f"{_PDF_HEADER_WITHIN} bytes)")
    return data


@bp.post("/verify")
@requires_scope(Scope.VERIFY)
def verify() -> Response:
    """Verify the PDF in the body: the report of ``pdfsign verify --format json``."""
    data, context = _pdf_body(), web()
    trust, at = trust_from(context.settings), context.now()
    name = request.args.get("name", "").strip() or "upload.pdf"
    run = VerificationRun(documents=(verify_pdf(data, path=name, settings=trust, at=at),),
                          validated_at=at)
    return Response(render_json(run), mimetype="application/json")


@bp.get("/openapi.json")
@requires_scope(None)
def openapi() -> Response:
    """The OpenAPI 3.1 description of these routes (public: it holds no data)."""
    return jsonify(document())
