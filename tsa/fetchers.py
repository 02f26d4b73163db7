"""An in-process fetcher backend: CRLs and OCSP answered by :class:`PkiServices`, no HTTP.

The embedded default for signing: an ES-A (PAdES B-LTA) signature gathers
revocation data from the URLs in the certificates, and with this backend it
gets them from the test PKI's services in this process, with no server
running.  Any URL outside the PKI's services is refused, so validation never
touches the network.  Use it as::

    ValidationContext(trust_roots=[root], fetcher_backend=embedded_fetcher_backend(services))
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Iterable
from typing import Any

from asn1crypto import crl as asn1_crl
from pyhanko_certvalidator.errors import CRLFetchError, OCSPFetchError
from pyhanko_certvalidator.fetchers.api import (
    CertificateFetcher,
    CRLFetcher,
    FetcherBackend,
    Fetchers,
    OCSPFetcher,
)
from pyhanko_certvalidator.fetchers.common_utils import (
    enumerate_delivery_point_urls,
    format_ocsp_request,
    process_ocsp_response_data,
)
from pyhanko_certvalidator.util import get_ocsp_urls, get_relevant_crl_dps, issuer_serial

from tsa.client import Clock, utc_now
from tsa.services import PkiServices

__all__ = ["EmbeddedFetcherBackend", "embedded_fetcher_backend"]

_log = logging.getLogger(__name__)


class _EmbeddedCrlFetcher(CRLFetcher):
    """CRL fetches for the PKI's distribution points, cached per certificate like pyHanko's."""

    def __init__(self, services: PkiServices, clock: Clock) -> None:
        self._services = services
        self._clock = clock
        self._urls = {services.crl_url(name): name for name in services.crl_issuers}
        self._by_url: dict[str, Any] = {}
        self._by_cert: dict[bytes, list[Any]] = {}

    async def fetch(self, cert: Any, *, use_deltas: Any = None) -> Iterable[Any]:
        """The CRLs of ``cert``'s distribution points; refuses URLs outside the PKI.

        :raises CRLFetchError: when none of the distribution points could be served.
        """
        key = issuer_serial(cert)
        if key in self._by_cert:
            return self._by_cert[key]
        urls = [url for point in get_relevant_crl_dps(cert, use_deltas=bool(use_deltas))
                for url in enumerate_delivery_point_urls(point)]
        results = [self._fetch_url(url) for url in urls]
        crls = [c for c in results if c is not None]
        if urls and not crls:
            raise CRLFetchError(f"refused CRL URL(s) outside the embedded PKI: {', '.join(urls)}")
        self._by_cert[key] = crls
        return crls

    def _fetch_url(self, url: str) -> Any | None:
        if url in self._by_url:
            return self._by_url[url]
        name = self._urls.get(url)
        if name is None:
            _log.warning("embedded fetcher: refusing CRL URL %s (not a service of the PKI)", url)
            return None
        fetched = asn1_crl.CertificateList.load(self._services.crl(name, at=self._clock()))
        self._by_url[url] = fetched
        return fetched

    def fetched_crls(self) -> Iterable[Any]:
        """Every CRL served so far."""
        return list(self._by_url.values())

    def fetched_crls_for_cert(self, cert: Any) -> Iterable[Any]:
        """The CRLs served for ``cert``; ``KeyError`` if never fetched (pyHanko's contract)."""
        return self._by_cert[issuer_serial(cert)]


class _EmbeddedOcspFetcher(OCSPFetcher):
    """OCSP requests built and checked by pyHanko's helpers, answered by the PKI's responder."""

    def __init__(self, services: PkiServices, clock: Clock) -> None:
        self._services = services
        self._clock = clock
        self._responses: dict[tuple[bytes, Any], Any] = {}

    async def fetch(self, cert: Any, authority: Any) -> Any:
        """An OCSP response for ``cert``, nonce checked.

        :raises OCSPFetchError: when ``cert`` names no OCSP URL of the PKI.
        """
        tag = (issuer_serial(cert), authority.hashable)
        if tag in self._responses:
            return self._responses[tag]
        urls = list(get_ocsp_urls(cert))
        if self._services.ocsp_url not in urls:
            raise OCSPFetchError(f"refused OCSP URL(s) outside the embedded PKI: {urls or 'none'}")
        request = format_ocsp_request(cert, authority, certid_hash_algo="sha256",
                                      request_nonces=True)
        der = self._services.ocsp(request.dump(), at=self._clock())
        response = process_ocsp_response_data(der, ocsp_request=request,
                                              ocsp_url=self._services.ocsp_url)
        self._responses[tag] = response
        return response

    def fetched_responses(self) -> Iterable[Any]:
        """Every OCSP response served so far."""
        return list(self._responses.values())

    def fetched_responses_for_cert(self, cert: Any) -> Iterable[Any]:
        """The responses served about ``cert``."""
        key = issuer_serial(cert)
        return [resp for (serial, _), resp in self._responses.items() if serial == key]


class _NoCertificateFetcher(CertificateFetcher):
    """The PKI publishes no caIssuers URLs; validators get the chain from the trust settings."""

    async def fetch_cert_issuers(self, cert: Any) -> AsyncGenerator[Any, None]:
        """Fetch nothing: issuer certificates are never downloaded in embedded mode."""
        for _ in ():
            yield _

    async def fetch_crl_issuers(self, certificate_list: Any) -> AsyncGenerator[Any, None]:
        """Fetch nothing (see :meth:`fetch_cert_issuers`)."""
        for _ in ():
            yield _

    def fetched_certs(self) -> Iterable[Any]:
        """Always empty."""
        return []


class EmbeddedFetcherBackend(FetcherBackend):  # type: ignore[misc]
    """A pyHanko ``FetcherBackend`` whose fetchers call :class:`PkiServices` directly."""

    def __init__(self, services: PkiServices, *, clock: Clock = utc_now) -> None:
        """:param services: the PKI services that answer.
        :param clock: the time CRLs and OCSP responses are made at (tests fix it).
        """
        self.services = services
        self._clock = clock

    def get_fetchers(self) -> Fetchers:
        """Fresh fetchers (and caches) for one validation context."""
        return Fetchers(ocsp_fetcher=_EmbeddedOcspFetcher(self.services, self._clock),
                        crl_fetcher=_EmbeddedCrlFetcher(self.services, self._clock),
                        cert_fetcher=_NoCertificateFetcher())

    async def close(self) -> None:
        """Nothing to release."""


def embedded_fetcher_backend(services: PkiServices, *,
                             clock: Clock = utc_now) -> EmbeddedFetcherBackend:
    """The in-process fetcher backend over ``services`` (see the module docstring).

    :param clock: the time CRLs and OCSP responses are made at.
    """
    return EmbeddedFetcherBackend(services, clock=clock)
