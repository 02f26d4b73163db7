"""Search per DOMAIN.md: the filters, the default order, 100 a page, at most 2,000 results.

Staff search everything that is not purged; a bank user (``viewer``) searches
only what :mod:`pdfsign.registry.access` lets it see.  Dates in filters are
Japanese calendar days, inclusive at both ends.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, func, or_, select

from pdfsign.documents.ids import (
    BANK_WIDTH,
    BRANCH_WIDTH,
    CHANGE_WIDTH,
    CUSTOMER_WIDTH,
    GUARANTEE_WIDTH,
    UserId,
    parse_code,
)
from pdfsign.errors import InputError
from pdfsign.registry.access import visible_clause
from pdfsign.registry.lifecycle import jst_midnight
from pdfsign.registry.models import File
from pdfsign.registry.records import FileInfo
from pdfsign.registry.store import Registry

__all__ = [
    "CAP_MESSAGE",
    "CSV_COLUMNS",
    "ZIP_LIST_NAME",
    "PAGE_SIZE",
    "RESULT_CAP",
    "SORTABLE",
    "SearchQuery",
    "SearchResult",
    "export_zip",
    "files_csv",
    "matching",
    "search",
    "uploads",
]

PAGE_SIZE = 100
RESULT_CAP = 2000
CAP_MESSAGE = "検索結果が2,000件を超えています。検索を絞り込んでください"
#: Columns a result list may be re-sorted by (prefix ``-`` for descending).
SORTABLE = {
    "uploaded_at": File.uploaded_at, "guarantee_date": File.guarantee_date,
    "file_id": File.file_id, "customer_number": File.customer_number,
    "guarantee_number": File.guarantee_number, "change_number": File.change_number,
    "customer_name": File.customer_name, "bank_code": File.bank_code,
    "branch_code": File.branch_code, "kind": File.kind, "issue_count": File.issue_count,
}
_DEFAULT_ORDER = ("-uploaded_at", "-guarantee_date", "file_id")
#: The exact-match code filters and their widths: typed shorter, they are zero-padded like
#: the stored codes (DOMAIN.md), so ``--customer 123`` finds ``000000123``.
_CODE_FILTERS = {"customer_number": CUSTOMER_WIDTH, "guarantee_number": GUARANTEE_WIDTH,
                 "change_number": CHANGE_WIDTH, "bank_code": BANK_WIDTH,
                 "branch_code": BRANCH_WIDTH}


@dataclass(frozen=True)
class SearchQuery:
    """The search form: every filter optional; exact unless noted."""

    uploaded_from: dt.date | None = None
    uploaded_to: dt.date | None = None
    #: An instant (inclusive): the API's ``since``, finer than the form's calendar days.
    uploaded_since: dt.datetime | None = None
    guarantee_from: dt.date | None = None
    guarantee_to: dt.date | None = None
    customer_number: str | None = None
    guarantee_number: str | None = None
    change_number: str | None = None
    #: Partial match.
    customer_name: str | None = None
    #: File kinds 1 guarantee, 2 condition change, 3 invalidation, 4 test slip (any of them).
    kinds: tuple[int, ...] = ()
    bank_code: str | None = None
    branch_code: str | None = None
    #: Prefix match.
    file_id_prefix: str | None = None
    #: Sort keys (``-`` prefix: descending); the default order breaks ties.
    sort: tuple[str, ...] = ()
    page: int = 1

    def __post_init__(self) -> None:
        for name, width in _CODE_FILTERS.items():
            if (value := getattr(self, name)) is not None:
                object.__setattr__(self, name, parse_code(value, width=width, field=name))
        bad = [k for k in self.sort if k.lstrip("-") not in SORTABLE]
        if bad:
            raise InputError(f"cannot sort by {', '.join(bad)}; use one of "
                             f"{', '.join(SORTABLE)}", field="sort")
        if any(k not in (1, 2, 3, 4) for k in self.kinds):
            raise InputError("file kind must be 1, 2, 3 or 4", field="kind")
        if self.page < 1:
            raise InputError("page numbers start at 1", field="page")


@dataclass(frozen=True)
class SearchResult:
    """One page of matches, with the (capped) total."""

    rows: tuple[FileInfo, ...]
    #: Matches counted up to the cap (``RESULT_CAP`` + 1 means "more than the cap").
    total: int
    page: int

    @property
    def capped(self) -> bool:
        """Whether there were more matches than :data:`RESULT_CAP`."""
        return self.total > RESULT_CAP

    @property
    def shown(self) -> int:
        """How many matches can be paged through: the total, at most :data:`RESULT_CAP`."""
        return min(self.total, RESULT_CAP)

    @property
    def pages(self) -> int:
        """How many pages the (capped) results fill."""
        return max(1, -(-self.shown // PAGE_SIZE))

    @property
    def message(self) -> str | None:
        """The message DOMAIN.md prescribes when the cap is exceeded."""
        return CAP_MESSAGE if self.capped else None


def search(registry: Registry, query: SearchQuery, *, viewer: UserId | None,
           at: dt.datetime) -> SearchResult:
    """Run ``query`` as ``viewer`` (``None``: staff) and return the requested page.

    :param at: the clock access is judged by (subrogation dates).
    """
    base = _filtered(query, viewer, at)
    with registry.reading() as session:
        total = session.execute(select(func.count()).select_from(
            base.with_only_columns(File.file_id).limit(RESULT_CAP + 1).subquery())).scalar_one()
        offset = (query.page - 1) * PAGE_SIZE
        limit = max(0, min(PAGE_SIZE, RESULT_CAP - offset))
        rows = session.execute(_ordered(base, query.sort).offset(offset).limit(limit)).scalars()
        return SearchResult(tuple(FileInfo.of(r) for r in rows), total, query.page)


def uploads(registry: Registry, *, viewer: UserId, at: dt.datetime, since: dt.datetime | None,
            after: tuple[dt.datetime, str] | None, limit: int) -> list[FileInfo]:
    """The feed of a bank's nightly pull: ``viewer``'s files by upload time, oldest first.

    Keyset paging, not page numbers: each call continues ``after`` the (upload time, file
    ID) of the last file the previous call returned, so a feed of any length is read whole,
    without the search's cap, and a file uploaded meanwhile is not skipped or repeated.

    :param since: upload time lower bound, inclusive (the previous run's start).
    """
    conditions = [File.state != "purged", visible_clause(viewer, at=at)]
    if since is not None:
        conditions.append(File.uploaded_at >= since)
    if after is not None:
        conditions.append(or_(File.uploaded_at > after[0],
                              and_(File.uploaded_at == after[0], File.file_id > after[1])))
    stmt = (select(File).where(and_(*conditions))
            .order_by(File.uploaded_at.asc(), File.file_id.asc()).limit(limit))
    with registry.reading() as session:
        return [FileInfo.of(row) for row in session.execute(stmt).scalars()]


def matching(registry: Registry, query: SearchQuery, *, viewer: UserId | None,
             at: dt.datetime) -> list[FileInfo]:
    """Every match up to the cap, in the query's order (for "download all")."""
    with registry.reading() as session:
        rows = session.execute(_ordered(_filtered(query, viewer, at), query.sort)
                               .limit(RESULT_CAP)).scalars()
        return [FileInfo.of(r) for r in rows]


#: The columns of the file list (``search --csv`` and ``files.csv`` in a ZIP download).
CSV_COLUMNS = ("file_id", "search_kind", "shown_kind", "state", "bank_code", "branch_code",
               "customer_number", "guarantee_number", "change_number", "customer_name",
               "guarantee_date", "issue_count", "current_version", "uploaded_at")
#: The file list's name inside a ZIP download.
ZIP_LIST_NAME = "files.csv"


def files_csv(files: Iterable[FileInfo]) -> str:
    """The files' metadata as CSV, one row per file, a header first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for info in files:
        data = info.to_json()
        writer.writerow(["" if data.get(c) is None else data[c] for c in CSV_COLUMNS])
    return out.getvalue()


def export_zip(registry: Registry, files: list[FileInfo]) -> bytes:
    """The current PDFs of ``files`` in one ZIP, each ``<file ID>.pdf`` (hash-checked), with
    their list as ``files.csv`` (UTF-8 with a BOM, so a spreadsheet reads the Japanese)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for info in files:
            _, pdf = registry.pdf(info.file_id, info.current_version)
            archive.writestr(f"{info.file_id}.pdf", pdf)
        archive.writestr(ZIP_LIST_NAME, "\ufeff" + files_csv(files))
    return buffer.getvalue()


def _filtered(query: SearchQuery, viewer: UserId | None, at: dt.datetime) -> Select[File]:
    """The query's filters (and the viewer's access) as one SELECT."""
    conditions = [File.state != "purged", *_conditions(query)]
    if viewer is not None:
        conditions.append(visible_clause(viewer, at=at))
    return select(File).where(and_(*conditions))


def _conditions(q: SearchQuery) -> list[ColumnElement[bool]]:
    """One SQL condition per filled-in filter."""
    out: list[ColumnElement[bool]] = []
    if q.uploaded_from:
        out.append(File.uploaded_at >= jst_midnight(q.uploaded_from))
    if q.uploaded_to:
        out.append(File.uploaded_at < jst_midnight(q.uploaded_to + dt.timedelta(days=1)))
    if q.uploaded_since:
        out.append(File.uploaded_at >= q.uploaded_since)
    if q.guarantee_from:
        out.append(File.guarantee_date >= q.guarantee_from)
    if q.guarantee_to:
        out.append(File.guarantee_date <= q.guarantee_to)
    for column, value in ((File.customer_number, q.customer_number),
                          (File.guarantee_number, q.guarantee_number),
                          (File.change_number, q.change_number), (File.bank_code, q.bank_code),
                          (File.branch_code, q.branch_code)):
        if value:
            out.append(column == value)
    if q.customer_name:
        out.append(File.customer_name.contains(q.customer_name, autoescape=True))
    if q.file_id_prefix:
        out.append(File.file_id.startswith(q.file_id_prefix, autoescape=True))
    if q.kinds:
        out.append(_kinds(q.kinds))
    return out


def _kinds(kinds: tuple[int, ...]) -> ColumnElement[bool]:
    """File kinds: 3 is any invalidated certificate, the others a kind still in force."""
    names = {1: "guarantee", 2: "guarantee-change", 4: "test-slip"}
    parts = [File.state == "invalidated" if k == 3
             else and_(File.kind == names[k], File.state != "invalidated") for k in kinds]
    return or_(*parts)


def _ordered(stmt: Select[File], sort: tuple[str, ...]) -> Select[File]:
    """Apply the requested sort keys, then the default order as tie-breakers."""
    chosen = {key.lstrip("-") for key in sort}
    keys = [*sort, *(k for k in _DEFAULT_ORDER if k.lstrip("-") not in chosen)]
    order = []
    for key in keys:
        column = SORTABLE[key.lstrip("-")]
        order.append((column.desc() if key.startswith("-") else column.asc()).nulls_last())
    return stmt.order_by(*order)
