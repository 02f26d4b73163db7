"""Issuing from the browser: the form, the preview with its first page, the PIN, the issue.

``/issue/<kind>`` shows the form generated from the kind's field declarations (prefilled
from an earlier document with ``?from=``, or for a re-issue with ``?reissue=``); a valid
submit becomes a draft and its preview: the first page as the signed PDF will show it, the
file ID and the issue count it will get.  The signing PIN is then asked for, used once to
open the signer, and never stored or logged.  Every rule is the CLI's: the views call
:mod:`pdfsign.issuing`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from pdfsign import issuing
from pdfsign.accounts import Role
from pdfsign.documents import DocumentKind, GuaranteeCertificate, parse_document
from pdfsign.errors import InputError, PdfsignError, PermissionDenied
from pdfsign.registry import ChangedMeanwhileError
from pdfsign.render import page_png
from pdfsign.signing import signer_names
from webui.access import requires
from webui.context import web
from webui.errors import field_errors
from webui.issue.drafts import Draft, DraftStore
from webui.issue.forms import (
    FORM_KINDS,
    data_from_form,
    form_for,
    line_rows_for,
    values_from_data,
)

__all__ = ["ISSUERS", "register"]

#: Who issues and acts on files (auditors read and verify only).
ISSUERS = frozenset({Role.ADMIN, Role.ISSUER})
#: Form values that are not document data: a re-issue's file and the version it was opened on.
_CARRIED = ("_file_id", "_expected_version")


def _kind(name: str) -> DocumentKind:
    try:
        kind = DocumentKind(name)
    except ValueError:
        abort(404)
    if kind not in FORM_KINDS:
        abort(404)
    return kind


def _drafts() -> DraftStore:
    return DraftStore(web().registry)


def _stored_data(file_id: str) -> tuple[dict[str, Any], int]:
    """The current version's source data and number (for a copy or a re-issue)."""
    registry = web().registry
    info = registry.file(file_id)
    current = next(v for v in registry.history(file_id) if v.number == info.current_version)
    data = current.meta.get("data")
    if not isinstance(data, dict):
        raise InputError(f"{file_id} の現在の版には元データがありません / the current version "
                         f"of {file_id} has no source data to start from", field="file_id")
    return data, current.number


def _form_page(kind: DocumentKind, values: dict[str, str], errors: dict[str, str], *,
               line_rows: int | None = None, status: int = 200) -> tuple[str, int]:
    file_id = values.get("_file_id") or None
    next_count = web().registry.file(file_id).issue_count + 1 if file_id else None
    page = render_template("web/issue/form.html", kind=kind,
                           form=form_for(kind, line_rows=line_rows), values=values,
                           errors=errors, file_id=file_id, next_count=next_count)
    return page, status


@requires(ISSUERS)
def kinds() -> str:
    """The kinds that can be issued here."""
    return render_template("web/issue/kinds.html", kinds=sorted(FORM_KINDS))


@requires(ISSUERS)
def form(kind: str) -> tuple[str, int] | Response:
    """The document form; a valid submit goes to its preview."""
    chosen = _kind(kind)
    if request.method == "GET":
        return _start(chosen)
    values = {k: v for k, v in request.form.items() if k != "csrf_token"}
    if request.form.get("action") == "more-lines":
        return _form_page(chosen, values, {},
                          line_rows=line_rows_for(chosen, values, more=True))
    data = data_from_form(chosen, values)
    try:
        parse_document(data)
    except InputError as exc:  # shown as the domain numbers the rows (blank ones closed up)
        shown = values_from_data(data) | {k: v for k, v in values.items() if k in _CARRIED}
        return _form_page(chosen, shown, field_errors(exc),
                          line_rows=line_rows_for(chosen, shown), status=exc.http_status)
    expected = values.get("_expected_version")
    draft = Draft(owner=g.user.user_id, kind=chosen.value, data=data,
                  created_at=web().now().isoformat(), file_id=values.get("_file_id") or None,
                  expected_version=int(expected) if expected else None,
                  values=values)
    return redirect(url_for("issue.preview", token=_drafts().keep(draft)))


def _start(kind: DocumentKind) -> tuple[str, int] | Response:
    """The form's first values: blank, a copy (``?from=``), a re-issue, or a draft to edit."""
    args = request.args
    if token := args.get("draft"):
        draft = _drafts().load(token, owner=g.user.user_id, at=web().now())
        return _form_page(kind, draft.values, {},
                          line_rows=line_rows_for(kind, draft.values))
    source = args.get("reissue") or args.get("from")
    if not source:
        return _form_page(kind, {}, {})
    data, version = _stored_data(source)
    if data.get("kind") != kind.value:
        target = url_for("issue.form", kind=data.get("kind"))  # the stored data's own kind
        return redirect(f"{target}?{request.query_string.decode()}")
    values = values_from_data(data)
    if args.get("reissue"):
        values |= {"_file_id": source, "_expected_version": str(version)}
    return _form_page(kind, values, {}, line_rows=line_rows_for(kind, values))


def _next_count(draft: Draft) -> tuple[str, int | None]:
    """The file ID the draft will be issued under, and its issue count (certificates only)."""
    document = parse_document(draft.data)
    file_id = draft.file_id or issuing.file_id_for(document)
    if not isinstance(document, GuaranteeCertificate):
        return file_id, None
    return file_id, web().registry.file(file_id).issue_count + 1 if draft.file_id else 1


@requires(ISSUERS)
def preview(token: str) -> tuple[str, int] | Response:
    """The preview; the POST with the signing PIN issues."""
    context = web()
    draft = _drafts().load(token, owner=g.user.user_id, at=context.now())
    if request.method == "GET":
        return _preview_page(token, draft, {})
    try:
        issuer = context.issuer(request.form.get("signer", ""), request.form.get("pin", ""),
                                actor=g.user.user_id)
        if draft.file_id:
            version = issuing.reissue(issuer, draft.data, at=context.now(),
                                      file_id=draft.file_id,
                                      expected_version=draft.expected_version)
        else:
            version = issuing.issue(issuer, draft.data, at=context.now())
    except ChangedMeanwhileError as exc:
        return render_template("web/issue/changed.html", token=token, draft=draft,
                               message=exc.message), exc.http_status
    except PermissionDenied as exc:
        return _preview_page(token, draft, {"pin": exc.message}, status=exc.http_status)
    except PdfsignError as exc:
        return _preview_page(token, draft, field_errors(exc), status=exc.http_status)
    _drafts().forget(token)
    flash("done.reissued" if draft.file_id else "done.issued")
    return redirect(url_for("files.file", file_id=version.file_id))


def _preview_page(token: str, draft: Draft, errors: dict[str, str], *,
                  status: int = 200) -> tuple[str, int]:
    file_id, count = _next_count(draft)
    settings = web().settings
    page = render_template("web/issue/preview.html", token=token, draft=draft,
                           kind=DocumentKind(draft.kind), file_id=file_id, issue_count=count,
                           document=parse_document(draft.data),
                           errors=errors,
                           signers=signer_names(settings.pki_dir, configured=settings.signer),
                           default_signer=settings.signer)
    return page, status


@requires(ISSUERS)
def preview_image(token: str) -> Response:
    """The draft's first page as a PNG, drawn from the PDF it will be signed as."""
    context = web()
    draft = _drafts().load(token, owner=g.user.user_id, at=context.now())
    _, count = _next_count(draft)
    pdf = issuing.preview_pdf(draft.data, issue_count=count or 1, at=context.now())
    return Response(page_png(pdf), mimetype="image/png")


@requires(ISSUERS)
def rebase(token: str) -> Response:
    """After "changed meanwhile": open the form again on the current version, as typed."""
    context = web()
    store = _drafts()
    draft = store.load(token, owner=g.user.user_id, at=context.now())
    if draft.file_id is None:
        abort(404)
    current = context.registry.file(draft.file_id).current_version
    values = draft.values | {"_expected_version": str(current)}
    store.keep(dataclasses.replace(draft, expected_version=current, values=values), token=token)
    return redirect(url_for("issue.form", kind=draft.kind, draft=token))


def register(bp: Blueprint) -> None:
    """Add the issuing routes to the area's blueprint."""
    bp.add_url_rule("/issue", "kinds", kinds)
    bp.add_url_rule("/issue/<kind>", "form", form, methods=["GET", "POST"])
    bp.add_url_rule("/issue/drafts/<string(length=43):token>", "preview", preview,
                    methods=["GET", "POST"])
    bp.add_url_rule("/issue/drafts/<string(length=43):token>/page.png", "preview_image",
                    preview_image)
    bp.add_url_rule("/issue/drafts/<string(length=43):token>/rebase", "rebase", rebase,
                    methods=["POST"])
