"""The issuing area: document forms, preview and signing, batches.

One blueprint, ``issue``; each module adds its routes with ``register(bp)``.
"""

from flask import Blueprint

from webui.issue import batches, views

__all__ = ["bp"]

bp = Blueprint("issue", __name__)
views.register(bp)
batches.register(bp)
