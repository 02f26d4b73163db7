"""Figures ``api_verify_per_s`` and ``api_download_per_s``: the JSON API's throughput.

A real stack: the app (``create_app``) served by waitress on 127.0.0.1, two client threads
with their own keep-alive connections and bearer tokens, for a fixed time each.  Verify
posts the run's ES-A document to ``POST /api/v1/verify`` (the full JSON report, the
installation's trust root, fetching allowed as ``pdfsign verify`` does); download reads
one stored ES-A with ``GET /api/v1/files/<id>.pdf``.  The baselines, measured in the same
run, are the same work in-process on one thread: :func:`verify.verify_pdf` and
:meth:`Registry.pdf`; ``api_verify_vs_core`` and ``api_download_vs_core`` are the ratios.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import requests

from benchmarks.issuing import open_registry
from benchmarks.results import Results
from benchmarks.workbench import Workbench
from pdfsign.accounts import Role, Scope, add_user, create_token
from pdfsign.config import Settings
from pdfsign.registry import NewFile, Registry
from verify import load_trust_settings, verify_pdf
from webui import create_app
from webui.serving import ServerThread

__all__ = ["measure_api"]

_CLIENTS = 2
_FILE_ID = "14_2345002_000000001_2026000001_000"


def _rate(call: Callable[[], None], *, threads: int, seconds: float) -> float:
    """Calls per second of ``call`` from ``threads`` threads, each busy for ``seconds``."""
    counts = [0] * threads

    def run(slot: int) -> None:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            call()
            counts[slot] += 1

    call()  # warm: connections, fonts, the first revocation fetch
    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(counts) / (time.perf_counter() - start)


def _client(url: str, token: str, method: str, **kwargs: object) -> Callable[[], None]:
    """One request a call on this thread's own keep-alive session; any non-200 stops the run."""
    local = threading.local()

    def call() -> None:
        if not hasattr(local, "http"):
            local.http = requests.Session()
            local.http.headers["Authorization"] = f"Bearer {token}"
        answer = local.http.request(method, url, timeout=60, **kwargs)
        if answer.status_code != 200:
            raise RuntimeError(f"{method} {url}: {answer.status_code} {answer.text[:200]}")
    return call


def _stored(registry: Registry, signed: bytes, at: datetime) -> None:
    new = NewFile(file_id=_FILE_ID, kind="guarantee", association_code="14",
                  bank_code="2345", branch_code="002", customer_number="000000001",
                  guarantee_number="2026000001", change_number="000", customer_name="計測",
                  guarantee_date=(at - timedelta(days=1)).date())
    registry.issue(new, lambda *_: signed, actor="bench", at=at)


def measure_api(bench: Workbench, results: Results, signed: bytes, *, seconds: float,
                at: datetime) -> None:
    """Record the API's verify and download rates, their in-process baselines and ratios.

    :param signed: an ES-A document (it must verify valid: a failure would be timed).
    """
    home = bench.folder("api")
    (home / "config.toml").write_text(f'trust = ["{bench.root_pem}"]\n', encoding="utf-8")
    registry = open_registry(home, at=at)
    _stored(registry, signed, at)
    add_user(registry, "bench01", role=Role.AUDITOR, name="計測", actor="bench", at=at)
    tokens = {scope: create_token(registry, "bench01", scope=scope, expires_days=1,
                                  actor="bench", at=at)[1] for scope in (Scope.VERIFY,
                                                                         Scope.READ)}
    trust = load_trust_settings(trust=[bench.root_pem])
    if verify_pdf(signed, path="es-a.pdf", settings=trust, at=at).verdict.value != "valid":
        raise RuntimeError("the ES-A document does not verify as valid")
    with ServerThread(create_app(Settings.load(home=home, env={}))) as server:
        verify_rate = _rate(_client(f"{server.url}/api/v1/verify", tokens[Scope.VERIFY],
                                    "POST", data=signed,
                                    headers={"Content-Type": "application/pdf"}),
                            threads=_CLIENTS, seconds=seconds)
        download_rate = _rate(_client(f"{server.url}/api/v1/files/{_FILE_ID}.pdf",
                                      tokens[Scope.READ], "GET"),
                              threads=_CLIENTS, seconds=seconds)
    core_verify = _rate(lambda: _ignore(verify_pdf(signed, path="es-a.pdf", settings=trust,
                                                   at=at)), threads=1, seconds=seconds)
    core_download = _rate(lambda: _ignore(registry.pdf(_FILE_ID)), threads=1, seconds=seconds)
    size = f"{len(signed) // 1024} KB ES-A"
    results.record("api_verify_per_s", verify_rate,
                   note=f"POST /api/v1/verify, {_CLIENTS} client threads, waitress, {size}")
    results.record("api_download_per_s", download_rate,
                   note=f"GET /api/v1/files/<id>.pdf, {_CLIENTS} client threads, {size}")
    results.record("api_verify_core_per_s", core_verify, note="verify.verify_pdf, one thread")
    results.record("api_download_core_per_s", core_download, note="Registry.pdf, one thread")
    results.record("api_verify_vs_core", verify_rate / core_verify,
                   note="api_verify_per_s / api_verify_core_per_s")
    results.record("api_download_vs_core", download_rate / core_download,
                   note="api_download_per_s / api_download_core_per_s")


def _ignore(_: object) -> None:
    """Drop a result: the rate counts calls."""
