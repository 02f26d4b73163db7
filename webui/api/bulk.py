"""``/api/v1/bulk``: the bulk download tool's sign-in and its feed (``pdfsign fetch``).

- ``POST /bulk/session`` takes ``{"user_id", "password"}`` and answers a read token that
  lasts one run (:func:`pdfsign.accounts.bulk_download.bulk_signin`: head office only).
  Behind the TLS proxy, a client certificate (seed 002: "ユーザID・パスワードに加え、
  クライアント証明書による利用者確認") must be the same user's.
- ``GET /bulk/files`` lists the caller's files by upload time, oldest first, ``since`` an
  instant, a page at a time: ``next`` is the cursor of the following page (``null`` at the
  end).  Only a head-office user may read it, with a session or a personal token.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt

from flask import jsonify, request
from werkzeug.wrappers import Response

from pdfsign.accounts import Scope
from pdfsign.accounts.bulk_download import bulk_signin, require_head_office
from pdfsign.errors import AuthenticationError, InputError
from pdfsign.registry import FileInfo, uploads
from webui.api.blueprint import MISMATCH, bp, caller, requires_scope
from webui.api.bodies import json_body
from webui.api.files import parse_instant
from webui.client_certs import client_user
from webui.context import web

__all__ = ["FEED_PAGE"]

#: Files per page of the feed, at most (``limit`` may ask for fewer).
FEED_PAGE = 500


@bp.post("/bulk/session")
@requires_scope(None)
def session() -> Response:
    """Sign a head office in with its password; the answer's token lasts one run."""
    body, context = json_body(), web()
    user_id, password = _text(body, "user_id"), _text(body, "password")
    by_cert = client_user(context)
    if by_cert is not None and by_cert.user_id != user_id:
        raise AuthenticationError(MISMATCH, field="user_id")
    info, token = bulk_signin(context.registry, context.policy, user_id, password,
                              at=context.now())
    response = jsonify({"token": token, "expires_at": info.expires_at.isoformat()})
    response.status_code = 201
    return response


@bp.get("/bulk/files")
@requires_scope(Scope.READ)
def feed() -> Response:
    """One page of the head office's files uploaded since ``since``, oldest first."""
    who = caller()
    require_head_office(who.user)
    assert who.viewer is not None  # a head office is a bank user
    limit = _limit(request.args.get("limit", ""))
    context = web()
    rows = uploads(context.registry, viewer=who.viewer, at=context.now(),
                   since=parse_instant(request.args, "since"),
                   after=_cursor(request.args.get("after", "")), limit=limit)
    return jsonify({"files": [f.to_json() for f in rows], "as_of": context.now().isoformat(),
                    "next": _next(rows[-1]) if len(rows) == limit else None})


def _text(body: dict[str, object], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise InputError(f"{key} が必要です / {key!r} is required", field=key)
    return value


def _limit(text: str) -> int:
    if not text.strip():
        return FEED_PAGE
    if not text.strip().isdigit() or not 1 <= int(text) <= FEED_PAGE:
        raise InputError(f"limit は1〜{FEED_PAGE}の整数です / 'limit' must be 1 to {FEED_PAGE}",
                         field="limit")
    return int(text)


def _next(last: FileInfo) -> str:
    """The opaque cursor after ``last``: its upload time and file ID."""
    text = f"{last.uploaded_at.astimezone(dt.UTC).isoformat()}|{last.file_id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _cursor(text: str) -> tuple[dt.datetime, str] | None:
    """Read :func:`_next`'s cursor back.

    :raises InputError: a cursor this server did not make (``after``).
    """
    if not text:
        return None
    try:
        decoded = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        when, _, file_id = decoded.partition("|")
        return dt.datetime.fromisoformat(when), file_id
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InputError("after は前のページの next の値です / 'after' must be the 'next' of "
                         "the previous page", field="after") from None
