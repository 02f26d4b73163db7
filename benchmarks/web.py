"""Figure ``web_issue_ms``: from the PIN's submit to the issued page, one guarantee, in the web UI.

A real ``pdfsign web serve`` stack (waitress on 127.0.0.1, the app over a fresh home) and a
plain HTTP client: each repeat fills the form and opens its preview unmeasured, then times
the POST of the PIN and the redirect to the file page.  The baseline, measured in the same
run, is the same issue without the web: :func:`pdfsign.issuing.issue` with a warm issuer
(``web_issue_core_ms``); ``web_issue_overhead`` is their ratio.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from benchmarks.issuing import open_registry
from benchmarks.measure import Summary
from benchmarks.results import Results
from benchmarks.workbench import PIN, SIGNER, Workbench
from pdfsign.accounts import Role, add_user
from pdfsign.config import Settings
from pdfsign.issuing import Issuer, issue
from webui import create_app
from webui.issue.forms import values_from_data
from webui.serving import ServerThread

__all__ = ["measure_web_issue"]

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_PASSWORD = "Bench2026pw"


def _submit(http: requests.Session, url: str, fields: dict[str, str]) -> requests.Response:
    """POST the form at ``url`` with its CSRF token, following the redirect."""
    found = _TOKEN.search(http.get(url, timeout=30).text)
    if found is None:
        raise RuntimeError(f"no form at {url}")
    answer = http.post(url, data={"csrf_token": found.group(1), **fields}, timeout=60)
    answer.raise_for_status()
    return answer


def _signed_in(base: str, initial: str) -> requests.Session:
    http = requests.Session()
    _submit(http, f"{base}/login", {"user_id": "bench01", "password": initial})
    _submit(http, f"{base}/password", {"current_password": initial,
                                       "new_password": _PASSWORD,
                                       "confirm_password": _PASSWORD})
    return http


def _web_samples(bench: Workbench, home: Path, *, repeats: int, at: datetime) -> list[float]:
    app = create_app(Settings.load(home=home, env={}))
    registry = app.extensions["pdfsign"].registry
    initial = add_user(registry, "bench01", role=Role.ISSUER, name="計測", actor="bench",
                       at=at).initial_password
    samples = []
    with ServerThread(app) as server:
        http = _signed_in(server.url, initial)
        for index in range(repeats + 1):  # the first one warms the signer and fonts
            values = values_from_data(bench.guarantee(index)) | {"action": "preview"}
            preview = _submit(http, f"{server.url}/issue/guarantee", values).url
            start = time.perf_counter()
            issued = _submit(http, preview, {"pin": PIN, "signer": SIGNER})
            elapsed = (time.perf_counter() - start) * 1000
            if "/files/" not in issued.url:
                raise RuntimeError(f"the PIN's submit ended at {issued.url}")
            if index:
                samples.append(elapsed)
    return samples


def _core_samples(bench: Workbench, home: Path, *, repeats: int, at: datetime) -> list[float]:
    settings = Settings.load(home=home, env={}, signer=SIGNER, pin=PIN, actor="bench")
    issuer = Issuer.open(settings)
    samples = []
    for index in range(repeats + 1):
        data: dict[str, Any] = bench.guarantee(10_000 + index)
        start = time.perf_counter()
        issue(issuer, data, at=at + timedelta(seconds=index))
        if index:
            samples.append((time.perf_counter() - start) * 1000)
    return samples


def measure_web_issue(bench: Workbench, results: Results, *, repeats: int,
                      at: datetime) -> None:
    """Record ``web_issue_ms``, its in-process baseline and their ratio."""
    home = bench.folder("web-issue")
    open_registry(home, at=at)
    web = Summary.of(_web_samples(bench, home, repeats=repeats, at=at))
    core = Summary.of(_core_samples(bench, home, repeats=repeats, at=at))
    results.record("web_issue_ms", web.median, summary=web,
                   note="PIN POST + redirect to the file page, waitress on 127.0.0.1")
    results.record("web_issue_core_ms", core.median, summary=core,
                   note="pdfsign.issuing.issue, warm issuer, same machine and run")
    results.record("web_issue_overhead", web.median / core.median,
                   note="web_issue_ms / web_issue_core_ms")
