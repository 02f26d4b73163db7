"""What the registry hands out: frozen snapshots of files and versions, never live ORM rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from pdfsign.documents import DocumentKind
from pdfsign.registry.models import File, Renewal, Version

__all__ = [
    "GUARANTEE_FAMILY",
    "SEARCH_KIND_NUMBERS",
    "FileInfo",
    "NewFile",
    "RenewalInfo",
    "VersionInfo",
]

#: Kinds that carry an electronic issue count and may be invalidated.
GUARANTEE_FAMILY = (DocumentKind.GUARANTEE.value, DocumentKind.GUARANTEE_CHANGE.value)
#: DOMAIN.md's search "file kind" numbers (1 guarantee, 2 condition change, 3 invalidation, 4 test).
SEARCH_KIND_NUMBERS = {k.value: k.file_kind_code for k in DocumentKind if k.file_kind_code}


@dataclass(frozen=True)
class NewFile:
    """The registry metadata of a file about to be issued (taken from its document)."""

    file_id: str
    kind: str
    association_code: str
    bank_code: str
    branch_code: str
    customer_number: str | None = None
    guarantee_number: str | None = None
    change_number: str | None = None
    customer_name: str | None = None
    guarantee_date: dt.date | None = None


@dataclass(frozen=True)
class FileInfo:
    """A file ID's current state, access and version pointer."""

    file_id: str
    kind: str
    state: str
    association_code: str
    bank_code: str
    branch_code: str
    customer_number: str | None
    guarantee_number: str | None
    change_number: str | None
    customer_name: str | None
    guarantee_date: dt.date | None
    issue_count: int
    current_version: int
    uploaded_at: dt.datetime
    delete_due: dt.datetime | None
    access_until: dt.datetime | None

    @property
    def shown_kind(self) -> str:
        """What recipients currently see: the file's kind, or ``invalidation`` once invalidated."""
        return "invalidation" if self.state == "invalidated" else self.kind

    @property
    def search_kind(self) -> int | None:
        """DOMAIN.md's file-kind number of the current version (``None`` for invoices etc.)."""
        return SEARCH_KIND_NUMBERS.get(self.shown_kind)

    @classmethod
    def of(cls, row: File) -> FileInfo:
        """Snapshot an ORM row."""
        return cls(**{name: getattr(row, name) for name in cls.__dataclass_fields__})

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping (dates as ISO 8601)."""
        out = {name: _jsonable(getattr(self, name)) for name in self.__dataclass_fields__}
        out["shown_kind"] = self.shown_kind
        out["search_kind"] = self.search_kind
        return out


@dataclass(frozen=True)
class VersionInfo:
    """One stored version of a file."""

    file_id: str
    number: int
    #: ``document`` or ``invalidation``.
    content: str
    sha256: str
    size: int
    issue_count: int
    created_at: dt.datetime
    actor: str
    reason: str
    meta: dict[str, Any] = field(default_factory=dict)
    purged_at: dt.datetime | None = None

    @classmethod
    def of(cls, row: Version) -> VersionInfo:
        """Snapshot an ORM row."""
        values = {name: getattr(row, name) for name in cls.__dataclass_fields__}
        values["meta"] = dict(row.meta or {})
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping (dates as ISO 8601; the stored source data left out)."""
        out = {name: _jsonable(getattr(self, name)) for name in self.__dataclass_fields__}
        out["meta"] = {k: v for k, v in self.meta.items() if k != "data"}
        return out


@dataclass(frozen=True)
class RenewalInfo:
    """One renewal of a version: same version and issue count, new bytes."""

    file_id: str
    version: int
    at: dt.datetime
    actor: str
    reason: str
    old_sha256: str
    old_size: int
    new_sha256: str
    new_size: int

    @classmethod
    def of(cls, row: Renewal) -> RenewalInfo:
        """Snapshot an ORM row."""
        return cls(**{name: getattr(row, name) for name in cls.__dataclass_fields__})

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping (dates as ISO 8601)."""
        return {name: _jsonable(getattr(self, name)) for name in self.__dataclass_fields__}


def _jsonable(value: object) -> object:
    """Dates and datetimes as ISO 8601 strings, everything else unchanged."""
    return value.isoformat() if isinstance(value, dt.date) else value
