"""Figures ``tsa_responses_per_s`` and ``tsa_p99_ms``: the HTTP TSA under concurrent clients.

Real clients: each thread has its own ``requests.Session`` (keep-alive) and posts real DER
``TimeStampReq`` messages (SHA-256 imprint, nonce, certReq) to ``/tsa`` on 127.0.0.1; every
answer is parsed and must be ``granted`` with the nonce echoed, or it does not count.  The
load is bounded both in requests and in seconds.  The server is ``pdfsign tsa serve`` in its
own process (:mod:`benchmarks.servers`), so the clients' interpreter lock is not the server's.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests
from asn1crypto import algos, tsp

__all__ = ["LoadResult", "run_load", "timestamp_request"]

_TSQ = {"Content-Type": "application/timestamp-query"}


def timestamp_request(data: bytes, *, nonce: int) -> bytes:
    """A DER RFC 3161 ``TimeStampReq`` for ``data``: SHA-256 imprint, ``nonce``, certReq."""
    request = tsp.TimeStampReq({
        "version": "v1",
        "message_imprint": tsp.MessageImprint({
            "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
            "hashed_message": hashlib.sha256(data).digest(),
        }),
        "nonce": nonce,
        "cert_req": True,
    })
    der: bytes = request.dump()
    return der


def _granted(body: bytes, nonce: int) -> bool:
    """Whether ``body`` is a granted TimeStampResp whose token echoes ``nonce``."""
    try:
        response = tsp.TimeStampResp.load(body)
        if response["status"]["status"].native not in ("granted", "granted_with_mods"):
            return False
        info = response["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed
        return bool(info["nonce"].native == nonce)
    except (ValueError, KeyError, TypeError):
        return False


@dataclass(frozen=True)
class LoadResult:
    """What the load test saw."""

    #: Latency of each granted response, in milliseconds.
    latencies_ms: tuple[float, ...]
    #: Responses that were not a granted token with our nonce, or failed in transport.
    failures: int
    #: Seconds from the first request to the last answer.
    seconds: float

    @property
    def per_second(self) -> float:
        """Granted responses per second."""
        return len(self.latencies_ms) / self.seconds


class _Budget:
    """A shared cap on requests and time for all client threads."""

    def __init__(self, requests_max: int, seconds_max: float) -> None:
        self._left = requests_max
        self._deadline = time.monotonic() + seconds_max
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self._left <= 0 or time.monotonic() >= self._deadline:
                return False
            self._left -= 1
            return True


def _client(url: str, budget: _Budget) -> tuple[list[float], int]:
    latencies: list[float] = []
    failures = 0
    with requests.Session() as session:
        while budget.take():
            nonce = int.from_bytes(os.urandom(8), "big")
            body = timestamp_request(os.urandom(32), nonce=nonce)
            start = time.perf_counter()
            try:
                answer = session.post(url, data=body, headers=_TSQ, timeout=10)
                ok = answer.status_code == 200 and _granted(answer.content, nonce)
            except requests.RequestException:
                ok = False
            elapsed = (time.perf_counter() - start) * 1000
            if ok:
                latencies.append(elapsed)
            else:
                failures += 1
    return latencies, failures


def run_load(url: str, *, clients: int, max_requests: int, max_seconds: float) -> LoadResult:
    """Post time-stamp requests to ``url`` from ``clients`` threads until a bound is hit.

    :param url: the TSA endpoint, e.g. ``http://127.0.0.1:40123/tsa`` (loopback only).
    :param max_requests: total requests over all clients.
    :param max_seconds: stop starting requests after this long.
    :raises ValueError: for a URL that is not on 127.0.0.1.
    """
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"the load test only targets 127.0.0.1, not {url!r}")
    budget = _Budget(max_requests, max_seconds)
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        outcomes = list(pool.map(lambda _i: _client(url, budget), range(clients)))
    seconds = time.perf_counter() - start
    latencies = tuple(x for lat, _ in outcomes for x in lat)
    return LoadResult(latencies_ms=latencies, failures=sum(f for _, f in outcomes),
                      seconds=seconds)
