"""What a user typed, kept between the form, the preview and the signing.

A draft is the form's data (the same JSON a data file holds), the kind, and — for a
re-issue — the file and the version the form was opened on.  It is written under
``<home>/web-drafts/`` as JSON named by a random token, readable only by its author, and
deleted once issued or after a day.  It holds no registry state: the preview reads the
file ID and issue count from the registry each time.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pdfsign.atomic import write_atomically
from pdfsign.errors import NotFoundError

__all__ = ["KEEP_FOR", "Draft", "DraftStore"]

KEEP_FOR = dt.timedelta(days=1)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


@dataclass(frozen=True)
class Draft:
    """A document waiting to be signed."""

    owner: str
    kind: str
    data: dict[str, Any]
    created_at: str
    #: For a re-issue: the file and the current version the form was opened on.
    file_id: str | None = None
    expected_version: int | None = None
    #: The form's own values, to show it again exactly as typed.
    values: dict[str, str] = field(default_factory=dict)


class DraftStore:
    """The folder of drafts."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def keep(self, draft: Draft, *, token: str | None = None) -> str:
        """Write ``draft`` (under ``token`` if given, replacing it); return its token."""
        self.folder.mkdir(parents=True, exist_ok=True)
        token = token or secrets.token_urlsafe(32)
        write_atomically(self._path(token), json.dumps(asdict(draft), ensure_ascii=False)
                         .encode())
        return token

    def load(self, token: str, *, owner: str, at: dt.datetime) -> Draft:
        """The draft ``token`` names, if ``owner`` wrote it less than a day ago.

        :raises NotFoundError: unknown, expired or someone else's (worded alike).
        """
        if _TOKEN.fullmatch(token) and self._path(token).is_file():
            draft = Draft(**json.loads(self._path(token).read_text(encoding="utf-8")))
            if draft.owner == owner and at - dt.datetime.fromisoformat(draft.created_at) < KEEP_FOR:
                return draft
        raise NotFoundError("この下書きは見つからないか、期限（1日）を過ぎました / no such draft, "
                            "or it is older than a day: fill in the form again", field="draft")

    def forget(self, token: str) -> None:
        """Delete a draft (after it was issued)."""
        if _TOKEN.fullmatch(token):
            self._path(token).unlink(missing_ok=True)

    def _path(self, token: str) -> Path:
        return self.folder / f"{token}.json"
