"""The HTTP TSA under load: 50 concurrent clients, good and bad requests mixed, a few seconds.

``pdfsign tsa serve --port 0`` runs in its own process (as in production, and so its RSS is
its own).  Every good request must get a granted token that stamps its imprint and nonce and
whose signature verifies (all of them with cryptography, a sample with pyHanko and with
``openssl ts -verify``); serials stay unique; bad requests get 4xx or a rejection, never 500;
and the server's memory after the last round is within a bound of its memory after the
first, which a per-request leak over thousands of requests would break.  The rounds are
bounded by time and by a request count; nothing asserts on how long anything took.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from asn1crypto import algos, tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko_certvalidator import ValidationContext

from tsa.authority import TimeStampResponse
from tsa.pki import Pki

CLIENTS = 50
ROUND_SECONDS = 2.0
ROUNDS = 3
MAX_PER_CLIENT = 400  # a second bound: a fast machine still sends a bounded number
#: RSS growth allowed from the end of the first round to the end of the last (waitress
#: buffers and thread stacks settle in the first round).
RSS_GROWTH_LIMIT = 24 * 1024 * 1024
_TSQ = {"Content-Type": "application/timestamp-query"}


@dataclass
class _Seen:
    """What the clients sent and got, shared under a lock."""

    granted: list[tuple[bytes, int, bytes]] = field(default_factory=list)
    """(digest, nonce, reply) of each good request."""
    bad_statuses: dict[str, set[int]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _good(rng: random.Random) -> tuple[bytes, int, bytes]:
    digest = hashlib.sha256(rng.randbytes(32)).digest()
    nonce = rng.getrandbits(63)
    body = tsp.TimeStampReq({
        "version": "v1", "nonce": nonce, "cert_req": True,
        "message_imprint": {"hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                            "hashed_message": digest}}).dump()
    return digest, nonce, body


def _bad(rng: random.Random, good_body: bytes) -> tuple[str, str, bytes, dict[str, str]]:
    """(kind, method, body, headers) of one bad request."""
    kind = rng.choice(["flipped", "random", "truncated", "empty", "content-type", "oversized",
                       "get", "sha1"])
    body = bytearray(good_body)
    if kind == "flipped":
        for _ in range(rng.randint(1, 3)):
            body[rng.randrange(len(body))] = rng.randrange(256)
    elif kind == "random":
        body = bytearray(rng.randbytes(rng.randint(1, 300)))
    elif kind == "truncated":
        del body[rng.randrange(len(body)):]
    elif kind == "empty":
        body = bytearray()
    elif kind == "oversized":
        body += bytes(70 * 1024)
    elif kind == "sha1":
        body = bytearray(good_body.replace(bytes.fromhex("0609608648016503040201"),
                                           bytes.fromhex("06052b0e03021a"), 1))
    headers = {"Content-Type": "text/plain"} if kind == "content-type" else _TSQ
    return kind, "GET" if kind == "get" else "POST", bytes(body), headers


def _client(url: str, seed: int, until: float, seen: _Seen) -> None:
    rng = random.Random(seed)
    with requests.Session() as session:
        for _ in range(MAX_PER_CLIENT):
            if time.monotonic() >= until:
                return
            digest, nonce, body = _good(rng)
            if rng.random() < 0.5:
                reply = session.post(url, data=body, headers=_TSQ, timeout=30)
                assert reply.status_code == 200, reply.text
                with seen.lock:
                    seen.granted.append((digest, nonce, reply.content))
                continue
            kind, method, bad, headers = _bad(rng, body)
            with seen.lock:
                seen.bad_statuses.setdefault(kind, set()).add(
                    _refused(session, method, url, bad, headers))


def _refused(session: requests.Session, method: str, url: str, body: bytes,
             headers: dict[str, str]) -> int:
    """The HTTP status of a bad request, or 0 when the server closed the connection instead.

    waitress answers a body over its limit with 413 and closes at once, so a client still
    sending may see the connection go first: that too is a refusal, and a new connection
    is used for it so that the session's kept-alive one is not the one lost.
    """
    if len(body) <= 64 * 1024:
        return session.request(method, url, data=body, headers=headers, timeout=30).status_code
    try:
        return requests.request(method, url, data=body, headers=headers, timeout=30).status_code
    except requests.ConnectionError:
        return 0


def _rss(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    assert match is not None
    return int(match.group(1)) * 1024


@pytest.fixture(scope="module")
def served(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """``pdfsign tsa serve --port 0`` on 127.0.0.1 in a subprocess: (TSA URL, its pid)."""
    state = tmp_path_factory.mktemp("load-tsa-state")
    command = [str(Path(sys.executable).parent / "pdfsign"), "tsa", "serve", "--port", "0",
               "--threads", "8", "--pki", str(pki.directory), "--state-dir", str(state)]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        assert match is not None, f"pdfsign tsa serve said: {line!r}"
        yield f"http://127.0.0.1:{match.group(1)}/tsa", process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def load_run(served: tuple[str, int]) -> tuple[_Seen, list[int]]:
    """Run the rounds; the clients' findings and the server's RSS after each round."""
    url, pid = served
    seen = _Seen()
    rss = []
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        for round_no in range(ROUNDS):
            until = time.monotonic() + ROUND_SECONDS
            futures = [pool.submit(_client, url, round_no * 1000 + n, until, seen)
                       for n in range(CLIENTS)]
            for future in futures:
                future.result()  # re-raises a client's failed assertion
            rss.append(_rss(pid))
    return seen, rss


def _tst_info(reply: bytes) -> tuple[Any, Any]:
    response = TimeStampResponse.load(reply)
    assert response["status"]["status"].native == "granted"
    token = response["time_stamp_token"]
    return token, token["content"]["encap_content_info"]["content"].parsed


def test_every_good_request_gets_its_own_valid_token(load_run: tuple[_Seen, list[int]],
                                                     pki: Pki) -> None:
    seen, _ = load_run
    assert len(seen.granted) >= CLIENTS  # every client got through at least once
    tsa_key = pki.certificate("tsa").public_key()
    serials = set()
    for digest, nonce, reply in seen.granted:
        token, info = _tst_info(reply)
        assert info["message_imprint"]["hashed_message"].native == digest
        assert info["nonce"].native == nonce
        serials.add(info["serial_number"].native)
        signer = token["content"]["signer_infos"][0]
        attrs = {a["type"].native: a["values"][0].native for a in signer["signed_attrs"]}
        assert attrs["message_digest"] == hashlib.sha256(info.dump()).digest()
        # RFC 5652 §5.4: the signature is over the attributes as a SET OF, not as [0]
        signed = b"\x31" + signer["signed_attrs"].dump()[1:]
        tsa_key.verify(signer["signature"].native, signed,  # type: ignore[union-attr,call-arg]
                       padding.PKCS1v15(), hashes.SHA256())  # type: ignore[arg-type]
    assert len(serials) == len(seen.granted), "a serial number was issued twice"


def test_a_sample_of_tokens_verifies_with_pyhanko_and_openssl(
        load_run: tuple[_Seen, list[int]], pki: Pki, asn1_cert: Any, tmp_path: Path) -> None:
    seen, _ = load_run
    sample = random.Random(5).sample(seen.granted, 8)
    context = ValidationContext(trust_roots=[asn1_cert(pki.path("root.pem"))],
                                allow_fetching=False, revocation_mode="soft-fail")
    for n, (digest, _, reply) in enumerate(sample):
        token, _ = _tst_info(reply)
        status = asyncio.run(validate_tst_signed_data(token["content"], context,
                                                      lambda _, d=digest: d))
        assert (status["intact"], status["valid"]) == (True, True)
        assert status.get("trust_problem_indic") is None  # a path to the test root
        (tmp_path / f"{n}.tsr").write_bytes(reply)
        verified = subprocess.run(
            ["openssl", "ts", "-verify", "-digest", digest.hex(), "-in", str(tmp_path / f"{n}.tsr"),
             "-CAfile", str(pki.path("root.pem")), "-untrusted", str(pki.path("tsa.pem"))],
            capture_output=True, text=True, check=False)
        assert "Verification: OK" in verified.stdout + verified.stderr


def test_bad_requests_get_protocol_or_http_refusals(load_run: tuple[_Seen, list[int]]) -> None:
    seen, _ = load_run
    statuses = seen.bad_statuses
    assert all(500 not in codes for codes in statuses.values()), statuses
    assert statuses.get("content-type", {415}) == {415}
    assert statuses.get("oversized", {413}) <= {413, 0}  # 0: closed without reading it
    assert statuses.get("get", {405}) == {405}
    for kind in ("flipped", "random", "truncated", "empty", "sha1"):
        assert statuses.get(kind, {200}) == {200}  # a TimeStampResp, granted or rejected


def test_server_memory_stays_flat(load_run: tuple[_Seen, list[int]]) -> None:
    seen, rss = load_run
    assert len(seen.granted) >= 4 * CLIENTS, "too little traffic to say anything about memory"
    assert rss[-1] - rss[0] <= RSS_GROWTH_LIMIT, [f"{r / 2**20:.1f} MiB" for r in rss]


def test_the_server_is_a_separate_loopback_process(served: tuple[str, int]) -> None:
    url, pid = served
    assert url.startswith("http://127.0.0.1:")
    assert pid != os.getpid()
    x509.load_der_x509_crl(requests.get(url.replace("/tsa", "/crl/ca.crl"), timeout=10).content)
