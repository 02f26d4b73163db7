"""Documents and the verification report → deterministic PDF/A-2b, from sandboxed templates."""

from pdfsign.render.environment import TEMPLATES_DIR, japanese_date, wareki_date, yen
from pdfsign.render.fetcher import RefusedURL, TemplateFetcher
from pdfsign.render.glyphs import check_glyphs
from pdfsign.render.pdf import (
    PDF_VARIANT,
    PdfMetadata,
    metadata_for,
    render_html,
    render_pdf,
    w3c_time,
    write_pdf,
)
from pdfsign.render.preview import page_png
from pdfsign.render.report import (
    REPORT_STYLESHEET,
    render_report_body,
    render_report_html,
    render_report_pdf,
)

__all__ = [
    "PDF_VARIANT",
    "REPORT_STYLESHEET",
    "TEMPLATES_DIR",
    "PdfMetadata",
    "RefusedURL",
    "TemplateFetcher",
    "check_glyphs",
    "japanese_date",
    "metadata_for",
    "page_png",
    "render_html",
    "render_pdf",
    "render_report_body",
    "render_report_html",
    "render_report_pdf",
    "w3c_time",
    "wareki_date",
    "write_pdf",
    "yen",
]
