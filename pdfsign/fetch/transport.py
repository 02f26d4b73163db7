"""HTTP for the tool, on ``http.client``: separate connect and read timeouts, a proxy, and
errors sorted into the log's families.

``urllib`` has one timeout for both; here the connection (TCP, the proxy's ``CONNECT``, the
TLS handshake) is made under ``connect_timeout`` and the socket then waits at most
``read_timeout`` for each read.  One keep-alive connection serves the whole run; a request
that finds it closed by the server in between is sent once more on a fresh one.
"""

from __future__ import annotations

import http.client
import ssl
from dataclasses import dataclass
from email.message import Message

from .endpoints import Endpoint, Proxy
from .errors import ConnectionFailed, ReceiveError

__all__ = ["Answer", "Transport"]


@dataclass(frozen=True)
class Answer:
    """An HTTP answer, read whole."""

    status: int
    reason: str
    headers: Message
    body: bytes


class Transport:
    """Requests to one service over one kept-alive connection."""

    def __init__(self, service: Endpoint, *, context: ssl.SSLContext, proxy: Proxy | None,
                 connect_timeout: float, read_timeout: float, user_agent: str) -> None:
        self._service, self._context, self._proxy = service, context, proxy
        self._connect_timeout, self._read_timeout = connect_timeout, read_timeout
        self._user_agent = user_agent
        self._connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, *, headers: dict[str, str] | None = None,
                body: bytes | None = None) -> Answer:
        """Send one request and read its whole answer.

        :param path: the API path, e.g. ``/api/v1/bulk/files?since=…``.
        :raises ConnectionFailed: no connection, or it broke (retryable, except a TLS
            failure such as an untrusted server certificate).
        :raises ReceiveError: no answer within ``read_timeout`` (retryable), or not HTTP.
        """
        tries = 2 if self._connection is not None else 1  # a reused one may have gone stale
        for tried in range(1, tries + 1):
            try:
                return self._exchange(method, path, headers or {}, body)
            except _StaleConnection as stale:
                if tried == tries:
                    raise stale.error from None
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close the connection (the next request opens a new one)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def where(self, path: str) -> str:
        """The URL of ``path`` (without its query), and the proxy if one is used: for
        messages."""
        url = self._service.url(path.partition("?")[0])
        return url if self._proxy is None else \
            f"{url} (through the proxy {self._proxy.host}:{self._proxy.port})"

    def _exchange(self, method: str, path: str, headers: dict[str, str],
                  body: bytes | None) -> Answer:
        connection = self._connection or self._connect(path)
        self._connection = connection
        sent = {"User-Agent": self._user_agent, **headers}
        target = self._service.base_path + path
        if self._proxy is not None and not self._service.https:
            target = self._service.origin + target  # a plain proxy takes the absolute URL
            if self._proxy.authorization:
                sent["Proxy-Authorization"] = self._proxy.authorization
        try:
            connection.request(method, target, body=body, headers=sent)
            response = connection.getresponse()
            data = response.read()
        except TimeoutError:
            self.close()
            raise ReceiveError(f"{self.where(path)}: no answer within "
                               f"{self._read_timeout:g} s (read_timeout)",
                               retryable=True) from None
        except (ConnectionError, http.client.IncompleteRead, ssl.SSLError) as exc:
            self.close()
            raise _StaleConnection(ConnectionFailed(
                f"{self.where(path)}: the connection broke ({_reason(exc)})",
                retryable=True)) from None
        except (http.client.HTTPException, OSError) as exc:
            self.close()
            raise ReceiveError(f"{self.where(path)}: not an HTTP answer ({_reason(exc)})",
                               retryable=False) from None
        if response.will_close:
            self.close()
        return Answer(response.status, response.reason, response.headers, data)

    def _connect(self, path: str) -> http.client.HTTPConnection:
        """A new connection, made within ``connect_timeout``, then reading with
        ``read_timeout``."""
        host, port = ((self._proxy.host, self._proxy.port) if self._proxy
                      else (self._service.host, self._service.port))
        connection: http.client.HTTPConnection
        if self._service.https:
            connection = http.client.HTTPSConnection(host, port, context=self._context,
                                                     timeout=self._connect_timeout)
            if self._proxy is not None:
                auth = self._proxy.authorization
                connection.set_tunnel(self._service.host, self._service.port,
                                      headers={"Proxy-Authorization": auth} if auth else None)
        else:
            connection = http.client.HTTPConnection(host, port, timeout=self._connect_timeout)
        try:
            connection.connect()
        except ssl.SSLError as exc:
            connection.close()
            transient = isinstance(exc, ssl.SSLEOFError | ssl.SSLZeroReturnError)
            raise ConnectionFailed(f"{self.where(path)}: TLS: {_reason(exc)}",
                                   retryable=transient) from None
        except TimeoutError:
            connection.close()
            raise ConnectionFailed(f"{self.where(path)}: no connection within "
                                   f"{self._connect_timeout:g} s (connect_timeout)",
                                   retryable=True) from None
        except OSError as exc:
            connection.close()
            raise ConnectionFailed(f"{self.where(path)}: {_reason(exc)}",
                                   retryable=True) from None
        assert connection.sock is not None
        connection.sock.settimeout(self._read_timeout)
        return connection


class _StaleConnection(Exception):
    """The connection broke mid-request; worth one more try if it was a reused one."""

    def __init__(self, error: ConnectionFailed) -> None:
        super().__init__(error.detail)
        self.error = error


def _reason(exc: BaseException) -> str:
    """The most telling text of a socket, TLS or HTTP error."""
    if isinstance(exc, ssl.SSLCertVerificationError) and exc.verify_message:
        return f"the server's certificate is not trusted ({exc.verify_message})"
    if isinstance(exc, ssl.SSLError) and exc.reason:
        return str(exc.reason)
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__
