"""The search form of DOMAIN.md as a registry query: one parser for staff and banks.

Each filter's form name is the :class:`pdfsign.registry.SearchQuery` field it fills, so the
query's own errors (``customer_number: must be at most 9 digits``) land beside their input.
"""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from pdfsign.documents.fields import Day
from pdfsign.errors import InputError
from pdfsign.registry import SearchQuery

__all__ = ["query_from"]

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
