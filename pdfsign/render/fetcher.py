"""The URL fetcher WeasyPrint uses: files inside ``templates/`` only, everything else refused.

A document's fields are escaped before they reach the HTML, so no data can name a URL; this
fetcher is the second wall. It never opens a socket or a file outside the templates folder:
no ``http(s)``, no ``data:``, no ``file://`` elsewhere, no ``..`` or symlink escapes.
A refusal raises an ordinary exception, which WeasyPrint logs and treats as a missing resource
(see ``weasyprint/urls.py``: only ``FatalURLFetchingError`` stops a render).
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

__all__ = ["RefusedURL", "TemplateFetcher"]

_log = logging.getLogger(__name__)


class RefusedURL(ValueError):
    """A resource URL outside the templates folder (or not a ``file:`` URL) was asked for."""


class TemplateFetcher(URLFetcher):  # type: ignore[misc]
    """Serve ``file:`` URLs resolving inside ``root``; refuse every other URL, fetching nothing."""

    def __init__(self, root: Path) -> None:
        super().__init__(allowed_protocols=("file",), allow_redirects=False)
        self._root = root.resolve()

    def resolve(self, url: str) -> Path:
        """Map ``url`` to a regular file inside the root.

        :raises RefusedURL: For any other scheme, a host part, or a path leaving the root.
        """
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise RefusedURL(f"refused non-template URL {url[:200]!r}")
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(self._root) or not path.is_file():
            raise RefusedURL(f"refused file outside templates: {url[:200]!r}")
        return path

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        """Return the file's bytes with a content type guessed from its name."""
        try:
            path = self.resolve(url)
        except RefusedURL:
            _log.warning("render fetcher refused %.200r", url)
            raise
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            path.as_uri(), path.read_bytes(), {"Content-Type": content_type},
        )
