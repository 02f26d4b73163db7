"""Renderers of :class:`verify.report.VerificationRun`: one data model, several formats."""

from __future__ import annotations

from verify.formats.html import render_html, render_pdf
from verify.formats.json import render_json, to_document
from verify.formats.junit import render_junit
from verify.formats.text import render_text

__all__ = ["FORMATS", "render_html", "render_json", "render_junit", "render_pdf", "render_text",
           "to_document"]

#: Names accepted by ``pdfsign verify --format``.
FORMATS = ("text", "json", "junit", "html", "pdf")
