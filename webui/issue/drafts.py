"""What a user typed, kept between the form, the preview and the signing.

A draft is the form's data (the same JSON a data file holds), the kind, and — for a
re-issue — the file and the version the form was opened on.  It is kept in the registry
database as JSON under a random token (:mod:`pdfsign.registry.kept`), so whichever web node
serves the next request finds it; readable only by its author, deleted once issued or
after a day.  It holds no registry state: the preview reads the file ID and issue count
from the registry each time.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from pdfsign.errors import NotFoundError
from pdfsign.registry import Registry, kept

__all__ = ["KEEP_FOR", "Draft", "DraftStore"]

KEEP_FOR = dt.timedelta(days=1)


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
    """The drafts, in the registry database."""

    KIND = "web-draft"

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def keep(self, draft: Draft, *, token: str | None = None) -> str:
        """Write ``draft`` (under ``token`` if given, replacing it); return its token."""
        token = token or kept.new_token()
        kept.keep(self.registry, kind=self.KIND, token=token, owner=draft.owner,
                  data=json.dumps(asdict(draft), ensure_ascii=False).encode(),
                  at=dt.datetime.fromisoformat(draft.created_at), keep_for=KEEP_FOR)
        return token

    def load(self, token: str, *, owner: str, at: dt.datetime) -> Draft:
        """The draft ``token`` names, if ``owner`` wrote it less than a day ago.

        :raises NotFoundError: unknown, expired or someone else's (worded alike).
        """
        return Draft(**json.loads(kept.kept(
            self.registry, kind=self.KIND, token=token, owner=owner, at=at, keep_for=KEEP_FOR,
            missing=NotFoundError("この下書きは見つからないか、期限（1日）を過ぎました / no such "
                                  "draft, or it is older than a day: fill in the form again",
                                  field="draft"))))

    def forget(self, token: str) -> None:
        """Delete a draft (after it was issued)."""
        kept.forget(self.registry, kind=self.KIND, token=token)
