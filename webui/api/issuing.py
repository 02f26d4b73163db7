"""Issuing through the API, for staff tokens of scope ``issue``: the CLI's issue and re-issue.

The body is ``{"data": <the data file's object>, "pin": "…", "signer": "staff"}`` (``signer``
optional: the installation's ``signer``); a re-issue may add ``"if_version": N``, as
``pdfsign reissue --if-version``.  An ``Idempotency-Key`` header issues at most once under
that key, as ``pdfsign issue --idempotency-key``.  The answer is the JSON of
``pdfsign issue --json``.  The PIN opens the signer for this one request and is never kept.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request, url_for
from werkzeug.wrappers import Response

from pdfsign import issuing
from pdfsign.accounts import Scope
from pdfsign.errors import InputError
from pdfsign.issuing import Issuer
from pdfsign.registry import VersionInfo
from webui.api.blueprint import bp, caller, requires_scope
from webui.api.bodies import json_body
from webui.context import web

__all__: list[str] = []

_ISSUE_KEYS = frozenset({"data", "pin", "signer"})
_REISSUE_KEYS = _ISSUE_KEYS | {"if_version"}


def _request(allowed: frozenset[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The body's data object and the rest, each key checked.

    :raises InputError: an unknown key, no ``data`` object, or a ``pin``/``signer`` that is
        not a string (each naming its key).
    """
    body = json_body()
    if unknown := sorted(set(body) - allowed):
        raise InputError(f"不明な項目です / unknown key {unknown[0]!r}; the body takes "
                         f"{', '.join(sorted(allowed))}", field=unknown[0])
    data = body.get("data")
    if not isinstance(data, dict):
        raise InputError("data（文書のデータ、JSONオブジェクト）が必要です / 'data' must be the "
                         "document's data, a JSON object", field="data")
    for key in ("pin", "signer"):
        if not isinstance(body.get(key, ""), str):
            raise InputError(f"{key} は文字列です / {key!r} must be a string", field=key)
    return data, body


def _issuer(body: dict[str, Any]) -> Issuer:
    return web().issuer(body.get("signer", ""), body.get("pin", ""),
                        actor=caller().user.user_id)


def _created(version: VersionInfo) -> Response:
    response = jsonify(version.to_json())
    response.status_code = 201
    response.headers["Location"] = url_for("api.file", file_id=version.file_id)
    return response


@bp.post("/files")
@requires_scope(Scope.ISSUE)
def issue() -> Response:
    """Issue a new document: version 1 (``pdfsign issue DATA``)."""
    data, body = _request(_ISSUE_KEYS)
    key = request.headers.get("Idempotency-Key", "").strip() or None
    return _created(issuing.issue(_issuer(body), data, at=web().now(), idempotency_key=key))


@bp.post("/files/<file_id>/versions")
@requires_scope(Scope.ISSUE)
def reissue(file_id: str) -> Response:
    """Re-issue ``file_id`` from corrected data (``pdfsign reissue DATA --file-id``)."""
    data, body = _request(_REISSUE_KEYS)
    expected = body.get("if_version")
    if expected is not None and (isinstance(expected, bool) or not isinstance(expected, int)):
        raise InputError("if_version は版番号（整数）です / 'if_version' must be a version "
                         "number", field="if_version")
    return _created(issuing.reissue(_issuer(body), data, at=web().now(), file_id=file_id,
                                    expected_version=expected))
