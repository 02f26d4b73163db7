"""The PKI services over HTTP: a small WSGI app (werkzeug) and a waitress server.

Routes (RFC 3161 §3.4, RFC 5280 §4.2.1.13, RFC 6960 appendix A):

=========================  ======  ===============================  ===============================
path                       method  request body                     response
=========================  ======  ===============================  ===============================
``/tsa``                   POST    ``application/timestamp-query``  ``application/timestamp-reply``
``/crl/<name>.crl``        GET     —                                ``application/pkix-crl``
``/ocsp``                  POST    ``application/ocsp-request``     ``application/ocsp-response``
``/ocsp/<base64 request>`` GET     —                                ``application/ocsp-response``
=========================  ======  ===============================  ===============================

Protocol refusals travel inside the protocol (a rejected TimeStampResp, an
OCSP malformedRequest) with status 200; HTTP statuses are for HTTP mistakes:
404 unknown path, 405 wrong method, 413 body over the limit, 415 wrong
content type.  Each view is a few lines over :class:`tsa.services.PkiServices`.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

import waitress
from waitress import wasyncore
from waitress.server import BaseWSGIServer, MultiSocketServer
from werkzeug.exceptions import HTTPException, InternalServerError, UnsupportedMediaType
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from tsa.client import Clock, utc_now
from tsa.errors import TsaError
from tsa.services import PkiServices

__all__ = ["MAX_BODY", "ServerThread", "create_app", "create_server", "serve"]

#: Largest request body accepted (413 above); real requests are a few hundred bytes.
MAX_BODY = 64 * 1024

_TSQ, _TSR = "application/timestamp-query", "application/timestamp-reply"
_OCSP_REQ, _OCSP_RESP = "application/ocsp-request", "application/ocsp-response"
_log = logging.getLogger(__name__)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_ROUTES = Map([
    Rule("/tsa", endpoint="tsa", methods=["POST"]),
    Rule("/crl/<name>.crl", endpoint="crl", methods=["GET"]),
    Rule("/ocsp", endpoint="ocsp_post", methods=["POST"]),
    Rule("/ocsp/<path:encoded>", endpoint="ocsp_get", methods=["GET"]),
], strict_slashes=False)


class _Views:
    """The four views; each turns a request into a call of one :class:`PkiServices` method."""

    def __init__(self, services: PkiServices, clock: Clock) -> None:
        self.services = services
        self.clock = clock

    def tsa(self, request: Request) -> Response:
        """RFC 3161 §3.4: a DER TimeStampReq in, a DER TimeStampResp out."""
        body = _body(request, _TSQ)
        return Response(self.services.timestamp(body, at=self.clock()), mimetype=_TSR)

    def crl(self, request: Request, name: str) -> Response:
        """The current CRL of CA ``name`` (404 for another name)."""
        if name not in self.services.crl_issuers:
            return _plain(404, f"no CRL called {name!r}")
        return Response(self.services.crl(name, at=self.clock()), mimetype="application/pkix-crl")

    def ocsp_post(self, request: Request) -> Response:
        """RFC 6960 A.1: a DER OCSPRequest in the body."""
        body = _body(request, _OCSP_REQ)
        return Response(self.services.ocsp(body, at=self.clock()), mimetype=_OCSP_RESP)

    def ocsp_get(self, request: Request, encoded: str) -> Response:
        """RFC 6960 A.1: the request base64-encoded (then URL-encoded) in the path.

        Bad base64 reaches the responder as an empty request, which answers
        malformedRequest as it would for any undecodable request.
        """
        try:
            der = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            der = b""
        return Response(self.services.ocsp(der, at=self.clock()), mimetype=_OCSP_RESP)


def _body(request: Request, mimetype: str) -> bytes:
    """The request body, after the content type and size checks (415, 413)."""
    if request.mimetype != mimetype:
        raise UnsupportedMediaType(f"expected Content-Type {mimetype}, got "
                                   f"{request.mimetype or 'none'}")
    return request.get_data(cache=False)  # raises 413 above max_content_length


def _plain(status: int, message: str) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")


def create_app(services: PkiServices, *, clock: Clock = utc_now,
               max_body: int = MAX_BODY) -> WsgiApp:
    """A WSGI app serving ``services`` (routes in the module docstring).

    :param clock: the time given to the services for each request.
    :param max_body: the largest request body accepted.
    """
    views = _Views(services, clock)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        request.max_content_length = max_body
        try:
            endpoint, args = _ROUTES.bind_to_environ(environ).match()
            response: Response = getattr(views, endpoint)(request, **args)
        except HTTPException as exc:  # 404, 405, 413, 415
            response = _plain(exc.code or 400, f"{exc.code} {exc.name}: {exc.description}")
            response.headers.update(
                {k: v for k, v in exc.get_headers(environ) if k.lower() == "allow"})
        except Exception:  # the front end's boundary: log it, answer 500, keep serving
            _log.exception("unexpected error serving %s %s", request.method, request.path)
            response = _plain(500, InternalServerError.description)
        return response(environ, start_response)

    return app


def create_server(services: PkiServices, *, host: str = "127.0.0.1", port: int = 3161,
                  threads: int = 8, clock: Clock = utc_now,
                  socket_map: dict[int, Any] | None = None) -> BaseWSGIServer | MultiSocketServer:
    """A waitress server for ``services``, not yet running (call ``run()``).

    :param host: a loopback address: the bundled services are for this machine; expose them
        to a network only through a reverse proxy that adds TLS and access control.
    :param port: the TCP port; 0 lets the OS choose (read ``server.effective_port``).
    :param socket_map: waitress's socket map, for a caller that stops the server itself.
    :raises TsaError: ``host`` is not a loopback address.
    """
    _require_loopback(host)
    return waitress.create_server(create_app(services, clock=clock), map=socket_map,
                                  host=host, port=port, threads=threads,
                                  max_request_body_size=MAX_BODY, ident="pdfsign-tsa")


def _require_loopback(host: str) -> None:
    """Refuse to listen anywhere but on loopback (127.0.0.0/8, ::1, localhost)."""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise TsaError("the bundled TSA listens on loopback only (e.g. 127.0.0.1); "
                       "put a reverse proxy in front of it for other networks", field="host")


class ServerThread:
    """The services served on 127.0.0.1 from a background thread, for tests and demos.

    ``with ServerThread(services) as server: requests.post(server.url + "/tsa", ...)``
    """

    def __init__(self, services: PkiServices, *, port: int = 0, threads: int = 4,
                 clock: Clock = utc_now) -> None:
        """:param port: 0 (the default) lets the OS choose a free port."""
        self._map: dict[int, Any] = {}
        self._server = create_server(services, host="127.0.0.1", port=port, threads=threads,
                                     clock=clock, socket_map=self._map)
        self._thread = threading.Thread(target=self._server.run, name="pdfsign-tsa-http",
                                        daemon=True)
        #: The base URL, e.g. ``http://127.0.0.1:40123``.
        self.url = f"http://127.0.0.1:{self._server.effective_port}"

    def start(self) -> ServerThread:
        """Start serving (the socket is already listening, so requests queue until then)."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close every socket, stop the worker threads and wait for the loop to end."""
        self._server.task_dispatcher.shutdown()
        wasyncore.close_all(self._map)
        self._thread.join(timeout=10)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def serve(services: PkiServices, *, host: str = "127.0.0.1", port: int = 3161,
          threads: int = 8) -> None:
    """Serve ``services`` until interrupted (the ``pdfsign tsa serve`` command)."""
    server = create_server(services, host=host, port=port, threads=threads)
    _log.warning("pdfsign TSA, CRL and OCSP services at http://%s:%s", host, port)
    server.run()
