"""Renderers of :class:`verify.report.VerificationRun`: one data model, several formats.

``text``, ``json`` and ``junit`` are rendered here.  ``html`` and ``pdf`` are laid out by
``pdfsign.render`` with the project's templates and vendored font, from the worded view
:func:`build_view` makes (``verify`` never imports ``pdfsign``).
"""

from __future__ import annotations

from verify.formats.json import render_json, to_document
from verify.formats.junit import render_junit
from verify.formats.text import (
    display_width,
    render_text,
    render_text_document,
    render_text_header,
    render_text_summary,
)
from verify.formats.view import ReportView, build_view, format_time

__all__ = ["FORMATS", "ReportView", "build_view", "display_width", "format_time", "render_json",
           "render_junit", "render_text", "render_text_document", "render_text_header",
           "render_text_summary", "to_document"]

#: Names accepted by ``pdfsign verify --format``.
FORMATS = ("text", "json", "junit", "html", "pdf")
