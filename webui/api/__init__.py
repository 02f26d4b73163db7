"""The JSON API under ``/api/v1``, for machines: a bank's nightly pull, CI pipelines.

One blueprint (:mod:`webui.api.blueprint`: authentication, scopes, JSON errors), its routes
by area — :mod:`~webui.api.files` (list, metadata, download), :mod:`~webui.api.verification`,
:mod:`~webui.api.issuing` (staff), :mod:`~webui.api.bulk` (the bulk download tool) — and
the OpenAPI 3.1 document (:mod:`~webui.api.openapi`, served at ``/api/v1/openapi.json``,
checked against the routes by a test).
"""

from __future__ import annotations

from flask import Flask

from webui.api.blueprint import bp, http_error, is_api_path, requires_scope

__all__ = ["bp", "http_error", "init_app", "is_api_path", "requires_scope"]


def init_app(app: Flask) -> None:
    """Register the API, exempt from CSRF (it reads no cookie).

    The route modules are imported here, as the Flask tutorial's factory does, so that
    :mod:`webui.errors` can use the blueprint's JSON errors without importing every view.
    """
    from webui.api import batches, bulk, files, issuing, openapi, verification  # noqa: F401, PLC0415
    from webui.security import csrf  # noqa: PLC0415

    csrf.exempt(bp)
    app.register_blueprint(bp)
