"""Request bodies the API accepts: one PDF, or one JSON object, within ``upload_max_mb``."""

from __future__ import annotations

from typing import Any

from flask import request
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

from pdfsign.documents.parsing import decode_json
from pdfsign.errors import InputError
from webui.uploads import file_limit

__all__ = ["json_body", "pdf_body"]

_PDF_HEADER_WITHIN = 1024  # ISO 32000-2 §7.5.2: readers accept the header this far in


def _read_at_most(size: int) -> bytes:
    """Up to ``size`` bytes of the body (a stream may answer a read with less than asked)."""
    chunks, left = [], size
    while left > 0 and (chunk := request.stream.read(min(left, 1024 * 1024))):
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _body(mimetype: str, how: str) -> bytes:
    """The body, if it has ``mimetype`` and is within the limit.

    :raises UnsupportedMediaType: another Content-Type (415).
    :raises RequestEntityTooLarge: over the limit (413), refused from ``Content-Length``
        before the body is read when the client sends one.
    """
    if request.mimetype != mimetype:
        raise UnsupportedMediaType(f"Content-Type: {mimetype} で送ってください / send {how} "
                                   f"as the body, with Content-Type: {mimetype}")
    limit = file_limit()
    too_large = RequestEntityTooLarge(f"{limit // (1024 * 1024)} MBを超えるデータは受け付けま"
                                      f"せん / larger than {limit // (1024 * 1024)} MB, the "
                                      "limit for one upload")
    if (request.content_length or 0) > limit:
        raise too_large
    data = _read_at_most(limit + 1)
    if len(data) > limit:
        raise too_large
    return data


def pdf_body() -> bytes:
    """The body as one PDF.

    :raises UnsupportedMediaType: not ``application/pdf``, or no ``%PDF-`` header (415).
    :raises RequestEntityTooLarge: over ``upload_max_mb`` (413).
    """
    data = _body("application/pdf", "the PDF")
    if b"%PDF-" not in data[:_PDF_HEADER_WITHIN]:
        raise UnsupportedMediaType(f"PDFではありません（先頭{_PDF_HEADER_WITHIN}バイトに%PDF-が"
                                   f"ありません） / not a PDF (no %PDF- header in the first "
                                   f"{_PDF_HEADER_WITHIN} bytes)")
    return data


def json_body() -> dict[str, Any]:
    """The body as one JSON object, read as a data file is (:func:`decode_json`).

    :raises InputError: not UTF-8, not JSON (line and column), or not an object (400).
    """
    raw = _body("application/json", "a JSON object")
    try:
        value = decode_json(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(f"UTF-8ではありません / not UTF-8 text ({exc.reason} at byte "
                         f"{exc.start})", field="body") from None
    except InputError as exc:
        raise InputError(f"JSONとして読めません / {exc.message}", field="body") from None
    if not isinstance(value, dict):
        raise InputError("JSONオブジェクトが必要です / the body must be a JSON object",
                         field="body")
    return value
