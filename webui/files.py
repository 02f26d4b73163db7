"""The registry for association staff: search, the file page with its history, the actions.

Everything a page shows about a file is read from the registry on that request (nothing is
kept in the session).  Actions carry the version the page showed (``expected_version``), so
of two staff acting at once the second is told what changed instead of overwriting it.
Auditors read, download and verify; issuers and administrators also act.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for

from pdfsign import issuing
from pdfsign.accounts import STAFF, Role
from pdfsign.archive_chain import signature_time
from pdfsign.documents.fields import Day
from pdfsign.errors import InputError, PdfsignError, PermissionDenied
from pdfsign.registry import (
    GUARANTEE_FAMILY,
    INVALIDATION_REASONS,
    ChangedMeanwhileError,
)
from pdfsign.signing import signer_names
from webui.access import requires
from webui.context import web
from webui.search_form import search_page, zip_download
from webui.verification import report_page

__all__ = ["bp"]

bp = Blueprint("files", __name__)
ISSUERS = frozenset({Role.ADMIN, Role.ISSUER})
@bp.route("/files")
@requires(STAFF)
def index() -> str | tuple[str, int]:
    """Search the registry: DOMAIN.md's filters and order, 100 a page, 2,000 at most."""
    return search_page("web/files/search.html", viewer=None)


@bp.route("/files/zip", methods=["POST"])
@requires(STAFF)
def download_zip() -> Response:
    """The selected files (or every match of the search) as one ZIP with ``files.csv``."""
    return zip_download(viewer=None)


def _history(file_id: str) -> list[dict[str, Any]]:
    """Every version with its signature time-stamp time (read from the version's own bytes)."""
    registry = web().registry
    rows = []
    for version in registry.history(file_id):
        stamped = None
        if version.purged_at is None:
            stamped = signature_time(registry.pdf(file_id, version.number)[1])
        rows.append({"version": version, "stamped": stamped})
    return rows


@bp.route("/files/<file_id>")
@requires(STAFF)
def file(file_id: str) -> tuple[str, int]:
    """The file's state, its actions for this role, and its full history."""
    return _file_page(file_id, errors={})


def _file_page(file_id: str, *, errors: Mapping[str, str],
               status: int = 200) -> tuple[str, int]:
    context = web()
    info = context.registry.file(file_id)
    page = render_template(
        "web/files/file.html", info=info, history=_history(file_id),
        renewals=context.registry.renewals(file_id), errors=errors,
        may_act=g.user.role in ISSUERS and info.state == "active",
        certificate=info.kind in GUARANTEE_FAMILY, reasons=INVALIDATION_REASONS,
        signers=signer_names(context.settings.pki_dir, configured=context.settings.signer),
        default_signer=context.settings.signer)
    return page, status


@bp.route("/files/<file_id>/versions/<int:number>.pdf")
@requires(STAFF)
def version_pdf(file_id: str, number: int) -> Response:
    """One stored version, hash-checked by the registry."""
    version, pdf = web().registry.pdf(file_id, number)
    name = f"{file_id}.v{version.number}.pdf"
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/files/<file_id>/versions/<int:number>/verify")
@requires(STAFF)
def verify_version(file_id: str, number: int) -> str:
    """The verification report of one stored version (the page of ``/verify``)."""
    version, pdf = web().registry.pdf(file_id, number)
    return report_page([(f"{file_id}.v{version.number}.pdf", pdf)])


def _expected() -> int | None:
    value = request.form.get("expected_version", "")
    return int(value) if value.isdigit() else None


def _act(file_id: str, action: str) -> None:
    """Run one lifecycle action from its form (the CLI's function of the same name)."""
    context, form = web(), request.form
    common: dict[str, Any] = {"at": context.now(), "expected_version": _expected()}
    if action == "invalidate":
        issuer = context.issuer(form.get("signer", ""), form.get("pin", ""),
                                actor=g.user.user_id)
        issuing.invalidate(issuer, file_id, reason=form.get("reason", ""), **common)
        return
    common["actor"] = g.user.user_id
    if action == "transfer":
        issuing.transfer(context.registry, file_id, bank_code=form.get("bank_code", ""),
                         branch_code=form.get("branch_code", ""), **common)
        return
    on = _day(form.get("on", ""))
    if action == "repaid":
        issuing.mark_repaid(context.registry, file_id, on=on, **common)
    else:
        issuing.subrogate(context.registry, file_id, on=on, **common)


def _day(text: str) -> dt.date:
    if not text.strip():
        raise InputError("日付を入力してください / a date is required", field="on")
    return Day().parse(text, "on")


@bp.route("/files/<file_id>/<any(invalidate, transfer, repaid, subrogate):action>",
          methods=["POST"])
@requires(ISSUERS)
def act(file_id: str, action: str) -> Any:
    """Invalidate (with the signing PIN), transfer, record repayment or subrogation."""
    try:
        _act(file_id, action)
    except ChangedMeanwhileError as exc:
        return _file_page(file_id, errors={"version": exc.message}, status=exc.http_status)
    except PermissionDenied as exc:
        return _file_page(file_id, errors={f"{action}.pin": exc.message},
                          status=exc.http_status)
    except PdfsignError as exc:
        field = f"{action}.{exc.field}" if exc.field else "_form"
        return _file_page(file_id, errors={field: exc.message}, status=exc.http_status)
    flash(f"done.{action}")
    return redirect(url_for("files.file", file_id=file_id))

