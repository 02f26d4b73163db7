"""Fixtures for the document models: the committed sample data files, read fresh per test."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

SAMPLES_DIR = Path(__file__).resolve().parents[3] / "fixtures" / "samples"


@pytest.fixture
def sample() -> Any:
    """Load ``fixtures/samples/<name>.json`` as a fresh (mutable) dict."""
    def load(name: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((SAMPLES_DIR / f"{name}.json").read_text("utf-8"))
        return data
    return load
