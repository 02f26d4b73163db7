"""verify.revocation_cache: fetched CRLs and OCSP responses shared until their nextUpdate.

The fetches go to the bundled PKI services in this process (the real responders, through
:class:`tsa.fetchers.EmbeddedFetcherBackend`); a thin wrapper counts them and, for one test,
makes the next OCSP fetch fail as a dead responder would.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import pickle
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import pem, x509
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import OCSPFetchError
from pyhanko_certvalidator.fetchers import CRLFetcher, FetcherBackend, Fetchers, OCSPFetcher

from tsa.fetchers import embedded_fetcher_backend
from tsa.pki import Pki
from tsa.services import PkiServices
from verify.revocation_cache import CachingFetcherBackend, RevocationCache


class _CountingOCSP(OCSPFetcher):
    def __init__(self, inner: OCSPFetcher, owner: _Counting) -> None:
        self._inner, self._owner = inner, owner

    async def fetch(self, cert: Any, authority: Any) -> Any:
        self._owner.calls["ocsp"] += 1
        if self._owner.fail_next_ocsp:
            self._owner.fail_next_ocsp = False
            raise OCSPFetchError("responder unreachable")
        return await self._inner.fetch(cert, authority)


class _CountingCRL(CRLFetcher):
    def __init__(self, inner: CRLFetcher, owner: _Counting) -> None:
        self._inner, self._owner = inner, owner

    async def fetch(self, cert: Any, *, use_deltas: Any = None) -> Iterable[Any]:
        self._owner.calls["crl"] += 1
        return await self._inner.fetch(cert, use_deltas=use_deltas)


class _Counting(FetcherBackend):  # type: ignore[misc]
    """The embedded PKI's fetchers, counting the fetches that reach them."""

    def __init__(self, services: PkiServices) -> None:
        self._inner = embedded_fetcher_backend(services)
        self.calls: Counter[str] = Counter()
        self.fail_next_ocsp = False

    def get_fetchers(self) -> Fetchers:
        fetchers = self._inner.get_fetchers()
        return Fetchers(ocsp_fetcher=_CountingOCSP(fetchers.ocsp_fetcher, self),
                        crl_fetcher=_CountingCRL(fetchers.crl_fetcher, self),
                        cert_fetcher=fetchers.cert_fetcher)


class _Clock:
    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


def _cert(path: Path) -> x509.Certificate:
    _, _, der = pem.unarmor(path.read_bytes())
    return x509.Certificate.load(der)


def _validate(pki: Pki, backend: FetcherBackend) -> ValidationContext:
    """Validate the staff signer (OCSP) and its CA (CRL) in a fresh context, as signing does."""
    context = ValidationContext(
        trust_roots=[_cert(pki.path("root.pem"))], other_certs=[_cert(pki.path("ca.pem"))],
        allow_fetching=True, fetcher_backend=backend, revocation_mode="require")
    validator = CertificateValidator(_cert(pki.signers["staff"].cert),
                                     validation_context=context)
    asyncio.run(validator.async_validate_usage(set()))
    return context


@pytest.fixture
def counting(pki_services: PkiServices) -> _Counting:
    return _Counting(pki_services)


def test_later_contexts_get_the_fetched_data_without_fetching(pki: Pki,
                                                              counting: _Counting) -> None:
    cache = RevocationCache()
    first = _validate(pki, CachingFetcherBackend(counting, cache))
    second = _validate(pki, CachingFetcherBackend(counting, cache))
    assert counting.calls == Counter(ocsp=1, crl=1)
    assert cache.hits >= 2
    # each context still sees what it was served (this is what goes into a DSS)
    for context in (first, second):
        assert len(context.ocsps) == 1
        assert len(context.crls) >= 1
    assert first.ocsps[0].dump() == second.ocsps[0].dump()


def _fetches_over(pki: Pki, counting: _Counting, *, max_age: dt.timedelta,
                  steps: list[dt.timedelta]) -> list[Counter[str]]:
    """Validate once, then again after each step of the cache's clock; the fetches that
    reached the responders after each validation."""
    clock = _Clock()
    cache = RevocationCache(max_age=max_age, clock=clock)
    seen = []
    for step in [dt.timedelta(0), *steps]:
        clock.now += step
        _validate(pki, CachingFetcherBackend(counting, cache))
        seen.append(Counter(counting.calls))
    return seen


def test_nothing_is_kept_past_max_age(pki: Pki, counting: _Counting) -> None:
    seen = _fetches_over(pki, counting, max_age=dt.timedelta(minutes=10),
                         steps=[dt.timedelta(minutes=9), dt.timedelta(minutes=2)])
    assert seen[1] == Counter(ocsp=1, crl=1)
    assert seen[2] == Counter(ocsp=2, crl=2)


def test_nothing_is_kept_past_next_update(pki: Pki, counting: _Counting) -> None:
    """The test PKI's responses are valid for a day; a week-long max_age does not stretch that."""
    seen = _fetches_over(pki, counting, max_age=dt.timedelta(days=7),
                         steps=[dt.timedelta(hours=23), dt.timedelta(hours=2)])
    assert seen[1]["ocsp"] == 1
    assert seen[2]["ocsp"] == 2


def test_a_failed_fetch_is_not_kept(pki: Pki, counting: _Counting) -> None:
    cache = RevocationCache()
    counting.fail_next_ocsp = True
    _validate(pki, CachingFetcherBackend(counting, cache))  # the CA's CRL covers the signer
    assert counting.calls["ocsp"] == 1
    _validate(pki, CachingFetcherBackend(counting, cache))  # asks again, and succeeds
    assert counting.calls["ocsp"] == 2
    _validate(pki, CachingFetcherBackend(counting, cache))
    assert counting.calls["ocsp"] == 2


def test_a_pickled_cache_arrives_empty(pki: Pki, counting: _Counting) -> None:
    cache = RevocationCache(max_age=dt.timedelta(minutes=3))
    _validate(pki, CachingFetcherBackend(counting, cache))
    assert len(cache) == 2
    copy = pickle.loads(pickle.dumps(cache))
    assert isinstance(copy, RevocationCache)
    assert len(copy) == 0
    assert copy.max_age == dt.timedelta(minutes=3)
