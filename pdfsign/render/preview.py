"""A rendered page as an image, for looking before signing.

Poppler's ``pdftoppm`` (Debian's poppler-utils, which the product already needs for
``pdfsig``) draws the page from the very PDF that will be signed, with the embedded font,
so the preview is the document, not a second rendering of its HTML.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from pdfsign.errors import ConfigurationError, InputError

__all__ = ["page_png"]

_TIMEOUT_SECONDS = 30


def page_png(pdf: bytes, *, page: int = 1, dpi: int = 80) -> bytes:
    """Page ``page`` of ``pdf`` as a PNG.

    :raises InputError: the PDF cannot be drawn (or has no such page).
    :raises ConfigurationError: ``pdftoppm`` is not installed.
    """
    with tempfile.TemporaryDirectory(prefix="pdfsign-preview-") as folder:
        out = Path(folder) / "page"
        try:
            done = subprocess.run(
                ["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page),
                 "-singlefile", "-", str(out)],
                input=pdf, capture_output=True, timeout=_TIMEOUT_SECONDS, check=False)
        except FileNotFoundError:
            raise ConfigurationError("pdftoppm is not installed (Debian: poppler-utils)",
                                     field="pdftoppm") from None
        png = out.with_suffix(".png")
        if done.returncode != 0 or not png.exists():
            reason = done.stderr.decode(errors="replace").strip() or "no page drawn"
            raise InputError(f"cannot draw page {page}: {reason}", field="pdf")
        return png.read_bytes()
