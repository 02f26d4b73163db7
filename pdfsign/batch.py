"""Batch issuing: many data rows, worker processes with a warm issuer each, one result per row.

A row that fails (bad data, refused by the registry, signing error) is reported
and skipped; it never stops the others, and the registry's per-row transactions
mean it cannot corrupt them.  Each row has an idempotency key — its
``idempotency_key`` column, else the SHA-256 of its canonical data — recorded
with the version it produced, so running the same batch again issues nothing twice.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import multiprocessing
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pdfsign import issuing
from pdfsign.config import Settings
from pdfsign.documents import content_digest, model_for
from pdfsign.documents.fields import Field, ListOf, Nested, value_from_text
from pdfsign.documents.parsing import decode_json
from pdfsign.errors import InputError, describe

__all__ = ["RESULT_COLUMNS", "BatchRow", "BatchSummary", "RowResult", "issue_row", "parse_rows",
           "read_rows", "results_csv", "results_jsonl", "run_batch"]

_log = logging.getLogger(__name__)
#: The results file's columns (CSV header; the JSONL lines carry the same names, blanks left out).
RESULT_COLUMNS = ("line", "status", "file_id", "version", "sha256", "reason", "error", "key")
#: What a spreadsheet would run as a formula (OWASP "CSV injection"): such a cell gets a ``'``.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: The warm issuer of this worker process (built by :func:`_start_worker`).
_worker: tuple[issuing.Issuer, Callable[[], datetime]] | None = None


@dataclass(frozen=True)
class BatchRow:
    """One input row: its data, or why it could not even be read."""

    line: int
    data: dict[str, Any] | None
    key: str
    error: str | None = None


@dataclass(frozen=True)
class RowResult:
    """What happened to a row: ``issued``, ``skipped`` (issued by an earlier run) or ``failed``."""

    line: int
    status: str
    key: str
    file_id: str | None = None
    version: int | None = None
    sha256: str | None = None
    error: str | None = None
    #: The failure's stable token (e.g. ``unknown-bank``; see :func:`pdfsign.errors.describe`).
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The results-file line for this row."""
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class BatchSummary:
    """All rows' results, in input order, and how long the run took."""

    results: tuple[RowResult, ...]
    seconds: float

    def count(self, status: str) -> int:
        """How many rows ended with ``status``."""
        return sum(1 for r in self.results if r.status == status)

    @property
    def per_second(self) -> float:
        """Documents issued per second of wall time."""
        return self.count("issued") / self.seconds if self.seconds > 0 else 0.0


def read_rows(path: Path) -> list[BatchRow]:
    """Read a ``.jsonl`` (one JSON object a line) or ``.csv`` batch file.

    CSV headers may be dotted (``bank.code``) for nested fields; a cell holding JSON
    (starting with ``[`` or ``{``) is decoded, for lists such as invoice lines; every other
    cell is read as the row kind's field declares, as a form input is
    (:func:`pdfsign.documents.fields.value_from_text`: ``24,000,000`` is an amount).

    :raises InputError: the file cannot be read or has an unknown extension.
    """
    suffix = path.suffix.lower()
    if suffix not in (".jsonl", ".csv"):
        raise InputError("batch files are .jsonl or .csv", field=str(path))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", field=str(path)) from exc
    return parse_rows(data, fmt=suffix[1:], field=str(path))


def parse_rows(data: bytes, *, fmt: str, field: str) -> list[BatchRow]:
    """The rows of a batch file's bytes (``fmt``: ``jsonl`` or ``csv``), as :func:`read_rows`.

    For a file kept in the database (a batch on the work queue, :mod:`pdfsign.batch_queue`).

    :param field: what an error names (the file).
    :raises InputError: not UTF-8 text.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = exc.object[:exc.start].count(b"\n") + 1
        raise InputError(f"line {line}: not UTF-8 text ({exc.reason} at byte {exc.start})",
                         field=field) from None
    raw = _jsonl(text) if fmt == "jsonl" else _csv(text)
    return [_row(line, value) for line, value in raw]


def results_jsonl(results: Iterable[RowResult]) -> bytes:
    """The results file as JSON lines, one a row (what ``pdfsign issue --batch`` writes)."""
    return "".join(json.dumps(r.to_json(), ensure_ascii=False) + "\n" for r in results).encode()


def results_csv(results: Iterable[RowResult]) -> bytes:
    """The results file as CSV for a spreadsheet: UTF-8 with a BOM, :data:`RESULT_COLUMNS`.

    A text cell that a spreadsheet would run as a formula (a row's own ``idempotency_key``
    can be anything) starts with ``'``; the JSONL file keeps every value as it is.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(RESULT_COLUMNS)
    for result in results:
        writer.writerow([_csv_cell(getattr(result, column)) for column in RESULT_COLUMNS])
    return ("\ufeff" + out.getvalue()).encode()


def _csv_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value


def run_batch(settings: Settings, rows: list[BatchRow], *, workers: int,
              clock: Callable[[], datetime],
              on_result: Callable[[RowResult], None] = lambda _: None) -> BatchSummary:
    """Issue every row with ``workers`` processes; report each result as it arrives.

    :param clock: the time source each issue is stamped with (module-level, picklable).
    :param on_result: progress callback, called in this process.
    """
    from pdfsign.registry import Registry

    Registry.open(settings).db.dispose()  # migrate once, before the workers start
    started = time.perf_counter()
    results = [_report(row, on_result) for row in rows if row.data is None]
    todo = [row for row in rows if row.data is not None]
    context = multiprocessing.get_context("fork")
    with context.Pool(max(1, workers), initializer=_start_worker,
                      initargs=(settings, clock)) as pool:
        for result in pool.imap_unordered(_issue_row, todo, chunksize=4):
            results.append(result)
            on_result(result)
    results.sort(key=lambda r: r.line)
    return BatchSummary(tuple(results), time.perf_counter() - started)


def _report(row: BatchRow, on_result: Callable[[RowResult], None]) -> RowResult:
    result = RowResult(row.line, "failed", row.key, error=row.error, reason=InputError.reason)
    on_result(result)
    return result


def _start_worker(settings: Settings, clock: Callable[[], datetime]) -> None:
    """Build this worker's issuer once: registry connection, signer, TSA client, fonts."""
    global _worker
    _worker = (issuing.Issuer.open(settings, migrate=False), clock)


def _issue_row(row: BatchRow) -> RowResult:
    """Issue one row in a worker; every failure becomes a ``failed`` result, never a crash."""
    assert _worker is not None
    issuer, clock = _worker
    return issue_row(issuer, row, at=clock())


def issue_row(issuer: issuing.Issuer, row: BatchRow, *, at: datetime) -> RowResult:
    """Issue one readable row under its idempotency key, or find it issued already.

    The row's boundary: every failure becomes a ``failed`` result, never a crash.  Shared by
    the local worker pool and the work queue's workers (:mod:`pdfsign.batch_queue`).
    """
    assert row.data is not None
    try:
        if (done := issuer.registry.find_key(row.key)) is not None:
            return RowResult(row.line, "skipped", row.key, done.file_id, done.number, done.sha256)
        version = issuing.issue(issuer, row.data, at=at, idempotency_key=row.key)
    except Exception as exc:  # a row's boundary: report it, go on with the others
        problem = describe(exc)
        if problem is None:
            _log.exception("batch line %d: unexpected error", row.line)
            return RowResult(row.line, "failed", row.key, reason="unexpected",
                             error=f"unexpected {type(exc).__name__}: {exc}")
        return RowResult(row.line, "failed", row.key, error=problem.message,
                         reason=problem.reason)
    return RowResult(row.line, "issued", row.key, version.file_id, version.number, version.sha256)


def _row(line: int, value: object) -> BatchRow:
    """Turn a decoded line into a row with its idempotency key."""
    if isinstance(value, InputError):
        return BatchRow(line, None, f"line-{line}", str(value))
    if not isinstance(value, dict):
        return BatchRow(line, None, f"line-{line}", "a row must be a JSON object")
    explicit = value.pop("idempotency_key", None)
    key = str(explicit) if explicit else content_digest(value)
    return BatchRow(line, value, key)


def _jsonl(text: str) -> Iterator[tuple[int, object]]:
    """(line number, decoded object or the InputError) for every non-blank line."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield number, decode_json(line)
        except InputError as exc:
            yield number, InputError(f"not JSON: {exc.message}")


def _csv(text: str) -> Iterable[tuple[int, object]]:
    """(line number, nested mapping or the InputError) for every CSV data row.

    A line the csv module refuses (a NUL byte, a field over its size limit) fails alone,
    like a bad JSONL line; reading goes on with the next one.
    """
    reader = csv.DictReader(text.splitlines(keepends=True))  # a quoted cell keeps its \n
    while True:
        before = reader.line_num
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield reader.line_num, InputError(f"not CSV: {exc}")
            if reader.line_num == before:  # nothing consumed: stop rather than loop
                return
            continue
        nested = _nested(record)
        yield reader.line_num, nested if isinstance(nested, InputError) else _typed_row(nested)


def _nested(record: dict[str | None, str | None]) -> dict[str, Any] | InputError:
    """A CSV record with dotted headers (``bank.code``) as nested mappings."""
    nested: dict[str, Any] = {}
    for header, cell in record.items():
        if header is None or cell is None or cell == "":
            continue
        target = nested
        *parents, leaf = header.strip().split(".")
        if "" in (*parents, leaf):
            return InputError(f"column {header!r}: an empty name before or after a dot")
        for part in parents:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                return InputError(f"column {header!r}: {part!r} is also a column of its own, "
                                  f"so it cannot hold nested fields")
        if isinstance(target.get(leaf), dict):
            return InputError(f"column {header!r}: other columns nest fields under it")
        target[leaf] = _cell(cell)
    return nested


def _typed_row(row: dict[str, Any]) -> dict[str, Any]:
    """A CSV row's text as its kind's fields read it; an unknown kind is left to parsing."""
    try:
        fields = model_for(str(row.get("kind", ""))).FIELDS
    except InputError:
        return row
    return _typed(row, fields)


def _typed(values: dict[str, Any], fields: Mapping[str, Field]) -> dict[str, Any]:
    """Each text value through its field's spec, into nested records; the rest unchanged."""
    typed: dict[str, Any] = {}
    for name, value in values.items():
        declared = fields.get(name)
        spec = declared.spec if declared is not None else None
        if isinstance(spec, Nested) and isinstance(value, dict):
            typed[name] = _typed(value, spec.record.FIELDS)
        elif spec is not None and isinstance(value, str) and not isinstance(spec, ListOf):
            typed[name] = value_from_text(spec, value)
        else:  # an unknown field (parsing names it) or a decoded JSON cell
            typed[name] = value
    return typed


def _cell(cell: str) -> object:
    """A CSV cell: JSON lists/objects decoded, everything else kept as text."""
    if cell[:1] in "[{":
        try:
            return decode_json(cell)
        except InputError:
            return cell
    return cell
