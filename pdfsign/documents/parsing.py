"""The one entry point from a data file to a validated document, and each kind's JSON Schema."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pdfsign.documents.delegation import DelegationLetter
from pdfsign.documents.fields import JsonSchema, Record, fields_schema
from pdfsign.documents.guarantee import GuaranteeCertificate
from pdfsign.documents.invalidation import InvalidationNotice
from pdfsign.documents.invoice import Invoice
from pdfsign.documents.kinds import DocumentKind
from pdfsign.documents.test_slip import TestSlip
from pdfsign.errors import InputError

__all__ = ["Document", "content_digest", "decode_json", "json_schema", "load_data",
           "model_for", "parse_document", "parse_kind"]

#: Any document pdfsign renders.
Document = GuaranteeCertificate | TestSlip | InvalidationNotice | Invoice | DelegationLetter

_MODELS: dict[DocumentKind, type[Record]] = {
    DocumentKind.GUARANTEE: GuaranteeCertificate,
    DocumentKind.GUARANTEE_CHANGE: GuaranteeCertificate,
    DocumentKind.TEST_SLIP: TestSlip,
    DocumentKind.INVALIDATION: InvalidationNotice,
    DocumentKind.INVOICE: Invoice,
    DocumentKind.DELEGATION: DelegationLetter,
}
_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def parse_kind(value: object, *, field: str = "kind") -> DocumentKind:
    """Parse a kind name such as ``"guarantee-change"``.

    :raises InputError: naming the allowed kinds.
    """
    try:
        return DocumentKind(str(value))
    except ValueError:
        allowed = ", ".join(kind.value for kind in DocumentKind)
        raise InputError(f"文書の種類が不明です（{allowed}） / unknown document kind "
                         f"{value!r}; expected one of {allowed}", field=field) from None


def model_for(kind: DocumentKind | str) -> type[Record]:
    """The model whose ``FIELDS`` declare ``kind``'s data (the schema and the web form walk them).

    :raises InputError: for an unknown kind.
    """
    return _MODELS[parse_kind(kind)]


def load_data(path: Path) -> dict[str, Any]:
    """Read a data file (one JSON object, UTF-8), so every front end words a bad file alike.

    :param path: The data file.
    :return: The JSON object, to be validated by :func:`parse_document`.
    :raises InputError: naming the file and why: unreadable, not UTF-8 (with the byte), not
        JSON (with line and column), or not an object.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"読み込めません / cannot read: {exc.strerror}",
                         field=str(path)) from None
    try:
        data = decode_json(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(f"UTF-8ではありません / not UTF-8 text ({exc.reason} at byte "
                         f"{exc.start})", field=str(path)) from None
    except InputError as exc:
        raise InputError(f"JSONとして読めません / {exc.message}", field=str(path)) from None
    if not isinstance(data, dict):
        raise InputError("JSONオブジェクトが必要です / the data must be a JSON object",
                         field=str(path))
    return data


def decode_json(text: str) -> object:
    """``json.loads``, with every way it refuses text as one :class:`InputError`.

    Besides syntax errors (line and column): a number of more than 4,300 digits (Python's
    limit, a ValueError), nesting deeper than the parser's recursion, and ``\\udXXX`` escapes
    that leave an unpaired surrogate, which is not Unicode text and would fail far from the
    file (when a digest or the PDF encodes it).  The data-file and batch readers share it.

    :raises InputError: without a field; the caller names the file or the line.
    """
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON at line {exc.lineno} column {exc.colno}: "
                         f"{exc.msg}") from None
    except ValueError:  # the only other ValueError json.loads raises: int_max_str_digits
        raise InputError(f"invalid JSON: a number has more than {sys.get_int_max_str_digits()} "
                         f"digits") from None
    except RecursionError:
        raise InputError("invalid JSON: nested too deeply") from None
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = exc.object[exc.start:exc.end].encode("unicode_escape").decode()
        raise InputError(f"invalid JSON: a \\u escape leaves an unpaired surrogate ({bad}), "
                         f"which is not Unicode text") from None
    return value


def parse_document(data: Mapping[str, Any]) -> Document:
    """Validate a data file's contents and build its document.

    The CLI, the registry and the web UI all call this; nothing else validates documents.

    :param data: The JSON object; its ``"kind"`` names the document kind.
    :return: The frozen document model.
    :raises InputError: naming the first invalid field (JSON path) and the reason.
    """
    if not isinstance(data, Mapping):
        raise InputError("JSONオブジェクトが必要です / the data must be a JSON object",
                         field="(root)")
    if data.get("kind") is None:
        raise InputError("必須項目です / required field is missing", field="kind")
    kind = parse_kind(data["kind"])
    body = {name: value for name, value in data.items() if name != "kind"}
    model = _MODELS[kind]
    if model is GuaranteeCertificate:
        document: Document = GuaranteeCertificate.from_mapping(body, kind=kind)
    else:
        document = model.from_mapping(body)  # type: ignore[assignment]
    return document


def json_schema(kind: DocumentKind | str) -> JsonSchema:
    """The JSON Schema (draft 2020-12) of a data file for ``kind``.

    Cross-field rules (registration-number check digit, change number vs kind) are enforced
    by :func:`parse_document` only; the schema states each field's shape and limits.
    """
    kind = parse_kind(kind)
    body = fields_schema(model_for(kind).FIELDS)
    body["properties"] = {"kind": {"const": kind.value}, **body["properties"]}
    body["required"] = ["kind", *body["required"]]
    return {
        "$schema": _SCHEMA_DIALECT,
        "$id": f"https://pdfsign.invalid/schema/{kind.value}.json",
        "title": f"{kind.title_ja} ({kind.value})",
        **body,
    }


def content_digest(value: object) -> str:
    """SHA-256 (hex) of ``value``'s canonical JSON: the same content always gives the same digest.

    Keys are sorted and dates written in ISO form, so neither key order nor a change of
    ``repr`` moves a file ID or an idempotency key derived from it.  ``value`` is document
    data (a mapping) or a document (a dataclass, taken field by field).
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    canonical = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                           default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
