"""Fetched CRLs and OCSP responses, reused while they are valid.

Every validation fetches the revocation status of every certificate on its paths: for each
signature made, and for each file verified.  The answer is the same until the issuer
publishes the next one — a CRL's or OCSP response's ``nextUpdate`` (RFC 5280 §5.1.2.5,
RFC 6960 §4.2.2.1) — so fetching it again in that window buys nothing.  A
:class:`RevocationCache` keeps what was fetched and :class:`CachingFetcherBackend` serves it
to any number of validation contexts, in any event loop, until then.

What is kept, and what is not:

* only data that was fetched and parsed successfully: a failed fetch is retried by the
  next context (pyhanko-certvalidator would remember the failure only for its own context);
* never past ``nextUpdate``, and never longer than ``max_age`` (ten minutes by default),
  so a long-running process notices a revocation published early, as RFC 5280 allows;
* a response without ``nextUpdate`` is not kept at all (the responder says "ask again");
* never data issued before a backend's ``issued_after``: a long-term signature must
  embed revocation data issued after its signature time-stamp (ETSI EN 319 102-1
  §5.6.2.1, past signature validation), however fresh an older answer still is.  CRL and
  OCSP times are whole seconds, so "after" is judged at that resolution: issued in the
  same second or later (:func:`issued_since`).

Every piece of data served is still checked by the validator that receives it (signature,
responder authority, freshness against the validation time), exactly as if just fetched;
the cache changes where the bytes come from, never how they are judged.  It lives in one
process: pickled (for a worker process) it arrives empty.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeAlias, TypeVar

from asn1crypto import cms, crl, ocsp, x509
from pyhanko_certvalidator.authority import Authority
from pyhanko_certvalidator.fetchers import CRLFetcher, FetcherBackend, Fetchers, OCSPFetcher
from pyhanko_certvalidator.fetchers.common_utils import enumerate_delivery_point_urls
from pyhanko_certvalidator.util import get_relevant_crl_dps, issuer_serial

__all__ = ["DEFAULT_MAX_AGE", "CachingFetcherBackend", "RevocationCache", "crl_issued",
           "issued_since", "ocsp_issued"]

#: The longest anything is kept, whatever its ``nextUpdate``.
DEFAULT_MAX_AGE = timedelta(minutes=10)

_Cert: TypeAlias = x509.Certificate | cms.AttributeCertificateV2
K = TypeVar("K")
V = TypeVar("V")
Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _earliest(updates: Sequence[datetime | None]) -> datetime | None:
    """The earliest ``nextUpdate``; ``None`` if there is none or any is missing (then the
    issuer promises nothing about when its next answer comes)."""
    if not updates or None in updates:
        return None
    return min(u for u in updates if u is not None)


def _ocsp_next_update(response: ocsp.OCSPResponse) -> datetime | None:
    """The earliest ``nextUpdate`` of the response's single responses."""
    basic = response.basic_ocsp_response
    if basic is None:
        return None
    return _earliest([single["next_update"].native
                      for single in basic["tbs_response_data"]["responses"]])


def _crl_next_update(crls: Sequence[crl.CertificateList]) -> datetime | None:
    """The earliest ``nextUpdate`` of ``crls``."""
    return _earliest([c["tbs_cert_list"]["next_update"].native for c in crls])


def ocsp_issued(response: ocsp.OCSPResponse) -> datetime | None:
    """When the response was issued: its earliest ``thisUpdate`` (what ETSI EN 319 102-1
    and pyhanko-certvalidator take as the issuance time), ``None`` for no answer."""
    basic = response.basic_ocsp_response
    if basic is None:
        return None
    updates = [single["this_update"].native
               for single in basic["tbs_response_data"]["responses"]]
    return min(updates, default=None)


def crl_issued(crl_list: crl.CertificateList) -> datetime:
    """When the CRL was issued: its ``thisUpdate`` (RFC 5280 §5.1.2.4)."""
    issued: datetime = crl_list["tbs_cert_list"]["this_update"].native
    return issued


def issued_since(issued: datetime | None, floor: datetime) -> bool:
    """Whether revocation data issued at ``issued`` (whole seconds, RFC 5280 §4.1.2.5.2)
    was issued at or after ``floor``, at the data's own one-second resolution."""
    return issued is not None and issued >= floor.replace(microsecond=0)


def _after(issued: datetime | None, floor: datetime | None) -> bool:
    return floor is None or issued_since(issued, floor)


@dataclass(frozen=True)
class _Entry(Generic[V]):
    value: V
    expires: datetime


class _Shelf(Generic[K, V]):
    """A thread-safe map whose entries vanish at their expiry."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[K, _Entry[V]] = {}

    def get(self, key: K, now: datetime) -> V | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if now >= entry.expires:
                del self._entries[key]
                return None
            return entry.value

    def put(self, key: K, value: V, expires: datetime) -> None:
        with self._lock:
            self._entries[key] = _Entry(value, expires)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


class RevocationCache:
    """CRLs and OCSP responses fetched by this process, each until its ``nextUpdate``.

    Thread-safe; share one per process (or per run) between validation contexts.
    """

    def __init__(self, *, max_age: timedelta = DEFAULT_MAX_AGE, clock: Clock = _utc_now) -> None:
        """:param max_age: keep nothing longer than this, whatever its ``nextUpdate``.
        :param clock: the wall clock (tests move it).
        """
        self.max_age, self._clock = max_age, clock
        self._ocsp: _Shelf[tuple[bytes, str], ocsp.OCSPResponse] = _Shelf()
        self._crls: _Shelf[tuple[str, ...], tuple[crl.CertificateList, ...]] = _Shelf()
        #: Fetches answered from the cache, and fetches that went to the network.
        self.hits = self.misses = 0

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickle as a new, empty cache: fetched data stays in the process that fetched it."""
        return _empty_cache, (self.max_age,)

    def __len__(self) -> int:
        """How many OCSP responses and CRL sets are kept."""
        return len(self._ocsp) + len(self._crls)

    def _expiry(self, next_update: datetime | None) -> datetime | None:
        now = self._clock()
        if next_update is None or next_update <= now:
            return None
        return min(next_update, now + self.max_age)

    def find_ocsp(self, key: tuple[bytes, str]) -> ocsp.OCSPResponse | None:
        """The kept response for (certificate, issuing authority), if still valid."""
        return self._count(self._ocsp.get(key, self._clock()))

    def keep_ocsp(self, key: tuple[bytes, str], response: ocsp.OCSPResponse) -> None:
        """Keep ``response`` until its ``nextUpdate`` (not at all if it has none)."""
        expires = self._expiry(_ocsp_next_update(response))
        if expires is not None:
            self._ocsp.put(key, response, expires)

    def find_crls(self, urls: tuple[str, ...]) -> tuple[crl.CertificateList, ...] | None:
        """The kept CRLs of these distribution point URLs, if all are still valid."""
        return self._count(self._crls.get(urls, self._clock()))

    def keep_crls(self, urls: tuple[str, ...], crls: Sequence[crl.CertificateList]) -> None:
        """Keep the CRLs fetched from ``urls`` until the earliest ``nextUpdate`` among them."""
        expires = self._expiry(_crl_next_update(crls))
        if urls and expires is not None:
            self._crls.put(urls, tuple(crls), expires)

    def _count(self, found: V | None) -> V | None:
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found


def _empty_cache(max_age: timedelta) -> RevocationCache:
    return RevocationCache(max_age=max_age)


def _crl_urls(cert: _Cert, use_deltas: bool) -> tuple[str, ...]:
    return tuple(url for point in get_relevant_crl_dps(cert, use_deltas=use_deltas)
                 for url in enumerate_delivery_point_urls(point))


class _CachingOCSPFetcher(OCSPFetcher):
    """Answers from the cache, else from ``inner``; remembers what it served, per context."""

    def __init__(self, inner: OCSPFetcher, cache: RevocationCache,
                 issued_after: datetime | None) -> None:
        self._inner, self._cache, self._floor = inner, cache, issued_after
        self._served: dict[tuple[bytes, str], ocsp.OCSPResponse] = {}

    async def fetch(self, cert: _Cert, authority: Authority) -> ocsp.OCSPResponse:
        """The cached response while valid and issued after the floor; otherwise
        ``inner``'s, then kept.

        :raises OCSPFetchError: from ``inner``, which is asked again next time.
        """
        key = (issuer_serial(cert), authority.hashable)
        response = self._cache.find_ocsp(key)
        if response is None or not _after(ocsp_issued(response), self._floor):
            response = await self._inner.fetch(cert, authority)
            self._cache.keep_ocsp(key, response)
        self._served[key] = response
        return response

    def fetched_responses(self) -> Iterable[ocsp.OCSPResponse]:
        """Every response this context received (for the DSS of a signature)."""
        return list(self._served.values())

    def fetched_responses_for_cert(self, cert: _Cert) -> Iterable[ocsp.OCSPResponse]:
        """The responses this context received about ``cert``."""
        wanted = issuer_serial(cert)
        return [resp for (serial, _), resp in self._served.items() if serial == wanted]


class _CachingCRLFetcher(CRLFetcher):
    """Answers from the cache, else from ``inner``; remembers what it served, per context."""

    def __init__(self, inner: CRLFetcher, cache: RevocationCache,
                 issued_after: datetime | None) -> None:
        self._inner, self._cache, self._floor = inner, cache, issued_after
        self._served: dict[bytes, tuple[crl.CertificateList, ...]] = {}

    async def fetch(self, cert: _Cert, *, use_deltas: Any = None
                    ) -> Iterable[crl.CertificateList]:
        """The cached CRLs of ``cert``'s distribution points while valid and issued after
        the floor; else ``inner``'s.

        :raises CRLFetchError: from ``inner``, which is asked again next time.
        """
        urls = _crl_urls(cert, bool(use_deltas))
        crls = self._cache.find_crls(urls) if urls else None
        if crls is None or not all(_after(crl_issued(c), self._floor) for c in crls):
            crls = tuple(await self._inner.fetch(cert, use_deltas=use_deltas))
            self._cache.keep_crls(urls, crls)
        self._served[issuer_serial(cert)] = crls
        return crls

    def fetched_crls(self) -> Iterable[crl.CertificateList]:
        """Every CRL this context received, each once."""
        unique = {c.sha256: c for crls in self._served.values() for c in crls}
        return list(unique.values())

    def fetched_crls_for_cert(self, cert: _Cert) -> Iterable[crl.CertificateList]:
        """The CRLs this context received for ``cert``; ``KeyError`` if it never asked."""
        return self._served[issuer_serial(cert)]


class CachingFetcherBackend(FetcherBackend):  # type: ignore[misc]
    """``inner``'s fetchers, with CRL and OCSP answers shared through ``cache``.

    Certificate fetches (AIA ``caIssuers``) go to ``inner`` unchanged.
    """

    def __init__(self, inner: FetcherBackend, cache: RevocationCache, *,
                 issued_after: datetime | None = None) -> None:
        """:param issued_after: serve from the cache only data issued after this time
            (the signature time-stamp an ES-A's validation data is gathered for).
        """
        self.inner, self.cache, self.issued_after = inner, cache, issued_after

    def get_fetchers(self) -> Fetchers:
        """New fetchers for one validation context, over ``inner``'s and the shared cache."""
        fetchers = self.inner.get_fetchers()
        floor = self.issued_after
        return Fetchers(
            ocsp_fetcher=_CachingOCSPFetcher(fetchers.ocsp_fetcher, self.cache, floor),
            crl_fetcher=_CachingCRLFetcher(fetchers.crl_fetcher, self.cache, floor),
            cert_fetcher=fetchers.cert_fetcher)

    async def close(self) -> None:
        """Close ``inner`` (the cache outlives it)."""
        await self.inner.close()  # type: ignore[no-untyped-call]
