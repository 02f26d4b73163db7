"""The banks' side: their search, downloads of current versions, their e-mail setting, and the
distribution links that work without signing in.

A bank user sees only what :mod:`pdfsign.registry.access` lets their 11-digit ID see — the
files whose *current* bank and branch are theirs (a head office: every branch), never a
history, an audit entry or another bank's file.  The rules are the core's; a file a user
may not see is answered exactly like one that does not exist.
"""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from pdfsign.accounts import Role, set_notify
from pdfsign.documents import parse_user_id
from pdfsign.documents.ids import UserId
from pdfsign.errors import NotFoundError, PdfsignError
from pdfsign.notify import redeem
from pdfsign.registry import recipient_pdf
from webui.access import requires
from webui.context import web
from webui.search_form import search_page, zip_download

__all__ = ["BANK_ROLES", "bp", "link"]

bp = Blueprint("bank", __name__, url_prefix="/bank")
BANK_ROLES = frozenset({Role.BANK_HEAD, Role.BANK_BRANCH})


def _viewer() -> UserId:
    return parse_user_id(g.user.user_id)


def _download(name: str, pdf: bytes) -> Response:
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/files")
@requires(BANK_ROLES)
def index() -> str | tuple[str, int]:
    """The bank's search: the same filters, order, paging and cap as the staff's."""
    return search_page("web/bank/search.html", viewer=_viewer())


@bp.route("/files/<file_id>.pdf")
@requires(BANK_ROLES)
def download(file_id: str) -> Response:
    """The current version of one file the user may see."""
    version, pdf = recipient_pdf(web().registry, _viewer(), file_id, at=web().now())
    return _download(f"{version.file_id}.pdf", pdf)


@bp.route("/files/zip", methods=["POST"])
@requires(BANK_ROLES)
def download_zip() -> Response:
    """The selected files (or every match) the user may see, as one ZIP with ``files.csv``."""
    return zip_download(viewer=_viewer())


@bp.route("/settings", methods=["GET", "POST"])
@requires(BANK_ROLES)
def settings() -> str | Response:
    """The user's own upload notification e-mail setting."""
    if request.method == "POST":
        set_notify(web().registry, g.user.user_id, request.form.get("notify") == "on",
                   at=web().now())
        flash("done.saved")
        return redirect(url_for("bank.settings"))
    return render_template("web/bank/settings.html")


def link(token: str) -> Response:
    """A distribution link: the one file it names, without signing in, while it holds."""
    try:
        version, pdf = redeem(web().registry, token, at=web().now())
    except NotFoundError as exc:  # expired, overwritten, moved: one page that leaks nothing
        page = Response(render_template("web/bank/link_gone.html", message=exc.message), 410,
                        mimetype="text/html")
    except PdfsignError as exc:  # used too often this hour
        page = Response(render_template("web/bank/link_gone.html", message=exc.message),
                        exc.http_status, mimetype="text/html")
    else:
        page = _download(f"{version.file_id}.pdf", pdf)
    page.headers["Referrer-Policy"] = "no-referrer"  # the token never leaves in a Referer
    return page
