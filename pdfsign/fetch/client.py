"""The server's bulk download API, as the tool uses it: sign in, list, download — with the
retries and the checks of what comes back.

- ``POST /api/v1/bulk/session`` turns the head office's ID and password into a read token
  for this run (or the settings give a personal ``token``);
- ``GET /api/v1/bulk/files`` lists the files the user may see, uploaded since an instant,
  oldest first, a page at a time;
- ``GET /api/v1/files/<file ID>.pdf`` is a file's current version, with its version number
  and its SHA-256 (``Repr-Digest``, RFC 9530), checked before the file is kept.

Connection errors, timeouts and 5xx answers are tried again ``retry_count`` times,
``retry_wait`` seconds apart, each retried error reported through ``warn``; a 4xx answer
is final (trying a wrong password again would only lock the account).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from .errors import FetchError, ReceiveError, ServerStatusError
from .transport import Answer, Transport

__all__ = ["Client", "Feed", "Listed"]

#: A file ID as the registry makes them; anything else could name a path outside the folder.
_FILE_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{0,99}")
_PAGE = 500
_TITLE = re.compile(r"<title>([^<]*)</title>", re.IGNORECASE)


@dataclass(frozen=True)
class Listed:
    """One file of the feed: its ID, current version, upload time and metadata."""

    file_id: str
    version: int
    uploaded_at: dt.datetime
    #: The server's File object (the CSV's columns come from it).
    data: dict[str, Any]

    @classmethod
    def from_json(cls, value: object, where: str) -> Listed:
        """Check one File object of the feed.

        :raises ReceiveError: not a File with a usable ID, version and upload time.
        """
        if isinstance(value, dict):
            file_id, version = value.get("file_id"), value.get("current_version")
            uploaded = _instant(value.get("uploaded_at"))
            if isinstance(file_id, str) and _FILE_ID.fullmatch(file_id) \
                    and isinstance(version, int) and version >= 1 and uploaded is not None:
                return cls(file_id, version, uploaded, dict(value))
        raise ReceiveError(f"{where}: a file entry without a usable file_id, current_version "
                           f"and uploaded_at")


@dataclass(frozen=True)
class Feed:
    """The whole list, and the server's time when it began."""

    files: list[Listed]
    as_of: dt.datetime


class Client:
    """The API calls of one run."""

    def __init__(self, transport: Transport, *, retry_count: int, retry_wait: float,
                 warn: Callable[[str], None],
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._transport, self._warn, self._sleep = transport, warn, sleep
        self._retry_count, self._retry_wait = retry_count, retry_wait
        self._token: str | None = None

    def use_token(self, token: str) -> None:
        """Authenticate with a personal API token."""
        self._token = token

    def sign_in(self, user_id: str, password: str) -> None:
        """Exchange the head office's ID and password for this run's token.

        :raises ServerStatusError: refused (wrong password, initial password, locked, a
            branch user, staff), with the server's reason and message.
        """
        body = json.dumps({"user_id": user_id, "password": password}).encode()
        answer = self._call("POST", "/api/v1/bulk/session", expect=201, body=body,
                            headers={"Content-Type": "application/json"})
        token = _json(answer, self._where("/api/v1/bulk/session")).get("token")
        if not isinstance(token, str) or not token:
            raise ReceiveError(f"{self._where('/api/v1/bulk/session')}: no token in the answer")
        self._token = token

    def feed(self, since: dt.datetime | None) -> Feed:
        """Every file the user may see uploaded at or after ``since`` (all if ``None``).

        :raises ReceiveError: a page that is not the API's Feed.
        """
        files: list[Listed] = []
        as_of: dt.datetime | None = None
        after: str | None = None
        while True:
            query = {"limit": str(_PAGE)} | ({"since": since.isoformat()} if since else {}) \
                | ({"after": after} if after else {})
            path = "/api/v1/bulk/files?" + urlencode(query)
            page = _json(self._call("GET", path, expect=200), self._where(path))
            entries, next_cursor = page.get("files"), page.get("next")
            stamp = _instant(page.get("as_of"))
            if not isinstance(entries, list) or stamp is None \
                    or not isinstance(next_cursor, str | None):
                raise ReceiveError(f"{self._where(path)}: not a list of files")
            files += [Listed.from_json(entry, self._where(path)) for entry in entries]
            as_of = as_of or stamp  # the first page's: nothing uploaded later is missed
            if next_cursor is None:
                return Feed(files, as_of)
            if next_cursor == after:
                raise ReceiveError(f"{self._where(path)}: the same page again (next = after)")
            after = next_cursor

    def download(self, file_id: str) -> tuple[int, bytes]:
        """A file's current version: its number and its bytes, the digest checked.

        :raises ReceiveError: no version or digest header, or bytes that do not match it.
        """
        path = f"/api/v1/files/{quote(file_id)}.pdf"
        answer = self._call("GET", path, expect=200)
        version = answer.headers.get("X-Pdfsign-Version", "")
        expected = _sha256_of(answer.headers.get("Repr-Digest", ""))
        if not version.isdigit() or expected is None:
            raise ReceiveError(f"{self._where(path)}: no X-Pdfsign-Version or Repr-Digest "
                               f"sha-256 header")
        if hashlib.sha256(answer.body).digest() != expected:
            raise ReceiveError(f"{self._where(path)}: the file does not match its SHA-256 "
                               f"(Repr-Digest); not kept")
        return int(version), answer.body

    def _where(self, path: str) -> str:
        return self._transport.where(path)

    def _call(self, method: str, path: str, *, expect: int, body: bytes | None = None,
              headers: dict[str, str] | None = None) -> Answer:
        """One request, tried again on what may pass (network, timeouts, 5xx)."""
        sent = {"Accept": "application/json, application/pdf", **(headers or {})}
        if self._token:
            sent["Authorization"] = f"Bearer {self._token}"
        tried = 0
        while True:
            tried += 1
            try:
                answer = self._transport.request(method, path, headers=sent, body=body)
                if answer.status != expect:
                    raise _status_error(method, path, answer)
                return answer
            except FetchError as exc:
                if not exc.retryable or tried > self._retry_count:
                    raise
                self._warn(f"{exc.message} (retry {tried} of {self._retry_count} in "
                           f"{self._retry_wait:g} s)")
                self._sleep(self._retry_wait)


def _status_error(method: str, path: str, answer: Answer) -> ServerStatusError:
    """The server's refusal: its status, reason token and message (retryable if 5xx)."""
    reason, message = answer.reason, ""
    try:
        error = json.loads(answer.body)["error"]
        reason, message = str(error["reason"]), str(error["message"])
    except (ValueError, KeyError, TypeError):  # not the API's JSON: a proxy's page, say
        text = answer.body[:2000].decode("utf-8", "replace")
        title = _TITLE.search(text)
        message = title.group(1).strip() if title else " ".join(text.split())[:200]
    text = f"{answer.status} {reason}" + (f": {message}" if message else "")
    return ServerStatusError(f"{text} ({method} {path.partition('?')[0]})",
                             retryable=answer.status >= 500)


def _json(answer: Answer, where: str) -> dict[str, Any]:
    try:
        value = json.loads(answer.body)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise ReceiveError(f"{where}: the answer is not a JSON object")
    return value


def _instant(value: object) -> dt.datetime | None:
    """An ISO 8601 time with its zone, or ``None``."""
    if not isinstance(value, str):
        return None
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def _sha256_of(header: str) -> bytes | None:
    """The ``sha-256`` member of a ``Repr-Digest`` header (``sha-256=:BASE64:``)."""
    for member in header.split(","):
        name, _, value = member.strip().partition("=")
        if name.strip().lower() == "sha-256" and len(value) > 2 \
                and value.startswith(":") and value.endswith(":"):
            try:
                return base64.b64decode(value[1:-1], validate=True)
            except binascii.Error:
                return None
    return None
