"""The auditor's verification report (署名検証レポート) as HTML and as a PDF/A-2b to file.

``verify`` shapes the report into a worded view (:func:`verify.formats.build_view`); this
module lays that view out with ``templates/report.html`` through the one Jinja environment
(autoescape, strict undefined) and, for the PDF, the templates-only fetcher and the vendored
font — the same walls as every issued document.  The HTML carries its own stylesheet, so it
also reads well opened on its own in a browser (which then uses its own Mincho font).

The page is ``templates/report.css`` inlined around ``templates/_report_body.html``; the web
UI, whose Content-Security-Policy forbids inline styles, shows the same body
(:func:`render_report_body`) and links the same stylesheet, so both read alike.

A report must never refuse to render, and must never fall back to a machine's fonts: in the
PDF, a character the vendored font cannot draw (an emoji in a file name) is printed as its
code point, ``[U+1F600]``, which an auditor can still read and compare.
"""

from __future__ import annotations

import datetime as dt
import re

from pdfsign.render.environment import environment
from pdfsign.render.glyphs import covered_codepoints
from pdfsign.render.pdf import w3c_time, write_pdf
from verify import VerificationRun
from verify.formats import build_view
from verify.messages import Lang

__all__ = ["REPORT_BODY_TEMPLATE", "REPORT_STYLESHEET", "REPORT_TEMPLATE", "drawable",
           "render_report_body", "render_report_html", "render_report_pdf"]

#: The report's template in ``templates/``: the standalone page (and the PDF's source).
REPORT_TEMPLATE = "report.html"
#: Its content alone, which ``report.html`` includes and the web UI's page embeds.
REPORT_BODY_TEMPLATE = "_report_body.html"
#: Its stylesheet in ``templates/``, inlined by ``report.html``; the web UI serves it as a file
#: (its font URL, ``fonts/ipaexm.ttf``, is relative, so it resolves beside it there too).
REPORT_STYLESHEET = "report.css"

_BEYOND_ASCII = re.compile(r"[^\x20-\x7e\t\n\r]")


def drawable(text: str) -> str:
    """``text`` with every character the vendored font lacks written as ``[U+XXXX]``."""
    covered = covered_codepoints()

    def replace(match: re.Match[str]) -> str:
        char = match.group()
        return char if ord(char) in covered else f"[U+{ord(char):04X}]"

    return _BEYOND_ASCII.sub(replace, text)


def render_report_html(run: VerificationRun, *, created_at: dt.datetime,
                       lang: Lang = "ja") -> str:
    """The report as one standalone HTML page (stylesheet inside, nothing fetched).

    :param run: The verification to report, files in input order.
    :param created_at: When the report is made (tz-aware; written into the metadata).
    :param lang: ``ja`` (default; times in JST) or ``en`` (times in UTC).
    :return: The HTML text, every value escaped.
    :raises InputError: If ``created_at`` is naive.
    """
    template = environment().get_template(REPORT_TEMPLATE)
    return template.render(view=build_view(run, lang=lang), created_w3c=w3c_time(created_at))


def render_report_body(run: VerificationRun, *, lang: Lang = "ja") -> str:
    """The report's content alone, for a page that brings its own ``<head>`` and stylesheet.

    It is the fragment between ``<body>`` and ``</body>`` of :func:`render_report_html`, from
    the same template, so the web UI and ``pdfsign verify --format html`` say the same thing;
    it has no ``<style>`` or script, so a strict Content-Security-Policy allows it.  Style it
    with :data:`REPORT_STYLESHEET`; the page should carry ``lang`` (Japanese headings are
    letter-spaced by ``:lang(ja)``).

    :param run: The verification to report, files in input order.
    :param lang: ``ja`` (default; times in JST) or ``en`` (times in UTC).
    :return: The HTML fragment, every value escaped.
    """
    template = environment().get_template(REPORT_BODY_TEMPLATE)
    return template.render(view=build_view(run, lang=lang))


def render_report_pdf(run: VerificationRun, *, created_at: dt.datetime,
                      lang: Lang = "ja") -> bytes:
    """The report as a PDF/A-2b in the vendored font, ready to sign and file.

    The same run, language and ``created_at`` always give the same bytes.

    :param run: The verification to report, files in input order.
    :param created_at: When the report is made (tz-aware; the PDF's creation date).
    :param lang: ``ja`` (default; times in JST) or ``en`` (times in UTC).
    :return: The PDF bytes; the only font is the embedded subset of the vendored one.
    :raises InputError: If ``created_at`` is naive.
    """
    html = render_report_html(run, created_at=created_at, lang=lang)
    return write_pdf(drawable(html), document_styles=False)
