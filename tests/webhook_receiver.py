"""A webhook receiver for the tests: a real HTTP server on 127.0.0.1 that records every request.

Each path answers from its own script (:meth:`Receiver.answer`: ``500, 200`` answers 500 to
the first request and 200 to every later one) and can be made slow (:meth:`Receiver.delay`).
It checks nothing itself: the tests verify the signatures with the secret, as a receiver would.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    """One request as it arrived."""

    path: str
    headers: dict[str, str]
    body: bytes

    def signature_valid(self, secret: str) -> bool:
        """Whether ``X-Pdfsign-Signature`` is HMAC-SHA256(secret, "t.body"), Stripe's way."""
        parts = dict(item.split("=", 1) for item in self.headers["X-Pdfsign-Signature"].split(","))
        expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + self.body,
                            hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, parts["v1"])

    @property
    def signed_at(self) -> int:
        """The ``t=`` of the signature (unix seconds)."""
        return int(self.headers["X-Pdfsign-Signature"].split(",")[0].removeprefix("t="))


class Receiver:
    """A started ThreadingHTTPServer on a free loopback port."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._received: list[Received] = []
        self._scripts: dict[str, list[int]] = {}
        self._delays: dict[str, float] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str = "/hook") -> str:
        """The URL of ``path`` on this server."""
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def answer(self, path: str, *statuses: int) -> None:
        """Answer ``path``'s next requests with ``statuses`` in turn, the last one from then on."""
        with self._lock:
            self._scripts[path] = list(statuses)

    def delay(self, path: str, seconds: float) -> None:
        """Hold each answer on ``path`` this long."""
        self._delays[path] = seconds

    def received(self, path: str | None = None) -> list[Received]:
        """The requests so far (to ``path``), in arrival order."""
        with self._lock:
            return [r for r in self._received if path is None or r.path == path]

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()

    def _next_status(self, path: str) -> int:
        with self._lock:
            script = self._scripts.get(path, [200])
            return script.pop(0) if len(script) > 1 else script[0]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver._lock:
                    receiver._received.append(Received(self.path, dict(self.headers), body))
                time.sleep(receiver._delays.get(self.path, 0))
                status = receiver._next_status(self.path)
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                """Quiet."""

        return Handler
