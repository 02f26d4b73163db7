"""``POST /api/v1/verify``: the report of ``pdfsign verify --format json`` for one PDF."""

from __future__ import annotations

from flask import request
from werkzeug.wrappers import Response

from pdfsign.accounts import Scope
from pdfsign.verification import trust_from
from verify import VerificationRun, verify_pdf
from verify.formats import render_json
from webui.api.blueprint import bp, requires_scope
from webui.api.bodies import pdf_body
from webui.context import web

__all__: list[str] = []


@bp.post("/verify")
@requires_scope(Scope.VERIFY)
def verify() -> Response:
    """Verify the PDF in the body, against the installation's ``trust`` roots, now."""
    data, context = pdf_body(), web()
    trust, at = trust_from(context.settings), context.now()
    name = request.args.get("name", "").strip() or "upload.pdf"
    run = VerificationRun(documents=(verify_pdf(data, path=name, settings=trust, at=at),),
                          validated_at=at)
    return Response(render_json(run), mimetype="application/json")
