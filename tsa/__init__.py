"""The bundled RFC 3161 time-stamp authority and the test PKI's CRL and OCSP services.

The HTTP front end is :mod:`tsa.http` (imported on its own: it pulls in waitress and werkzeug).
"""

from tsa.authority import ACCEPTED_DIGESTS, TimeStampAuthority, TimeStampResponse
from tsa.client import EmbeddedTimeStamper, HttpTimeStamper
from tsa.clock import Clock, ShiftedClock, parse_clock, utc_now
from tsa.errors import PkiError, TsaError
from tsa.fetchers import EmbeddedFetcherBackend, embedded_fetcher_backend
from tsa.pki import Pki, load_pki
from tsa.revocation import CrlIssuer, OcspResponder
from tsa.serials import FileSerials, MemorySerials, SerialSource
from tsa.services import CRL_NAMES, PkiServices

__all__ = [
    "ACCEPTED_DIGESTS",
    "CRL_NAMES",
    "Clock",
    "CrlIssuer",
    "EmbeddedFetcherBackend",
    "EmbeddedTimeStamper",
    "FileSerials",
    "HttpTimeStamper",
    "MemorySerials",
    "OcspResponder",
    "Pki",
    "PkiError",
    "PkiServices",
    "SerialSource",
    "ShiftedClock",
    "TimeStampAuthority",
    "TimeStampResponse",
    "TsaError",
    "embedded_fetcher_backend",
    "load_pki",
    "parse_clock",
    "utc_now",
]
