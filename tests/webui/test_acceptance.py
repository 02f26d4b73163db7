"""Issue 13's acceptance, as a script would do it: only the documented CLI and the forms.

``pdfsign user add`` makes the first administrator; ``pdfsign web serve`` (a real waitress
process on 127.0.0.1) serves the app; a plain HTTP client (requests) reads each form's CSRF
token and posts it like a browser without JavaScript.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

PDFSIGN = str(Path(sys.executable).with_name("pdfsign"))
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(home: Path) -> Iterator[str]:
    """``pdfsign web serve`` on a free loopback port; yields the base URL."""
    port = _free_port()
    env = {**os.environ, "PDFSIGN_HOME": str(home)}
    server = subprocess.Popen([PDFSIGN, "web", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            pytest.fail("pdfsign web serve did not start")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def _cli(home: Path, *args: str) -> dict[str, str]:
    done = subprocess.run([PDFSIGN, *args, "--home", str(home), "--json"], check=True,
                          capture_output=True, text=True)
    result: dict[str, str] = json.loads(done.stdout)
    return result


def _submit(http: requests.Session, url: str, fields: dict[str, str],
            files: dict[str, tuple[str, bytes]] | None = None) -> requests.Response:
    """GET the form at ``url``, then POST it back with its CSRF token (no redirects)."""
    token = _TOKEN.search(http.get(url, timeout=10).text)
    assert token, url
    return http.post(url, data={"csrf_token": token.group(1), **fields}, files=files,
                     allow_redirects=False, timeout=60)


def test_an_http_client_with_the_cli_and_forms_does_it_all(home: Path, served: str,
                                                           signed_pdf: bytes) -> None:
    admin = _cli(home, "user", "add", "admin01", "--role", "admin", "--name", "管理 太郎")
    assert set(admin) == {"user_id", "initial_password"}

    http = requests.Session()
    first = _submit(http, f"{served}/login", {"user_id": "admin01",
                                              "password": admin["initial_password"]})
    assert (first.status_code, first.headers["Location"]) == (302, "/password")
    changed = _submit(http, f"{served}/password", {
        "current_password": admin["initial_password"], "new_password": "Admin2026x",
        "confirm_password": "Admin2026x"})
    assert changed.status_code == 302
    created = _submit(http, f"{served}/admin/users", {"user_id": "auditor01",
                                                      "role": "auditor", "name": "監査 花子"})
    assert created.status_code == 201
    initial = re.search(r'id="initial-password">([^<]+)<', created.text).group(1)

    auditor = requests.Session()
    _submit(auditor, f"{served}/login", {"user_id": "auditor01", "password": initial})
    _submit(auditor, f"{served}/password", {"current_password": initial,
                                            "new_password": "Audit2026x",
                                            "confirm_password": "Audit2026x"})
    report = _submit(auditor, f"{served}/verify", {},
                     files={"files": ("guarantee.pdf", signed_pdf)})
    assert report.status_code == 200
    assert 'data-verdicts="valid"' in report.text
    assert auditor.get(f"{served}/admin/users", timeout=10).status_code == 403

    stranger = requests.Session()
    answers = [_submit(stranger, f"{served}/login", {"user_id": "auditor01",
                                                     "password": "Wrong2026x"})
               for _ in range(5)]
    assert [a.status_code for a in answers] == [401, 401, 401, 401, 423]
    assert "ロックされています" in answers[-1].text
    locked_out = _submit(requests.Session(), f"{served}/login",
                         {"user_id": "auditor01", "password": "Audit2026x"})
    assert locked_out.status_code == 423



def test_an_oversized_body_is_refused_before_it_is_sent(served: str) -> None:
    """waitress answers 413 from the Content-Length alone: not one byte of the body is read."""
    host, port = served.removeprefix("http://").split(":")
    declared = 10 * 20 * 1024 * 1024 + 2 * 1024 * 1024  # over 10 files of 20 MB and the slack
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        raw.sendall(f"POST /verify HTTP/1.1\r\nHost: {host}\r\nContent-Type: multipart/form-data;"
                    f" boundary=x\r\nContent-Length: {declared}\r\n\r\n".encode())
        answer = raw.recv(4096).decode("latin-1")
    assert answer.startswith("HTTP/1.1 413")
    assert "Traceback" not in answer
