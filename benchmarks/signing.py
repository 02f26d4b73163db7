"""Figures ``sign_es_t_ms``, ``sign_es_a_ms``, ``es_a_size_kb`` and ``renew_ms``: signing one
rendered certificate with the parsed-key signer and the in-process TSA, warm, and renewing
the ES-A (a new archive time-stamp, :func:`pdfsign.renewal.renew_pdf`) with the same services.

The signer and the signing services are built once, as every product path does; the first
signature of each level is the unmeasured warm-up (it sizes the signature container and
fetches pyHanko's sample time-stamp token).  ``tsa_token_ms`` is one time-stamp token from
the embedded authority through pyHanko's client, the unit both levels pay once or twice.
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime

from benchmarks.measure import time_calls
from benchmarks.results import Results
from benchmarks.workbench import PIN, Workbench
from pdfsign.renewal import renew_pdf
from pdfsign.signing import Level, SigningServices, load_signer, sign_pdf, signing_services

__all__ = ["measure_signing"]


def _token(services: SigningServices, index: list[int]) -> object:
    """One time-stamp token over a fresh digest (the TSA signs every request anew)."""
    index[0] += 1
    digest = hashlib.sha256(index[0].to_bytes(8, "big")).digest()
    return asyncio.run(services.timestamper.async_timestamp(digest, "sha256"))


def measure_signing(bench: Workbench, results: Results, pdf: bytes, *, repeats: int,
                    at: datetime) -> bytes:
    """Record the signing figures over ``pdf`` (an unsigned one-page certificate).

    :param at: the signing time claimed in the signatures.
    :return: the last ES-A document signed.
    """
    signer = load_signer(bench.signer_p12, PIN)
    services = signing_services(pki_dir=bench.pki_dir, state_dir=bench.folder("sign-tsa"),
                                tsa_url=None)

    def sign(level: Level) -> bytes:
        return sign_pdf(pdf, signer=signer, level=level, timestamper=services.timestamper,
                        validation_context_factory=services.validation_context, at=at)

    es_t, _ = time_calls(lambda: sign(Level.ES_T), repeats=repeats, warmup=2)
    results.record("sign_es_t_ms", es_t.median, summary=es_t)
    es_a, signed = time_calls(lambda: sign(Level.ES_A), repeats=repeats, warmup=2)
    results.record("sign_es_a_ms", es_a.median, summary=es_a)
    results.record("es_a_size_kb", len(signed) / 1024,
                   note=f"{len(signed)} bytes, unsigned {len(pdf)} bytes")
    _measure_renewal(results, signed, services, repeats=repeats)
    counter = [0]
    token, _ = time_calls(lambda: _token(services, counter), repeats=repeats, warmup=2)
    results.record("tsa_token_ms", token.median, summary=token,
                   note="embedded TSA through pyHanko's client")
    return signed


def _measure_renewal(results: Results, es_a: bytes, services: SigningServices, *,
                     repeats: int) -> None:
    """``renew_ms``: renew the same ES-A again and again (each run starts from ``es_a``).

    The warm-up renewals may wait up to a second for a CRL issued after the file's
    document time-stamp (the bundled CRLs are re-signed once a second); later runs reuse
    it from the revocation cache, as a batch renewal does.
    """
    renewal, renewed = time_calls(lambda: renew_pdf(es_a, services=services),
                                  repeats=repeats, warmup=2)
    results.record("renew_ms", renewal.median, summary=renewal,
                   note=f"{len(renewed) - len(es_a)} bytes added")
