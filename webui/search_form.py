"""The search form of DOMAIN.md: one parser and one pair of answers for staff and banks.

Each filter's form name is the :class:`pdfsign.registry.SearchQuery` field it fills, so the
query's own errors (``customer_number: must be at most 9 digits``) land beside their input.
The staff search runs with no viewer; a bank's runs as its user, so the registry's access
rule decides what either sees, lists and downloads.
"""

from __future__ import annotations

from typing import Any

from flask import Response, render_template, request
from werkzeug.datastructures import MultiDict

from pdfsign.documents.fields import Day
from pdfsign.documents.ids import UserId
from pdfsign.errors import InputError
from pdfsign.registry import SearchQuery, export_zip, matching, require_visible, search
from webui.context import web
from webui.errors import field_errors

__all__ = ["query_from", "search_page", "zip_download"]

#: The search form's text filters, named as :class:`SearchQuery` names them (and its errors).
_TEXT_FILTERS = ("customer_number", "guarantee_number", "change_number", "customer_name",
                 "bank_code", "branch_code", "file_id_prefix")
_DAY_FILTERS = ("uploaded_from", "uploaded_to", "guarantee_from", "guarantee_to")


def query_from(args: MultiDict[str, str]) -> SearchQuery:
    """The search form as a query. :raises InputError: naming the filter that is wrong."""
    texts: dict[str, Any] = {name: args.get(name, "").strip() or None for name in _TEXT_FILTERS}
    days: dict[str, Any] = {name: Day().parse(args[name], name) if args.get(name, "").strip()
                            else None for name in _DAY_FILTERS}
    try:
        kinds = tuple(int(k) for k in args.getlist("kind"))
        page = int(args.get("page", "1"))
    except ValueError:
        raise InputError("数字で指定してください / must be a number", field="page") from None
    return SearchQuery(**texts, **days, kinds=kinds, sort=tuple(args.getlist("sort")),
                       page=page)


def search_page(template: str, *, viewer: UserId | None) -> str | tuple[str, int]:
    """``template`` with this request's results as ``viewer`` sees them, or with the error."""
    try:
        query = query_from(request.args)
    except InputError as exc:
        return render_template(template, result=None, args=request.args,
                               errors=field_errors(exc)), exc.http_status
    found = search(web().registry, query, viewer=viewer, at=web().now())
    return render_template(template, result=found, args=request.args, errors={})


def zip_download(*, viewer: UserId | None) -> Response:
    """The selected files (or every match of the posted search) ``viewer`` may see, as one ZIP
    with ``files.csv``; a file it may not see is answered as if it did not exist."""
    context = web()
    if request.form.get("all"):
        files = matching(context.registry, query_from(request.form), viewer=viewer,
                         at=context.now())
    else:
        chosen = request.form.getlist("file_id")
        if not chosen:
            raise InputError("ファイルを選んでください / select at least one file",
                             field="file_id")
        files = [context.registry.file(file_id) for file_id in chosen]
        if viewer is not None:
            for info in files:
                require_visible(viewer, info, at=context.now())
    name = f"pdfsign-{context.now():%Y%m%dT%H%M%SZ}.zip"
    return Response(export_zip(context.registry, files), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
