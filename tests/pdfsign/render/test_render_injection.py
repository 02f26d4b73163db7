"""Injection attempts in field values render as text and cause no fetch at all.

A real HTTP server on 127.0.0.1 counts every request; the positive control shows that an
unsandboxed WeasyPrint would have hit it, so a zero count means something.
"""

from __future__ import annotations

import http.server
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import weasyprint
from render_samples import CREATED_AT, Rendered

from pdfsign.documents import GuaranteeCertificate, parse_document
from pdfsign.render import TEMPLATES_DIR, TemplateFetcher, render_pdf


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Answers every GET with a tiny stylesheet and records the path."""

    requests: list[str]

    def do_GET(self) -> None:
        self.requests.append(self.path)
        body = b"body { color: red }"
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server on an OS-chosen port: (base URL, list of requested paths)."""
    requests: list[str] = []
    handler = type("Handler", (_Recorder,), {"requests": requests})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", requests
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def _payloads(base: str) -> dict[str, str]:
    return {
        "debtor_name": '<img src="file:///etc/passwd">',
        "repayment_method": f'<img src="{base}/img.png">',
        "conditions": f'<link rel=stylesheet href="{base}/x.css">\n'
                      f'<style>@import url("{base}/y.css")</style>{{{{ 7*7 }}}}',
    }


def test_fields_render_as_literal_text_without_any_fetch(
        rendered: dict[str, Rendered], server: tuple[str, list[str]], tmp_path: Path) -> None:
    base, requests = server
    hostile = parse_document({**rendered["guarantee"].data, **_payloads(base)})
    assert isinstance(hostile, GuaranteeCertificate)
    path = tmp_path / "hostile.pdf"
    path.write_bytes(render_pdf(hostile, created_at=CREATED_AT))
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    assert '<img src="file:///etc/passwd">' in text
    assert f'<link rel=stylesheet href="{base}/x.css">' in text
    assert "{{ 7*7 }}" in text  # data is never evaluated as a template
    assert requests == []


def test_fetcher_alone_stops_markup_that_reaches_weasyprint(
        server: tuple[str, list[str]]) -> None:
    base, requests = server
    html = (f'<link rel=stylesheet href="{base}/x.css"><img src="{base}/i.png">'
            '<img src="file:///etc/passwd"><p>x</p>')
    weasyprint.HTML(string=html, base_url=TEMPLATES_DIR.as_uri() + "/",
                    url_fetcher=TemplateFetcher(TEMPLATES_DIR)).write_pdf()
    assert requests == []


def test_control_unsandboxed_weasyprint_does_fetch(server: tuple[str, list[str]]) -> None:
    base, requests = server
    weasyprint.HTML(string=f'<link rel=stylesheet href="{base}/x.css"><p>x</p>').write_pdf()
    assert requests == ["/x.css"]
