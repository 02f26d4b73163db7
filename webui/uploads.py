"""Upload limits that refuse a body before it is read in full.

Two walls: ``MAX_CONTENT_LENGTH`` (Flask) refuses a request whose declared length is over
``MAX_FILES`` files' worth before reading a byte; and the request class below caps each
file part while it streams in, so one 25 MB file stops at 20 MB + 1 byte, not at the end.
"""

from __future__ import annotations

import tempfile
from typing import IO, Any

from flask import Flask, current_app
from flask.wrappers import Request
from werkzeug.exceptions import RequestEntityTooLarge

from pdfsign.config import Settings

__all__ = ["MAX_FILES", "LimitedRequest", "file_limit", "init_app"]

#: Files one verification upload may carry.
MAX_FILES = 10
_MB = 1024 * 1024
#: Room in a body for the form fields and multipart boundaries.
_FORM_SLACK = _MB


def init_app(app: Flask, settings: Settings) -> None:
    """Set the limits from ``upload_max_mb`` and install the capping request class."""
    app.config["PDFSIGN_FILE_LIMIT"] = settings.upload_max_mb * _MB
    app.config["MAX_CONTENT_LENGTH"] = MAX_FILES * settings.upload_max_mb * _MB + _FORM_SLACK
    app.config["MAX_FORM_PARTS"] = MAX_FILES + 20
    app.request_class = LimitedRequest


def file_limit() -> int:
    """The largest file, in bytes."""
    limit: int = current_app.config["PDFSIGN_FILE_LIMIT"]
    return limit


class _CappedFile:
    """A spooled temporary file that refuses to grow past the limit while it is written."""

    def __init__(self, limit: int, filename: str | None) -> None:
        self._file = tempfile.SpooledTemporaryFile(max_size=512 * 1024, mode="w+b")
        self._limit, self._filename, self._size = limit, filename or "?", 0

    def write(self, data: bytes) -> int:
        self._size += len(data)
        if self._size > self._limit:
            self._file.close()
            mb = self._limit // _MB
            raise RequestEntityTooLarge(
                f"{self._filename}: {mb} MBを超えるファイルは受け付けません / larger than "
                f"{mb} MB, the limit for one file")
        return self._file.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)


class LimitedRequest(Request):
    """Flask's request with each uploaded file capped at :func:`file_limit`."""

    def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                         filename: str | None = None,
                         content_length: int | None = None) -> IO[bytes]:
        capped: Any = _CappedFile(file_limit(), filename)
        return capped  # type: ignore[no-any-return]
