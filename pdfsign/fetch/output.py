"""What the tool leaves in the output folder: each PDF as ``<file ID>.pdf`` and a CSV list
of the run's files, every file written atomically.

A re-issued file keeps its file ID, so its new version replaces the old one under the same
name: the folder holds what is in force, as the web's download does (a bank that wants
the history asks the web or ``pdfsign history``).  The CSV keeps every row a run fetched,
so a replaced version is still listed in the earlier run's CSV.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .errors import FileAccessError

__all__ = ["CSV_COLUMNS", "TEMPORARY_PREFIX", "list_csv", "remove_leftovers", "write_atomically",
           "write_list"]

#: The CSV's columns: those of the server's ``files.csv`` (``pdfsign.registry.CSV_COLUMNS``;
#: a test keeps the two equal — the tool cannot import the server's package).
CSV_COLUMNS = ("file_id", "search_kind", "shown_kind", "state", "bank_code", "branch_code",
               "customer_number", "guarantee_number", "change_number", "customer_name",
               "guarantee_date", "issue_count", "current_version", "uploaded_at")
#: Temporary files start so; a crash may leave one, which the next run removes.
TEMPORARY_PREFIX = ".pdfsign-fetch-"


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all: a temporary file in the same folder, fsync,
    rename over the target (a reader never sees half a PDF, a crash leaves no torn one).

    :raises FileAccessError: naming ``path``.
    """
    try:
        handle, temporary = tempfile.mkstemp(prefix=TEMPORARY_PREFIX, suffix=".tmp",
                                             dir=path.parent)
    except OSError as exc:
        raise FileAccessError(f"{path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise FileAccessError(f"{path}: {exc.strerror or exc}") from None
    _sync_folder(path.parent)


def remove_leftovers(folder: Path) -> None:
    """Delete temporary files an interrupted run left in ``folder`` (best effort: a folder
    that cannot be written is reported by the first real write)."""
    for leftover in folder.glob(f"{TEMPORARY_PREFIX}*.tmp"):
        with contextlib.suppress(OSError):
            leftover.unlink()


def list_csv(rows: Iterable[Mapping[str, Any]]) -> str:
    """The files' metadata as CSV: a header, then one row per file (as ``files.csv``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(["" if row.get(column) is None else row[column]
                         for column in CSV_COLUMNS])
    return out.getvalue()


def write_list(folder: Path, rows: list[dict[str, Any]], *, at: dt.datetime) -> Path:
    """Write the run's list as ``files_YYYYMMDD_HHMMSS.csv`` (local time), UTF-8 with a BOM
    so that a spreadsheet reads the Japanese names."""
    path, n = folder / f"files_{at:%Y%m%d_%H%M%S}.csv", 1
    while path.exists():  # two runs with news within one second
        n += 1
        path = folder / f"files_{at:%Y%m%d_%H%M%S}_{n}.csv"
    write_atomically(path, ("\ufeff" + list_csv(rows)).encode("utf-8"))
    return path


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable where the system allows (not on Windows)."""
    if os.name != "posix":
        return
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
