"""Fixtures for rendering: every committed sample rendered once per test session."""

from __future__ import annotations

import json

import pytest
from render_samples import CREATED_AT, SAMPLE_NAMES, SAMPLES_DIR, Rendered

from pdfsign.documents import parse_document
from pdfsign.render import render_pdf


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Rendered]:
    """Every sample under ``fixtures/samples`` rendered at :data:`CREATED_AT`."""
    folder = tmp_path_factory.mktemp("rendered")
    result = {}
    for name in SAMPLE_NAMES:
        data = json.loads((SAMPLES_DIR / f"{name}.json").read_text("utf-8"))
        document = parse_document(data)
        pdf = render_pdf(document, created_at=CREATED_AT)
        path = folder / f"{name}.pdf"
        path.write_bytes(pdf)
        result[name] = Rendered(name, data, document, pdf, path)
    return result
