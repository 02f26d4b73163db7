"""The web app under waitress: in the foreground (``pdfsign web serve``) or from a thread.

Both set waitress's body limit to the app's ``MAX_CONTENT_LENGTH``, so an upload over the
limit is refused from its ``Content-Length`` before a byte of it is read.
"""

from __future__ import annotations

import threading
from typing import Any

import waitress
from flask import Flask
from waitress import wasyncore
from waitress.server import BaseWSGIServer, MultiSocketServer

__all__ = ["ServerThread", "create_server"]


def create_server(app: Flask, *, host: str = "127.0.0.1", port: int = 8080, threads: int = 8,
                  socket_map: dict[int, Any] | None = None
                  ) -> BaseWSGIServer | MultiSocketServer:
    """A waitress server for ``app``, listening but not yet running (call ``run()``).

    :param port: 0 lets the OS choose (read ``server.effective_port``).
    """
    return waitress.create_server(app, map=socket_map, host=host, port=port, threads=threads,
                                  ident="pdfsign",
                                  max_request_body_size=app.config["MAX_CONTENT_LENGTH"])


class ServerThread:
    """``app`` served on 127.0.0.1 from a background thread (tests, benchmarks, demos).

    ``with ServerThread(app) as server: requests.get(server.url + "/healthz")``
    """

    def __init__(self, app: Flask, *, port: int = 0, threads: int = 4) -> None:
        """:param port: 0 (the default) lets the OS choose a free port."""
        self._map: dict[int, Any] = {}
        self._server = create_server(app, port=port, threads=threads, socket_map=self._map)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="pdfsign-web", daemon=True)
        #: The base URL, e.g. ``http://127.0.0.1:40123``.
        self.url = f"http://127.0.0.1:{self._server.effective_port}"

    def _serve(self) -> None:
        try:
            self._server.run()
        except OSError:  # stop() closed a socket under select(): the end, not a failure
            if not self._stopping.is_set():
                raise

    def start(self) -> ServerThread:
        """Start serving (the socket already listens, so early requests queue until then)."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close every socket, stop the worker threads and wait for the loop to end."""
        self._stopping.set()
        self._server.task_dispatcher.shutdown()
        wasyncore.close_all(self._map)
        self._thread.join(timeout=10)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
