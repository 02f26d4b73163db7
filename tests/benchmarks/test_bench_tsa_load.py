"""benchmarks.tsa_load against the real TSA over HTTP on 127.0.0.1 (the ``tsa_server`` fixture)."""

from __future__ import annotations

import pytest
from asn1crypto import tsp

from benchmarks.tsa_load import run_load, timestamp_request


def test_request_is_a_sha256_timestamp_query_with_nonce_and_cert_req() -> None:
    request = tsp.TimeStampReq.load(timestamp_request(b"data", nonce=12345))
    assert request["message_imprint"]["hash_algorithm"]["algorithm"].native == "sha256"
    assert len(request["message_imprint"]["hashed_message"].native) == 32
    assert request["nonce"].native == 12345
    assert request["cert_req"].native is True


def test_load_counts_each_granted_token_within_the_request_bound(tsa_server: str) -> None:
    seen = run_load(f"{tsa_server}/tsa", clients=3, max_requests=25, max_seconds=60)
    assert len(seen.latencies_ms) == 25
    assert seen.failures == 0
    assert all(latency > 0 for latency in seen.latencies_ms)
    assert seen.per_second > 0


def test_answers_that_are_not_tokens_count_as_failures(tsa_server: str) -> None:
    seen = run_load(f"{tsa_server}/ocsp", clients=2, max_requests=6, max_seconds=60)
    assert seen.latencies_ms == ()
    assert seen.failures == 6


def test_the_time_bound_stops_new_requests(tsa_server: str) -> None:
    seen = run_load(f"{tsa_server}/tsa", clients=2, max_requests=10_000, max_seconds=0)
    assert seen.latencies_ms == ()
    assert seen.failures == 0


@pytest.mark.parametrize("url", ["http://localhost:3161/tsa", "http://tsa.example.invalid:3161/tsa",
                                 "https://127.0.0.1:3161/tsa"])
def test_only_loopback_is_loaded(url: str) -> None:
    with pytest.raises(ValueError, match=r"127\.0\.0\.1"):
        run_load(url, clients=1, max_requests=1, max_seconds=1)
