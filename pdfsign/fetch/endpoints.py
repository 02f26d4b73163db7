"""Where the tool connects: the service's URL and an optional HTTP proxy, parsed once.

The settings check both when they load (a malformed URL is a settings error before any
connection is tried) and hand the parsed values to the transport.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from urllib.parse import SplitResult, unquote, urlsplit

from .errors import BadNumber, SettingsFileError

__all__ = ["Endpoint", "Proxy", "parse_proxy", "parse_service_url"]


@dataclass(frozen=True)
class Endpoint:
    """The service: scheme, host, port and the path the API sits under."""

    scheme: str
    host: str
    port: int
    #: The URL's path without a trailing slash ("" at the root), e.g. "/pdfsign".
    base_path: str

    @property
    def https(self) -> bool:
        """Whether the service is reached over TLS."""
        return self.scheme == "https"

    @property
    def origin(self) -> str:
        """``scheme://host:port``, for absolute request targets through a plain proxy."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    def url(self, path: str) -> str:
        """The full URL of an API path (for messages)."""
        return self.origin + self.base_path + path


@dataclass(frozen=True)
class Proxy:
    """An HTTP proxy (``CONNECT`` for an https service), with optional Basic credentials."""

    host: str
    port: int
    #: The ``Proxy-Authorization`` header's value, if the setting carried ``user:password@``.
    authorization: str | None = None


def parse_service_url(text: str) -> Endpoint:
    """Read ``service_url``: an http or https URL, optionally under a path.

    :raises SettingsFileError: not such a URL.
    """
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query \
            or parts.fragment or parts.username:
        raise SettingsFileError(f"service_url must be an http:// or https:// URL such as "
                                f"https://pdfsign.example.jp (not {text!r})")
    port = _port(parts, "service_url", text) if _has_port(parts.netloc) else None
    return Endpoint(parts.scheme, parts.hostname,
                    port or (443 if parts.scheme == "https" else 80), parts.path.rstrip("/"))


def parse_proxy(text: str) -> Proxy:
    """Read ``proxy``: ``host:port`` as in seed 002 (``proxy.bank.example:8080``) or
    ``http://[user:password@]host:port``.

    :raises SettingsFileError: malformed.
    :raises BadNumber: the port is not a port number.
    """
    given = text.strip()
    parts = urlsplit(given if "://" in given else f"http://{given}")
    if parts.scheme != "http" or not parts.hostname or parts.path not in ("", "/") \
            or not _has_port(parts.netloc):
        raise SettingsFileError(f"proxy must be host:port or http://host:port (not {text!r})")
    port = _port(parts, "proxy", text)
    authorization = None
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        authorization = "Basic " + base64.b64encode(pair.encode()).decode()
    return Proxy(parts.hostname, port, authorization)


def _has_port(netloc: str) -> bool:
    host = netloc.rpartition("@")[2]
    return ":" in host.rpartition("]")[2]


def _port(parts: SplitResult, key: str, text: str) -> int:
    """The URL's explicit port (``urlsplit`` checks it only when asked).

    :raises BadNumber: not a number from 1 to 65535.
    """
    try:
        port = parts.port
    except ValueError:
        port = None
    if not port:
        raise BadNumber(f"{key} = {text!r} (the port must be a number from 1 to 65535)")
    return port
