"""The web app served for real on 127.0.0.1, for the browser tests.

``with LiveServer(app) as server: page.goto(server.url + "/login")`` — waitress in a
background thread on a port the OS chooses, with the body limit ``pdfsign web serve`` sets;
``stop()`` closes every socket and joins the threads, as :class:`tsa.http.ServerThread`
does for the TSA.  Cheap enough to start one per test.
"""

from __future__ import annotations

import threading
from typing import Any

import waitress
from flask import Flask
from waitress import wasyncore

__all__ = ["LiveServer"]


class LiveServer:
    """A Flask app under waitress on 127.0.0.1, served from a background thread."""

    def __init__(self, app: Flask, *, threads: int = 4) -> None:
        """:param threads: waitress worker threads (a page and its stylesheet and font at once)."""
        self._map: dict[int, Any] = {}
        self._server = waitress.create_server(
            app, map=self._map, host="127.0.0.1", port=0, threads=threads, ident="pdfsign",
            max_request_body_size=app.config["MAX_CONTENT_LENGTH"])
        self._thread = threading.Thread(target=self._server.run, name="pdfsign-web-live",
                                        daemon=True)
        #: The base URL, e.g. ``http://127.0.0.1:40123``.
        self.url = f"http://127.0.0.1:{self._server.effective_port}"

    def start(self) -> LiveServer:
        """Start serving (the socket already listens, so early requests queue until then)."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close every socket, stop the worker threads and wait for the loop to end."""
        self._server.task_dispatcher.shutdown()
        wasyncore.close_all(self._map)
        self._thread.join(timeout=10)
        assert not self._thread.is_alive(), "the live server did not stop"

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
