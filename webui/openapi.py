"""The OpenAPI 3.1 description of the JSON API (:mod:`webui.api`), as data.

``x-pdfsign-scope`` on each operation is the scope its view requires (``null``: public); a
test checks every route of ``/api/v1`` against this document and back, scopes included.
"""

from __future__ import annotations

from typing import Any

__all__ = ["document"]

_ERROR = {"$ref": "#/components/responses/Error"}
_FILE_ID = {"name": "file_id", "in": "path", "required": True, "schema": {"type": "string"},
            "example": "14_2345002_000000001_0000000001_000"}
_TEXT_FILTERS = {
    "customer_number": "顧客番号 (exact; zero-padded to 9 digits)",
    "guarantee_number": "保証番号 (exact; zero-padded to 10 digits)",
    "change_number": "変更番号 (exact; zero-padded to 3 digits)",
    "customer_name": "顧客名 (partial match)",
    "bank_code": "bank code (exact)",
    "branch_code": "branch code (exact)",
    "file_id_prefix": "file ID prefix",
}
_DAY_FILTERS = ("uploaded_from", "uploaded_to", "guarantee_from", "guarantee_to")


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


def _search_parameters() -> list[dict[str, Any]]:
    """The search form's filters (:func:`webui.search_form.query_from`), ``since`` and ``page``."""
    params = [_query(name, text, {"type": "string"}) for name, text in _TEXT_FILTERS.items()]
    params += [_query(name, "a Japanese calendar day, inclusive",
                      {"type": "string", "format": "date"}) for name in _DAY_FILTERS]
    params += [
        _query("kind", "1 guarantee, 2 condition change, 3 invalidated, 4 test slip "
               "(repeatable: any of them)", {"type": "array", "items": {"enum": [1, 2, 3, 4]}}),
        _query("sort", "a column, '-' first for descending (repeatable)",
               {"type": "array", "items": {"type": "string"}}),
        _query("page", "1-based; 100 files a page, 2,000 matches at most",
               {"type": "integer", "minimum": 1, "default": 1}),
        _query("since", "upload time lower bound (inclusive), ISO 8601 with its zone",
               {"type": "string", "format": "date-time"}),
    ]
    return params


def _operation(summary: str, scope: str | None, responses: dict[str, Any],
               **extra: Any) -> dict[str, Any]:
    """One operation; every authenticated one may also answer 401 and 403."""
    op: dict[str, Any] = {"summary": summary, "x-pdfsign-scope": scope, **extra}
    if scope is not None:
        op["security"] = [{"bearer": []}]
        responses = {**responses, "401": _ERROR, "403": _ERROR}
    op["responses"] = responses
    return op


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _schemas() -> dict[str, Any]:
    nullable_string = {"type": ["string", "null"]}
    return {
        "Error": {"type": "object", "required": ["error"], "properties": {"error": {
            "type": "object", "required": ["reason", "field", "message"], "properties": {
                "reason": {"type": "string", "description": "stable token, as in the CLI's "
                           "--json errors (e.g. authentication-failed, not-found)"},
                "field": nullable_string, "message": {"type": "string"}}}}},
        "File": {"type": "object", "required": ["file_id", "kind", "state", "current_version",
                                                "uploaded_at"],
                 "properties": {
                     "file_id": {"type": "string"}, "kind": {"type": "string"},
                     "shown_kind": {"type": "string"}, "state": {"type": "string"},
                     "association_code": {"type": "string"}, "bank_code": {"type": "string"},
                     "branch_code": {"type": "string"}, "customer_number": nullable_string,
                     "guarantee_number": nullable_string, "change_number": nullable_string,
                     "customer_name": nullable_string,
                     "guarantee_date": {"type": ["string", "null"], "format": "date"},
                     "issue_count": {"type": "integer"},
                     "current_version": {"type": "integer"},
                     "uploaded_at": {"type": "string", "format": "date-time"},
                     "delete_due": {"type": ["string", "null"], "format": "date-time"},
                     "access_until": {"type": ["string", "null"], "format": "date-time"}}},
        "FilePage": {"type": "object", "required": ["files", "page", "pages", "total", "capped"],
                     "properties": {
                         "files": {"type": "array", "items": {"$ref": "#/components/schemas/File"}},
                         "page": {"type": "integer"}, "pages": {"type": "integer"},
                         "total": {"type": "integer", "maximum": 2000},
                         "capped": {"type": "boolean",
                                    "description": "more than 2,000 matches: narrow the search"}}},
        "VerificationReport": {
            "type": "object", "required": ["schema_version", "validated_at", "ok", "documents"],
            "description": "the report of `pdfsign verify --format json`; its full JSON Schema "
                           "is verify/report.schema.json",
            "properties": {"schema_version": {"type": "string"},
                           "validated_at": {"type": "string", "format": "date-time"},
                           "ok": {"type": "boolean"},
                           "documents": {"type": "array", "items": {"type": "object"}}}},
    }


def _paths() -> dict[str, Any]:
    pdf = {"description": "the PDF", "content": {"application/pdf": {
        "schema": {"type": "string", "contentMediaType": "application/pdf"}}}}
    return {
        "/api/v1/files": {"get": _operation(
            "The files the caller may see (staff: all; a bank user: its bank or branch)", "read",
            {"200": _json({"$ref": "#/components/schemas/FilePage"}, "one page"), "400": _ERROR},
            parameters=_search_parameters())},
        "/api/v1/files/{file_id}": {"get": _operation(
            "One file's metadata", "read",
            {"200": _json({"$ref": "#/components/schemas/File"}, "the file"), "404": _ERROR},
            parameters=[_FILE_ID])},
        "/api/v1/files/{file_id}.pdf": {"get": _operation(
            "The current version of one file", "read",
            {"200": pdf | {"headers": {"X-Pdfsign-Version": {
                "schema": {"type": "integer"}, "description": "the version's number"}}},
             "404": _ERROR}, parameters=[_FILE_ID])},
        "/api/v1/verify": {"post": _operation(
            "Verify one PDF (the trust roots are the installation's `trust` setting)", "verify",
            {"200": _json({"$ref": "#/components/schemas/VerificationReport"}, "the report"),
             "400": _ERROR, "413": _ERROR, "415": _ERROR},
            parameters=[_query("name", "the file name the report shows", {"type": "string"})],
            requestBody={"required": True, "content": {"application/pdf": {
                "schema": {"type": "string", "contentMediaType": "application/pdf"}}}})},
        "/api/v1/openapi.json": {"get": _operation(
            "This document", None, {"200": _json({"type": "object"}, "OpenAPI 3.1")})},
    }


def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``/api/v1``."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "pdfsign API", "version": "1",
                 "description": "Files, downloads and verification for machines. Errors are "
                                "{\"error\": {\"reason\", \"field\", \"message\"}}."},
        "paths": _paths(),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "a personal API token (pst_…), "
                                                          "from `pdfsign token create`"}},
            "schemas": _schemas(),
            "responses": {"Error": _json({"$ref": "#/components/schemas/Error"},
                                         "an error, with its reason token")},
        },
    }
