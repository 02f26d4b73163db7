"""One set of network fetchers per verified document, and what happens when they fail.

Verifying one document runs a dozen path validations: pyHanko's AdES engine for each
signature and timestamp, and one per cell of the report's matrix.  Left alone, each builds
its own fetchers (pyHanko even opens an aiohttp session per AdES operation), so the same
OCSP response was requested four times per ES-A file.  Sharing one
:class:`~pyhanko_certvalidator.fetchers.Fetchers` within the document asks each URL once
(pyhanko-certvalidator remembers failures too); what comes back is judged by every
validation exactly as before (signature, freshness, validation time).  The fetchers are one
document's on purpose: pyhanko-certvalidator's fetch budget
(:class:`~pyhanko_certvalidator.fetchers.FetchLimits`, against inputs that would make it
fetch without end) then still applies per document, and a failure is remembered for that
document only.  Below them, a run's :class:`~verify.revocation_cache.RevocationCache` hands
the next document the CRLs and OCSP responses fetched successfully for an earlier one, while
they are valid (their ``nextUpdate``).

A failed fetch is recorded (URL and reason) and then matters: pyhanko-certvalidator in
hard-fail mode drops the certificate's embedded CRLs and OCSP responses along with the
failed download, so an ES-A file whose DSS proves it valid would come out indeterminate
on a machine that cannot reach the CRL/OCSP URLs.  ETSI EN 319 102-1 long-term validation
uses the signature's own and supplied data first; fetching only adds what is missing or
fresher.  :func:`online_or_local` therefore re-runs a validation without fetching when the
online run did not reach a final answer *and* a fetch failed during it; a final online
answer (passed, failed, revoked) is never replaced.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeAlias, TypeVar

import requests
from asn1crypto import cms, crl, ocsp, x509
from pyhanko.sign.ades.report import AdESIndeterminate, AdESStatus
from pyhanko.sign.validation.ades import AdESBasicValidationResult
from pyhanko_certvalidator.authority import Authority
from pyhanko_certvalidator.errors import CRLFetchError, OCSPFetchError
from pyhanko_certvalidator.fetchers import CRLFetcher, FetcherBackend, Fetchers, OCSPFetcher
from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend

from verify.report import ServiceFailure
from verify.revocation_cache import CachingFetcherBackend, RevocationCache

__all__ = ["DocumentFetcherBackend", "Outcome", "ades_final", "online_or_local",
           "unobtainable_reason"]

#: Seconds one CRL, OCSP or certificate request may take.
REQUEST_TIMEOUT_S = 10

R = TypeVar("R")
_Cert: TypeAlias = x509.Certificate | cms.AttributeCertificateV2


def _why(exc: BaseException) -> str:
    """The innermost cause in a few words: ``connection refused``, ``status code 503``."""
    chain = [exc]
    while (nxt := chain[-1].__cause__ or chain[-1].__context__) is not None \
            and len(chain) < 10:
        chain.append(nxt)
    if any(isinstance(e, requests.Timeout) for e in chain):
        return f"no answer within {REQUEST_TIMEOUT_S} s"
    inner = chain[-1]
    if isinstance(inner, OSError) and inner.strerror:
        return inner.strerror.lower()
    return str(inner) or type(inner).__name__


def _urls(cert: _Cert, kind: str) -> list[str]:
    if not isinstance(cert, x509.Certificate):
        return ["(attribute certificate)"]
    if kind == "ocsp":
        return list(cert.ocsp_urls) or ["(no OCSP URL)"]
    return [dp.url for dp in cert.crl_distribution_points if dp.url] or ["(no CRL URL)"]


class _RecordingOCSPFetcher(OCSPFetcher):
    """The ``requests`` OCSP fetcher, noting every failure in the document's log."""

    def __init__(self, inner: OCSPFetcher, log: list[ServiceFailure]) -> None:
        self._inner, self._log = inner, log

    async def fetch(self, cert: _Cert, authority: Authority) -> ocsp.OCSPResponse:
        """Delegate; on :class:`OCSPFetchError` record the URLs and re-raise."""
        try:
            return await self._inner.fetch(cert, authority)
        except OCSPFetchError as exc:
            self._log += [ServiceFailure(u, "ocsp", _why(exc)) for u in _urls(cert, "ocsp")]
            raise

    def fetched_responses(self) -> Iterable[ocsp.OCSPResponse]:
        """Delegate."""
        return self._inner.fetched_responses()

    def fetched_responses_for_cert(self, cert: _Cert) -> Iterable[ocsp.OCSPResponse]:
        """Delegate."""
        return self._inner.fetched_responses_for_cert(cert)


class _RecordingCRLFetcher(CRLFetcher):
    """The ``requests`` CRL fetcher, noting every failure in the document's log."""

    def __init__(self, inner: CRLFetcher, log: list[ServiceFailure]) -> None:
        self._inner, self._log = inner, log

    async def fetch(self, cert: _Cert, *, use_deltas: Any = None
                    ) -> Iterable[crl.CertificateList]:
        """Delegate; on :class:`CRLFetchError` record the URLs and re-raise."""
        try:
            return await self._inner.fetch(cert, use_deltas=use_deltas)
        except CRLFetchError as exc:
            self._log += [ServiceFailure(u, "crl", _why(exc)) for u in _urls(cert, "crl")]
            raise

    def fetched_crls(self) -> Iterable[crl.CertificateList]:
        """Delegate."""
        return self._inner.fetched_crls()

    def fetched_crls_for_cert(self, cert: _Cert) -> Iterable[crl.CertificateList]:
        """Delegate (raises :class:`KeyError` when this certificate was never fetched for)."""
        return self._inner.fetched_crls_for_cert(cert)


class DocumentFetcherBackend(FetcherBackend):
    """Hands every validation context of one document the same fetchers (and fetch cache),
    and keeps the log of the revocation fetches that failed.

    Built on the ``requests`` backend: it needs no event-loop-bound session, so nothing is
    left to close when the document's event loop ends.
    """

    def __init__(self, *, per_request_timeout: float = REQUEST_TIMEOUT_S,
                 cache: RevocationCache | None = None) -> None:
        """:param cache: CRLs and OCSP responses shared with the run's other documents."""
        network: FetcherBackend = RequestsFetcherBackend(per_request_timeout)
        if cache is not None:
            network = CachingFetcherBackend(network, cache)
        inner = network.get_fetchers()
        self._failures: list[ServiceFailure] = []
        self._fetchers = Fetchers(
            ocsp_fetcher=_RecordingOCSPFetcher(inner.ocsp_fetcher, self._failures),
            crl_fetcher=_RecordingCRLFetcher(inner.crl_fetcher, self._failures),
            cert_fetcher=inner.cert_fetcher)

    def get_fetchers(self) -> Fetchers:
        """The document's fetchers, the same object on every call."""
        return self._fetchers

    def mark(self) -> int:
        """A position in the failure log, for :meth:`failures_since`."""
        return len(self._failures)

    def failures_since(self, mark: int) -> tuple[ServiceFailure, ...]:
        """The failures recorded after ``mark``, each once, in order."""
        return tuple(dict.fromkeys(self._failures[mark:]))

    async def close(self) -> None:
        """Nothing to release: ``requests`` opens no session here."""


#: Indeterminate answers that a run without fetching must not replace: a revocation was
#: seen (possibly only in the fetched data), or pyHanko's past validation (ETSI EN 319 102-1
#: §5.6.2.4) already ran on the local data after the current-time check found a revocation,
#: stale revocation data or an expired certificate.
_FINAL_INDETERMINATE = (AdESIndeterminate.REVOKED_NO_POE, AdESIndeterminate.REVOKED_CA_NO_POE,
                        AdESIndeterminate.REVOCATION_OUT_OF_BOUNDS_NO_POE)


def ades_final(result: AdESBasicValidationResult[Any]) -> bool:
    """Whether an AdES result stands whatever data a failed fetch might have added:
    passed, failed, or revoked (a revocation seen online beats an older embedded "good").

    A fetch failure reaches pyHanko as "no revocation data" and comes back as
    CERTIFICATE_CHAIN_GENERAL_FAILURE, for which its B-LTA validation does not even try
    past validation; that, and the like, is what the run without fetching may improve.
    """
    subindic = result.ades_subindic
    return subindic.status is not AdESStatus.INDETERMINATE or subindic in _FINAL_INDETERMINATE


@dataclass(frozen=True)
class Outcome(Generic[R]):
    """The result a validation settled on, and how it got there."""

    result: R
    #: The fetches that failed during the online run.
    failed: tuple[ServiceFailure, ...] = ()
    #: Whether ``result`` comes from the run without fetching.
    local: bool = False


async def online_or_local(online: Callable[[], Awaitable[R]],
                          local: Callable[[], Awaitable[R]], *,
                          backend: DocumentFetcherBackend | None,
                          final: Callable[[R], bool]) -> Outcome[R]:
    """Run ``online``; when it is not ``final`` and a fetch failed meanwhile, run ``local``.

    :param online: the validation as the user asked for it (fetching allowed).
    :param local: the same validation with the PDF's and the supplied data only.
    :param backend: the document's fetchers; ``None`` when offline (``online`` alone runs).
    :param final: whether a result stands whatever a failed fetch might have added.
    :return: the result used, the fetches that failed during the online run, and whether
        the local run was used.
    """
    if backend is None:
        return Outcome(await online())
    mark = backend.mark()
    result = await online()
    failed = backend.failures_since(mark)
    if failed and not final(result):
        return Outcome(await local(), failed, local=True)
    return Outcome(result, failed)


def unobtainable_reason(failed: tuple[ServiceFailure, ...]) -> str:
    """Why a validation stays indeterminate when the services were down (TRY_LATER)."""
    services = ", ".join(f"{f.url} ({f.reason})" for f in failed)
    return (f"revocation data could not be obtained: {services}; neither the file nor the "
            f"supplied data holds any that covers the validation time — try again later")
