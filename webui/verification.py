"""The auditor's verification page: upload PDFs, read the report, download it to file.

The report is the one ``pdfsign verify --format html`` writes (the same template, the
same words), inside the site's layout; the download links give it as JSON, as a PDF, and
as a PDF signed at ES-T by the installation's signer (``pdfsign verify --sign``).  Trust
roots are the settings' ``trust`` list, as for ``pdfsign verify`` without ``--trust``.
"""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template, request
from markupsafe import Markup
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import UnsupportedMediaType
from werkzeug.wrappers import Response

from pdfsign.accounts import STAFF
from pdfsign.render import render_report_body
from pdfsign.verification import configured_signer, render_run, sign_report, trust_from
from verify import VerificationRun, verify_pdf
from verify.messages import Lang
from webui.access import requires
from webui.context import web
from webui.report_store import ReportStore
from webui.uploads import MAX_FILES, file_limit

__all__ = ["bp", "report_page"]

bp = Blueprint("verify", __name__)
#: Download name suffix → (report format, content type).
_DOWNLOADS = {"json": ("json", "application/json"), "html": ("html", "text/html"),
              "pdf": ("pdf", "application/pdf"), "signed.pdf": ("pdf", "application/pdf")}
_PDF_HEADER_WITHIN = 1024  # ISO 32000-2 §7.5.2: readers accept the header this far in


def _store() -> ReportStore:
    return ReportStore(web().registry)


def _lang() -> Lang:
    return "en" if g.lang == "en" else "ja"


def _read(upload: FileStorage) -> tuple[str, bytes]:
    """The file's name and bytes. :raises UnsupportedMediaType: it is not a PDF (415)."""
    name = upload.filename or "upload.pdf"
    data = upload.read()
    if b"%PDF-" not in data[:_PDF_HEADER_WITHIN]:
        raise UnsupportedMediaType(f"{name}: PDFファイルではありません（先頭{_PDF_HEADER_WITHIN}"
                                   f"バイトに%PDF-がありません） / not a PDF (no %PDF- header "
                                   f"in the first {_PDF_HEADER_WITHIN} bytes)")
    return name, data


@bp.route("/verify", methods=["GET", "POST"])
@requires(STAFF)
def page() -> str | tuple[str, int]:
    """The upload form; a POST answers with the report itself."""
    limits = {"mb": file_limit() // (1024 * 1024), "n": MAX_FILES}
    if request.method == "GET":
        return render_template("web/verify.html", limits=limits, errors={})
    uploads = [f for f in request.files.getlist("files") if f.filename]
    if not uploads:
        return render_template("web/verify.html", limits=limits, errors={
            "files": "PDFファイルを選んでください / choose at least one PDF file"}), 400
    if len(uploads) > MAX_FILES:
        return render_template("web/verify.html", limits=limits, errors={
            "files": f"一度に検証できるのは{MAX_FILES}ファイルまでです / at most {MAX_FILES} "
                     f"files at a time"}), 400
    return report_page([_read(upload) for upload in uploads])


def report_page(files: list[tuple[str, bytes]]) -> str:
    """Verify ``files`` (name, bytes) and answer with the report page and its download links.

    The files page verifies a stored version through this too.
    """
    context = web()
    trust, at = trust_from(context.settings), context.now()
    run = VerificationRun(documents=tuple(verify_pdf(data, path=name, settings=trust, at=at)
                                          for name, data in files), validated_at=at)
    token = _store().keep(run, owner=g.user.user_id, at=at)
    body = Markup(render_report_body(run, lang=_lang()))  # escaped by the report's template
    return render_template("web/report.html", body=body, token=token, run=run)


@bp.route("/verify/reports/<string(length=43):token>.<path:suffix>")
@requires(STAFF)
def download(token: str, suffix: str) -> Response:
    """The kept report as JSON, HTML, PDF, or PDF signed at ES-T."""
    if suffix not in _DOWNLOADS:
        abort(404)
    context = web()
    at = context.now()
    run = _store().load(token, owner=g.user.user_id, at=at)
    fmt, mimetype = _DOWNLOADS[suffix]
    data = render_run(run, fmt, lang=_lang(), at=at)
    if suffix == "signed.pdf":
        signer = configured_signer(context.settings, registry=context.registry,
                                   actor=g.user.user_id, at=at)
        with signer:
            data = sign_report(data, context.settings, signer=signer, at=at)
    name = f"verification-report-{at:%Y%m%dT%H%M%SZ}.{suffix}"
    return Response(data, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
