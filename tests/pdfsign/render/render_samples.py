"""Shared data for the render tests: where the samples are, the fixed creation time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from pdfsign.documents import Document

__all__ = ["CREATED_AT", "SAMPLES_DIR", "SAMPLE_NAMES", "Rendered"]

SAMPLES_DIR = Path(__file__).resolve().parents[3] / "fixtures" / "samples"
#: The fixed creation time every reference rendering uses.
CREATED_AT = dt.datetime(2026, 11, 22, 1, 0, 0, tzinfo=dt.UTC)
SAMPLE_NAMES = sorted(path.stem for path in SAMPLES_DIR.glob("*.json"))


@dataclass(frozen=True)
class Rendered:
    """One sample: its data, its document, its PDF bytes and where they were written."""

    name: str
    data: dict[str, object]
    document: Document
    pdf: bytes
    path: Path
