"""One set of network fetchers per verified document, shared by all of its validations.

Verifying one document runs a dozen path validations: pyHanko's AdES engine for each
signature and timestamp, and one per cell of the report's matrix.  Left alone, each builds
its own fetchers (pyHanko even opens an aiohttp session per AdES operation), so the same
OCSP response was requested four times per ES-A file.  Sharing one
:class:`~pyhanko_certvalidator.fetchers.Fetchers` within the document asks each URL once;
what comes back is judged by every validation exactly as before (signature, freshness,
validation time).  The scope is one document on purpose: pyhanko-certvalidator's fetch budget
(:class:`~pyhanko_certvalidator.fetchers.FetchLimits`, against inputs that would make it
fetch without end) then still applies per document, and nothing fetched for one file is
reused for another.
"""

from __future__ import annotations

from pyhanko_certvalidator.fetchers import FetcherBackend, Fetchers
from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend

__all__ = ["DocumentFetcherBackend"]

#: Seconds one CRL, OCSP or certificate request may take.
REQUEST_TIMEOUT_S = 10


class DocumentFetcherBackend(FetcherBackend):
    """Hands every validation context of one document the same fetchers (and fetch cache).

    Built on the ``requests`` backend: it needs no event-loop-bound session, so nothing is
    left to close when the document's event loop ends.
    """

    def __init__(self, *, per_request_timeout: float = REQUEST_TIMEOUT_S) -> None:
        self._fetchers = RequestsFetcherBackend(per_request_timeout).get_fetchers()

    def get_fetchers(self) -> Fetchers:
        """The document's fetchers, the same object on every call."""
        return self._fetchers

    async def close(self) -> None:
        """Nothing to release: ``requests`` opens no session here."""
