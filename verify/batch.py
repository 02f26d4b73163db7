"""Verify many paths: files and folders (recursively, ``*.pdf``), results in input order."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path

from verify.document import verify_pdf
from verify.errors import UnreadablePathError
from verify.report import DocumentReport, Level, VerificationRun
from verify.trust import TrustSettings

__all__ = ["expand_paths", "verify_paths"]


def expand_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """Each file as given; each folder's ``*.pdf`` files, recursively, in sorted order.

    :raises UnreadablePathError: for a path that does not exist.
    """
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file()
                              and p.suffix.lower() == ".pdf")
        elif path.exists():
            yield path
        else:
            raise UnreadablePathError("no such file or folder", field=str(path))


def _read(path: Path, *, at: datetime, settings: TrustSettings,
          require: Level | None) -> DocumentReport:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadablePathError(f"cannot read: {exc.strerror}", field=str(path)) from None
    return verify_pdf(data, path=str(path), settings=settings, at=at, require=require)


def verify_paths(paths: Iterable[Path], *, settings: TrustSettings, at: datetime,
                 require: Level | None = None) -> VerificationRun:
    """Verify every PDF named by ``paths``; a broken file is a report, never an exception.

    :param at: the validation time, tz-aware.
    :raises UnreadablePathError: when a given path is missing or cannot be read.
    """
    files = list(expand_paths(paths))
    reports = tuple(_read(p, at=at, settings=settings, require=require) for p in files)
    return VerificationRun(documents=reports, validated_at=at)


