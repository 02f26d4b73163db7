"""``/api/v1/files``: what the caller may see, a file's metadata, and its download.

What a bank user sees is the registry's access rule (``viewer``), exactly as on the bank
pages; staff see every file that is not purged.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import replace

from flask import jsonify, request
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from pdfsign.accounts import Scope
from pdfsign.errors import InputError
from pdfsign.registry import recipient_pdf, require_visible, search
from webui.api.blueprint import bp, caller, requires_scope
from webui.context import web
from webui.search_form import query_from

__all__ = ["parse_instant", "pdf_response"]

def parse_instant(args: MultiDict[str, str], name: str) -> dt.datetime | None:
    """An ISO 8601 time with its zone from the query string, as UTC; ``None`` if absent.

    :raises InputError: naming ``name``, for a time without a zone or not ISO 8601.
    """
    text = args.get(name, "").strip()
    if not text:
        return None
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise InputError(f"ISO 8601 の時刻（タイムゾーン付き）で指定してください / give an ISO "
                         f"8601 time with its zone, e.g. 2026-12-01T00:00:00Z (not {text!r})",
                         field=name)
    return when.astimezone(dt.UTC)

@bp.get("/files")
@requires_scope(Scope.READ)
def files() -> Response:
    """The files the caller may see: the search's filters and paging, and ``since``."""
    query = replace(query_from(request.args), uploaded_since=parse_instant(request.args, "since"))
    found = search(web().registry, query, viewer=caller().viewer, at=web().now())
    return jsonify({"files": [f.to_json() for f in found.rows], "page": found.page,
                    "pages": found.pages, "total": found.shown, "capped": found.capped})

@bp.get("/files/<file_id>")
@requires_scope(Scope.READ)
def file(file_id: str) -> Response:
    """One file's metadata (a file the caller may not see is answered as unknown)."""
    context, viewer = web(), caller().viewer
    info = context.registry.file(file_id)
    if viewer is not None:
        require_visible(viewer, info, at=context.now())
    return jsonify(info.to_json())

@bp.get("/files/<file_id>.pdf")
@requires_scope(Scope.READ)
def download(file_id: str) -> Response:
    """The current version of one file, hash-checked by the registry."""
    context, viewer = web(), caller().viewer
    if viewer is None:
        version, pdf = context.registry.pdf(file_id)
    else:
        version, pdf = recipient_pdf(context.registry, viewer, file_id, at=context.now())
    return pdf_response(version.file_id, version.number, pdf)

def pdf_response(file_id: str, version: int, pdf: bytes) -> Response:
    """A PDF download with its version and its digest (RFC 9530 ``Repr-Digest``), so a
    client can check what it received before it keeps it."""
    digest = base64.b64encode(hashlib.sha256(pdf).digest()).decode()
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{file_id}.pdf"',
        "X-Pdfsign-Version": str(version), "Repr-Digest": f"sha-256=:{digest}:"})
