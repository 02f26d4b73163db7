"""Document → unsigned PDF/A-2b bytes, deterministic for the same data and creation time.

One :class:`~weasyprint.text.fonts.FontConfiguration` serves the whole process: the vendored
font is registered once, so memory stays flat over thousands of renders. Determinism comes
from WeasyPrint itself: the creation/modification dates come from the ``created_at`` we put
in ``<meta name=dcterms.*>``, the PDF ``/ID`` is a hash of the content (``pdf_identifier``
defaults to ``True`` for PDF/A) and font subset names are hashes of the font description.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from functools import cache

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from pdfsign.documents import CertificateIdentity, Document, GuaranteeCertificate
from pdfsign.errors import InputError
from pdfsign.render.environment import TEMPLATES_DIR, environment
from pdfsign.render.fetcher import TemplateFetcher
from pdfsign.render.glyphs import check_glyphs

__all__ = ["PDF_VARIANT", "PdfMetadata", "metadata_for", "render_html", "render_pdf", "w3c_time",
           "write_pdf"]

#: The archival variant every document is written as.
PDF_VARIANT = "pdf/a-2b"
#: Printed on every page but only once a document has more than one page.
_PAGE_NUMBERS = "@page { @bottom-center { content: counter(page) \" / \" counter(pages); } }"


@dataclass(frozen=True)
class PdfMetadata:
    """What the PDF's document information and XMP say about the document."""

    title: str
    subject: str
    keywords: tuple[str, ...]
    #: Extra document-information entries (``/fileid``, ``/issuecount``, ``/documentkind``;
    #: WeasyPrint lower-cases ``<meta>`` names). They have no XMP twin, which PDF/A allows.
    custom: tuple[tuple[str, str], ...]


def metadata_for(document: Document) -> PdfMetadata:
    """The PDF metadata of ``document``: title, kind as subject, file ID and issue count."""
    keywords = [f"kind={document.kind.value}"]
    custom: list[tuple[str, str]] = [("documentkind", document.kind.value)]
    if isinstance(document, CertificateIdentity):
        keywords.append(f"file-id={document.file_id.filename}")
        custom.append(("fileid", document.file_id.filename))
    if isinstance(document, GuaranteeCertificate):
        keywords.append(f"issue-count={document.issue_count}")
        custom.append(("issuecount", str(document.issue_count)))
    return PdfMetadata(
        title=document.title_ja,
        subject=f"{document.kind.title_ja} ({document.kind.value})",
        keywords=tuple(keywords),
        custom=tuple(custom),
    )


def render_html(document: Document, *, created_at: dt.datetime) -> str:
    """The document's HTML, from its kind's template (autoescaped, strict undefined).

    :raises InputError: If ``created_at`` is naive (it must be an aware UTC time).
    """
    template = environment().get_template(document.kind.template)
    return template.render(
        doc=document, meta=metadata_for(document), created_w3c=w3c_time(created_at),
    )


def w3c_time(created_at: dt.datetime) -> str:
    """``created_at`` as the W3C UTC time WeasyPrint writes into the PDF metadata.

    :raises InputError: If ``created_at`` is naive (it must be an aware UTC time).
    """
    if created_at.tzinfo is None or created_at.utcoffset() is None:
        raise InputError("作成日時にタイムゾーンがありません / created_at must be "
                         "timezone-aware (UTC)", field="created_at")
    stamp = created_at.astimezone(dt.UTC).replace(microsecond=0)
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


class _Renderer:
    """The process-wide WeasyPrint state: font configuration, fetcher, page-number sheet."""

    def __init__(self) -> None:
        self.font_config = FontConfiguration()
        self.fetcher = TemplateFetcher(TEMPLATES_DIR)
        self.base_url = TEMPLATES_DIR.as_uri() + "/"
        # Parsed once: re-parsing the stylesheet per render costs more than the layout.
        self.print_css = self._css(url=self.base_url + "print.css")
        self.page_numbers = self._css(string=_PAGE_NUMBERS)
        # Fontconfig/Pango state is shared; WeasyPrint gives no thread-safety promise.
        self.lock = threading.Lock()

    def _css(self, **source: str) -> CSS:
        return CSS(**source, font_config=self.font_config, url_fetcher=self.fetcher,
                   base_url=self.base_url)

    def write(self, html: str, *, document_styles: bool) -> bytes:
        source = HTML(string=html, base_url=self.base_url, url_fetcher=self.fetcher)
        options = {"pdf_variant": PDF_VARIANT, "custom_metadata": True}
        sheets = [self.print_css] if document_styles else []
        with self.lock:
            rendered = source.render(font_config=self.font_config, stylesheets=sheets, **options)
            if document_styles and len(rendered.pages) > 1:
                rendered = source.render(font_config=self.font_config,
                                         stylesheets=[self.print_css, self.page_numbers],
                                         **options)
            pdf: bytes = rendered.write_pdf(**options)
        return pdf


@cache
def _renderer() -> _Renderer:
    return _Renderer()


def render_pdf(document: Document, *, created_at: dt.datetime) -> bytes:
    """Render ``document`` as an unsigned PDF/A-2b.

    The same document and ``created_at`` always give byte-identical output, so a signed
    file can be re-derived and compared.

    :param document: A validated document (see :func:`pdfsign.documents.parse_document`).
    :param created_at: The creation time written into the metadata (tz-aware; stored in UTC).
    :return: The PDF bytes.
    :raises InputError: If ``created_at`` is naive, or a field has a character the vendored
        font cannot draw (naming the field).
    """
    check_glyphs(document)
    return write_pdf(render_html(document, created_at=created_at))


def write_pdf(html: str, *, document_styles: bool = True) -> bytes:
    """Lay out HTML from a project template as PDF/A-2b with the vendored font.

    Every resource is fetched through the templates-only fetcher, with the process-wide font
    configuration, so the only font in the output is the embedded subset of the vendored one.

    :param html: The page; relative URLs resolve inside ``templates/``.
    :param document_styles: Apply ``print.css`` and number the pages of multi-page output
        (the document kinds); a template carrying its own stylesheet passes ``False``.
    :return: The PDF bytes (deterministic for the same HTML).
    """
    return _renderer().write(html, document_styles=document_styles)
