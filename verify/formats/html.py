"""The auditor's report as HTML, and as PDF rendered from that HTML with WeasyPrint.

One sandboxed Jinja environment (autoescape, ``StrictUndefined``); the template is
``report.html.j2`` beside this module.  The PDF render fetches nothing: the template has no
external resources and the URL fetcher allows no protocol.  The Japanese font is the
system's IPAex Mincho (Debian ``fonts-ipaexfont-mincho``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from verify.formats.text import format_time
from verify.messages import Lang, message
from verify.report import VerificationRun

__all__ = ["render_html", "render_pdf"]


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent),
        autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
        undefined=jinja2.StrictUndefined,
    )


def render_html(run: VerificationRun, *, lang: Lang = "ja") -> str:
    """The report as a standalone HTML page (matrix as a table), in ``lang``."""
    template = _environment().get_template("report.html.j2")
    return template.render(
        run=run, lang=lang,
        m=lambda key: message(key, lang=lang),
        t=lambda value: format_time(value, lang=lang),
    )


def render_pdf(run: VerificationRun, *, lang: Lang = "ja") -> bytes:
    """The HTML report rendered to PDF bytes (for filing; sign it with ``--sign``)."""
    fetcher = URLFetcher(allowed_protocols=[], fail_on_errors=True)
    pdf = HTML(string=render_html(run, lang=lang), url_fetcher=fetcher).write_pdf()
    assert pdf is not None
    return bytes(pdf)
