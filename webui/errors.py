"""Errors meet the browser here, as pages, never as tracebacks.

A product error is shown with :func:`pdfsign.errors.describe`'s message and HTTP status —
the CLI's words and the CLI's table.  HTTP errors (403, 404, 413, a missing CSRF token)
get the same page with their own status; anything unexpected is logged with its
traceback and answered with a plain 500 page.
"""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from pdfsign.errors import PdfsignError, Problem, describe
from webui import api

__all__ = ["field_errors", "init_app"]

_log = logging.getLogger("webui")
_GENERIC = {
    400: "リクエストが正しくありません / bad request",
    403: "この画面を開く権限がありません / your role may not open this page",
    404: "ページが見つかりません / no such page",
    405: "この方法では使えません / method not allowed",
    413: "送信されたデータが大きすぎます / the upload is too large",
    415: "PDFファイルではありません / not a PDF file",
}


def field_errors(exc: PdfsignError) -> dict[str, str]:
    """The message keyed by the field it names (``_form`` if none), for the form template."""
    return {exc.field or "_form": exc.message}


def _page(status: int, message: str) -> tuple[str, int]:
    return render_template("web/error.html", status=status, message=message), status


def _product_error(exc: PdfsignError) -> tuple[str, int]:
    problem = describe(exc)
    assert problem is not None  # every PdfsignError is described
    return _from_problem(problem)


def _http_error(exc: HTTPException) -> tuple[str, int] | Response:
    if api.is_api_path(request.path):  # a path under /api/v1 that matched no route
        return api.http_error(exc)
    status = exc.code or 500
    described = exc.description if exc.description and status in (413, 415) else None
    return _page(status, described or _GENERIC.get(status, exc.name))


def _csrf_error(exc: CSRFError) -> tuple[str, int]:
    return _page(400, "フォームの有効期限が切れました。画面を開き直してください / the form "
                      f"expired or was not sent from this site ({exc.description})")


def _unexpected(exc: Exception) -> tuple[str, int]:
    problem = describe(exc)
    if problem is not None:  # a tsa or verify error that reached a view
        return _from_problem(problem)
    _log.error("unexpected error: %s", type(exc).__name__, exc_info=exc)
    return _page(500, "予期しないエラーです。管理者に連絡してください / unexpected error; "
                      "the administrator can find it in the server log")


def _from_problem(problem: Problem) -> tuple[str, int]:
    return _page(problem.http_status, problem.message)  # the message already names the field


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(PdfsignError, _product_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
