"""Figure ``render_ms``: a one-page guarantee certificate rendered to PDF/A-2b, warm.

"Warm" means the process has rendered once already, so WeasyPrint's font configuration
(one per process, :mod:`pdfsign.render.pdf`) and the Jinja templates are loaded.
"""

from __future__ import annotations

from datetime import datetime

from benchmarks.measure import time_calls
from benchmarks.results import Results
from benchmarks.workbench import Workbench
from pdfsign.documents import parse_document
from pdfsign.render import render_pdf

__all__ = ["measure_rendering"]


def measure_rendering(bench: Workbench, results: Results, *, repeats: int,
                      at: datetime) -> bytes:
    """Record ``render_ms``.

    :param at: the creation time written into the PDF.
    :return: the rendered PDF (unsigned), for the signing figures.
    """
    document = parse_document(bench.guarantee(0))
    summary, pdf = time_calls(lambda: render_pdf(document, created_at=at), repeats=repeats,
                              warmup=2)
    results.record("render_ms", summary.median, summary=summary,
                   note=f"guarantee certificate, {len(pdf) // 1024} KiB unsigned")
    return pdf
