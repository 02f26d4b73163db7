"""The OpenAPI 3.1 description of the JSON API (:mod:`webui.api`), as data, and its route.

``x-pdfsign-scope`` on each operation is the scope its view requires (``null``: public); a
test checks every route of ``/api/v1`` against this document and back, scopes included.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify
from werkzeug.wrappers import Response

from webui.api.blueprint import bp, requires_scope

__all__ = ["document"]

_ERROR = {"$ref": "#/components/responses/Error"}
_FILE_ID = {"name": "file_id", "in": "path", "required": True, "schema": {"type": "string"},
            "example": "14_2345002_000000001_0000000001_000"}
_ISSUE_BODY = {"required": True, "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/IssueRequest"}}}}
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
    if scope is not None:  # a client certificate stands for a read token of its bank user
        op["security"] = [{"bearer": []}] + ([{"clientCertificate": []}] if scope == "read"
                                             else [])
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
                     "search_kind": {"type": ["integer", "null"], "description": "DOMAIN.md's "
                                     "file kind: 1 guarantee, 2 change, 3 invalidated, 4 test "
                                     "slip (null: invoices, delegation letters)"},
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
        "Version": {"type": "object", "required": ["file_id", "number", "sha256", "issue_count"],
                    "description": "the JSON of `pdfsign issue --json`",
                    "properties": {"file_id": {"type": "string"}, "number": {"type": "integer"},
                                   "content": {"type": "string"}, "sha256": {"type": "string"},
                                   "size": {"type": "integer"},
                                   "issue_count": {"type": "integer"},
                                   "created_at": {"type": "string", "format": "date-time"},
                                   "actor": {"type": "string"}, "reason": {"type": "string"},
                                   "meta": {"type": "object"}}},
        "IssueRequest": {"type": "object", "required": ["data", "pin"],
                         "additionalProperties": False,
                         "properties": {"data": {"type": "object", "description": "the data "
                                                 "file's JSON object (`pdfsign schema KIND`)"},
                                        "pin": {"type": "string", "writeOnly": True},
                                        "signer": {"type": "string"},
                                        "if_version": {"type": "integer", "description":
                                                       "re-issue only: refuse if the file "
                                                       "changed since this version"}}},
        "Feed": {"type": "object", "required": ["files", "as_of", "next"], "properties": {
            "files": {"type": "array", "items": {"$ref": "#/components/schemas/File"}},
            "as_of": {"type": "string", "format": "date-time"},
            "next": {"type": ["string", "null"],
                     "description": "pass as `after` for the next page; null at the end"}}},
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
            parameters=_search_parameters()), "post": _operation(
            "Issue a new document (staff): version 1", "issue",
            {"201": _json({"$ref": "#/components/schemas/Version"}, "the new version"),
             "400": _ERROR, "409": _ERROR, "415": _ERROR},
            parameters=[{"name": "Idempotency-Key", "in": "header", "required": False,
                         "schema": {"type": "string"},
                         "description": "issue at most once under this key"}],
            requestBody=_ISSUE_BODY)},
        "/api/v1/files/{file_id}": {"get": _operation(
            "One file's metadata", "read",
            {"200": _json({"$ref": "#/components/schemas/File"}, "the file"), "404": _ERROR},
            parameters=[_FILE_ID])},
        "/api/v1/files/{file_id}.pdf": {"get": _operation(
            "The current version of one file", "read",
            {"200": pdf | {"headers": {"X-Pdfsign-Version": {
                "schema": {"type": "integer"}, "description": "the version's number"}}},
             "404": _ERROR}, parameters=[_FILE_ID])},
        "/api/v1/files/{file_id}/versions": {"post": _operation(
            "Re-issue a file from corrected data (staff)", "issue",
            {"201": _json({"$ref": "#/components/schemas/Version"}, "the new version"),
             "400": _ERROR, "404": _ERROR, "409": _ERROR, "415": _ERROR},
            parameters=[_FILE_ID], requestBody=_ISSUE_BODY)},
        "/api/v1/bulk/session": {"post": _operation(
            "Sign a head office in with its password for one bulk download run", None,
            {"201": _json({"type": "object", "required": ["token", "expires_at"],
                           "properties": {"token": {"type": "string"},
                                          "expires_at": {"type": "string",
                                                         "format": "date-time"}}},
                          "a read token for this run"),
             "400": _ERROR, "401": _ERROR, "403": _ERROR, "423": _ERROR},
            requestBody={"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["user_id", "password"], "properties": {
                    "user_id": {"type": "string"},
                    "password": {"type": "string", "writeOnly": True}}}}}})},
        "/api/v1/bulk/files": {"get": _operation(
            "A head office's files by upload time, oldest first (the bulk download's feed)",
            "read", {"200": _json({"$ref": "#/components/schemas/Feed"}, "one page"),
                     "400": _ERROR},
            parameters=[
                _query("since", "upload time lower bound (inclusive), ISO 8601 with its zone",
                       {"type": "string", "format": "date-time"}),
                _query("after", "the previous page's `next`", {"type": "string"}),
                _query("limit", "files a page", {"type": "integer", "minimum": 1,
                                                 "maximum": 500, "default": 500})])},
        "/api/v1/batches/{job_id}": {"get": _operation(
            "A batch job's progress (staff)", "read",
            {"200": _json({"type": "object", "required": [
                "job_id", "status", "rows", "issued", "skipped", "failed"], "properties": {
                    "job_id": {"type": "string"}, "filename": {"type": "string"},
                    "status": {"enum": ["queued", "running", "done", "failed", "dead"]},
                    "rows": {"type": "integer"}, "issued": {"type": "integer"},
                    "skipped": {"type": "integer"}, "failed": {"type": "integer"},
                    "finished_rows": {"type": "integer"}, "runs": {"type": "integer"},
                    "created_by": {"type": "string"},
                    "created_at": {"type": "string", "format": "date-time"},
                    "finished_at": {"type": ["string", "null"], "format": "date-time"}}},
                "the job now"), "404": _ERROR},
            parameters=[{"name": "job_id", "in": "path", "required": True,
                         "schema": {"type": "string", "pattern": "^[0-9a-f]{16}$"}}])},
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
                                                          "from `pdfsign token create`"},
                                "clientCertificate": {
                                    "type": "mutualTLS",
                                    "description": "a bank user's client certificate (CN = "
                                                   "user ID), verified by the TLS proxy: "
                                                   "the read scope; with a token, the "
                                                   "same user's"}},
            "schemas": _schemas(),
            "responses": {"Error": _json({"$ref": "#/components/schemas/Error"},
                                         "an error, with its reason token")},
        },
    }


@bp.get("/openapi.json")
@requires_scope(None)
def openapi() -> Response:
    """This document (public: it holds no data)."""
    return jsonify(document())
