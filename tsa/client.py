"""The embedded time stamper: pyHanko asks, our authority answers in-process.

:class:`EmbeddedTimeStamper` is the product's default TSA.  It subclasses
pyHanko's ``TimeStamper`` and overrides only the transport
(``async_request_tsa_response``), the way pyHanko's test-only
dummy time stamper does; the request building, nonce check and token
extraction stay pyHanko's.  Unlike the dummy, every request goes through
:class:`tsa.authority.TimeStampAuthority`'s checks.  :class:`HttpTimeStamper`
is pyHanko's HTTP client made to read RFC 3161 rejections, for a TSA reached
over HTTP.
"""

from __future__ import annotations

from typing import Any

from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.timestamps.api import TimeStamper

from tsa.authority import TimeStampAuthority, TimeStampResponse
from tsa.clock import Clock, utc_now

__all__ = ["Clock", "EmbeddedTimeStamper", "HttpTimeStamper", "utc_now"]


class EmbeddedTimeStamper(TimeStamper):  # type: ignore[misc]
    """A pyHanko ``TimeStamper`` whose TSA is a :class:`TimeStampAuthority` in this process."""

    def __init__(self, authority: TimeStampAuthority, *, clock: Clock = utc_now,
                 include_nonce: bool = True) -> None:
        """:param authority: the TSA that signs the tokens.
        :param clock: called once per token for ``genTime``.
        :param include_nonce: send a nonce (pyHanko then checks it is echoed).
        """
        super().__init__(include_nonce=include_nonce)  # type: ignore[no-untyped-call]
        self.authority = authority
        self._clock = clock

    async def async_request_tsa_response(self, req: Any) -> Any:
        """Answer ``req`` (a ``tsp.TimeStampReq``) with the authority, synchronously.

        A rejection comes back as a response; pyHanko turns it into
        ``TimestampRequestError`` with the status string and failure info.
        """
        return self.authority.respond_to(req, at=self._clock())


class HttpTimeStamper(HTTPTimeStamper):  # type: ignore[misc]
    """pyHanko's ``HTTPTimeStamper``, reading rejections that carry no token.

    asn1crypto's ``TimeStampResp`` declares ``timeStampToken`` mandatory, so a
    conformant rejection (RFC 3161 §2.4.2: no token) makes pyHanko raise a bare
    ``ValueError``.  Re-reading the same bytes as :class:`TimeStampResponse`
    lets pyHanko report ``TimestampRequestError`` with the status string and
    failure info instead.
    """

    async def async_request_tsa_response(self, req: Any) -> Any:
        """POST ``req`` as pyHanko does; return the reply read with the optional token."""
        response = await super().async_request_tsa_response(req)
        return TimeStampResponse.load(response.dump())
