"""The few static files the pages use, served from ``templates/`` by name.

Only these names are served, so nothing else under ``templates/`` (the document templates,
the font's licence) is published by accident.
"""

from __future__ import annotations

from flask import Response, abort, send_from_directory

from pdfsign.render import TEMPLATES_DIR

__all__ = ["STATIC_FILES", "serve"]

#: The stylesheets and the vendored Japanese font (so Japanese shows on a machine without
#: Japanese fonts: the page loads it with ``@font-face``).
STATIC_FILES = frozenset({"web/web.css", "report.css", "fonts/ipaexm.ttf"})


def serve(filename: str) -> Response:
    """One of :data:`STATIC_FILES` (404 for any other name)."""
    if filename not in STATIC_FILES:
        abort(404)
    response = send_from_directory(TEMPLATES_DIR, filename, max_age=3600)
    return response
