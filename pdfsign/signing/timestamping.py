"""The TSA client and the validation contexts signing uses, built once from the settings.

Two modes, one switch (``Settings.tsa_mode``):

* ``embedded`` (default): the bundled authority signs time-stamps in this
  process (:class:`tsa.EmbeddedTimeStamper`) and the PKI's CRL and OCSP
  services answer revocation requests in-process too
  (:func:`tsa.fetchers.embedded_fetcher_backend`); no server needs to run.
* ``http``: time-stamps come from an RFC 3161 server at ``tsa_url``, and
  revocation data from the URLs written in the certificates, over HTTP.

Either way the only trust anchor is the PKI folder's ``root.pem``.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp
import certifi
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
from pyhanko_certvalidator.fetchers.aiohttp_fetchers.util import LazySession
from pyhanko_certvalidator.fetchers.api import FetcherBackend, OwnedFetcherBackend

from pdfsign.config import Settings
from pdfsign.errors import ConfigurationError
from pdfsign.signing.sequence_serials import crl_numbers_for, tsa_serials_for
from tsa import Clock, EmbeddedTimeStamper, SerialSource, load_pki, utc_now
from tsa.fetchers import embedded_fetcher_backend
from tsa.services import PkiServices
from verify.revocation_cache import CachingFetcherBackend, RevocationCache

__all__ = [
    "CLOCK_TOLERANCE",
    "HTTP_TIMEOUT",
    "HttpSessions",
    "SigningServices",
    "load_trust_root",
    "signing_services",
    "signing_services_from",
]

#: Seconds to wait for the HTTP TSA before giving up.
HTTP_TIMEOUT = 10
#: Clock skew tolerated between us and the CRL/OCSP responders.  A validation context
#: takes "now" when it is made; a response fetched a moment later, or from a responder
#: whose clock runs a little ahead, would otherwise count as issued in the future.
CLOCK_TOLERANCE = timedelta(seconds=10)


class HttpSessions(LazySession):  # type: ignore[misc]
    """pyHanko's lazy aiohttp session, one per event loop, all sharing one TLS context.

    pyHanko's default makes a new session, and a new TLS context (≈14 ms of CPU
    loading the CA bundle), for every time-stamp request and every validation
    context.  Here the TSA client and the revocation fetchers of one signature
    share one session, made on the signature's event loop; the validation
    context closes it when the signature is done (``ValidationContext.aclose``).
    Keyed by loop, so threads signing at the same time never share a session.
    """

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._tls = ssl.create_default_context(cafile=certifi.where())
        self._sessions: dict[asyncio.AbstractEventLoop, aiohttp.ClientSession] = {}

    def get_session(self) -> aiohttp.ClientSession:
        """The running loop's session, made on first use."""
        loop = asyncio.get_running_loop()
        session = self._sessions.get(loop)
        if session is None or session.closed:
            session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=self._tls))
            self._sessions[loop] = session
        return session

    @property
    def open_sessions(self) -> int:
        """How many loops hold an open session (0 between signatures: nothing leaks)."""
        return sum(not session.closed for session in self._sessions.values())

    async def close(self) -> None:
        """Close the running loop's session (the next use on a loop makes a new one)."""
        session = self._sessions.pop(asyncio.get_running_loop(), None)
        if session is not None:
            await session.close()


@dataclass(frozen=True)
class SigningServices:
    """What signing needs besides the signer: a TSA client and a source of validation contexts.

    Build it once and reuse it: pyHanko caches the TSA's sample token on the
    time stamper, which the signature sizing relies on.
    """

    #: The TSA client for signature and document time-stamps.
    timestamper: TimeStamper
    #: The trust anchors (the PKI's root).
    trust_roots: tuple[asn1_x509.Certificate, ...]
    #: In-process revocation fetchers; ``None`` fetches over HTTP.
    fetcher_backend: FetcherBackend | None
    #: The HTTP sessions shared by the TSA client and the fetchers (HTTP mode).
    http_sessions: HttpSessions | None = None
    #: CRLs and OCSP responses fetched for earlier signatures, reused until their
    #: ``nextUpdate`` (at most 10 minutes): a batch of a thousand documents by one signer
    #: asks the responders once, not a thousand times.
    revocation_cache: RevocationCache = field(default_factory=RevocationCache)
    #: The time the services answer at and signatures are validated at (time travel in tests).
    clock: Clock = utc_now
    #: How long after a signature time-stamp the revocation data an ES-A embeds must be
    #: issued (ETSI EN 319 102-1's grace period: time for a revocation to be published).
    grace: timedelta = timedelta(0)

    def validation_context(self, *, fresh_after: datetime | None = None) -> ValidationContext:
        """A fresh context for one signature: fetching allowed, revocation data required.

        ``require`` mode (RFC 5280 §6.3 for every non-root certificate): an ES-A
        signature must carry revocation data for every certificate of both
        chains, and no signature is made with a certificate whose status is
        unknown.  Revocation data comes through :attr:`revocation_cache`: every
        response is still checked by the context as if just fetched.

        :param fresh_after: take from the cache only data issued after this time (the
            signature time-stamp the data is gathered for); anything older is fetched anew.
        """
        backend: FetcherBackend | OwnedFetcherBackend | None = None
        if self.fetcher_backend is not None:
            backend = CachingFetcherBackend(self.fetcher_backend, self.revocation_cache,
                                            issued_after=fresh_after)
        elif self.http_sessions is not None:
            # owned: the context's aclose() closes this loop's session
            backend = OwnedFetcherBackend(CachingFetcherBackend(AIOHttpFetcherBackend(
                session=self.http_sessions), self.revocation_cache,  # type: ignore[arg-type]
                issued_after=fresh_after))
        return ValidationContext(
            trust_roots=list(self.trust_roots),
            allow_fetching=True,
            fetcher_backend=backend,
            revocation_mode="require",
            time_tolerance=CLOCK_TOLERANCE,
            moment=None if self.clock is utc_now else self.clock(),
        )


def load_trust_root(path: Path) -> asn1_x509.Certificate:
    """Read a PEM or DER certificate used as trust anchor.

    :raises ConfigurationError: when the file is missing or not a certificate.
    """
    try:
        data = path.read_bytes()
        if pem.detect(data):
            _, _, data = pem.unarmor(data)
        cert = asn1_x509.Certificate.load(data)
        cert.native  # noqa: B018 - forces the parse so that garbage fails here
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read the trust root: {exc}", field=str(path)) from None
    return cert


def signing_services(*, pki_dir: Path, state_dir: Path | None, tsa_url: str | None = None,
                     clock: Clock = utc_now, grace: timedelta = timedelta(0),
                     tsa_serials: SerialSource | None = None,
                     crl_numbers: SerialSource | None = None) -> SigningServices:
    """Build the TSA client and revocation source for the PKI folder ``pki_dir``.

    :param pki_dir: the PKI folder (``root.pem``; in embedded mode also the TSA,
        CA and OCSP keys and ``pki.json``).
    :param state_dir: where the embedded TSA keeps its serial numbers; ``None`` keeps
        them in memory (tests only).
    :param tsa_url: an RFC 3161 URL: use that TSA and fetch revocation data over HTTP.
        ``None`` runs everything in-process.
    :param clock: the time the in-process services answer at (shifted in tests and demos).
    :param grace: see :attr:`SigningServices.grace`.
    :param tsa_serials: the embedded TSA's serials instead of ``state_dir``'s file (the
        registry database's sequence, shared by every node).
    :param crl_numbers: the embedded CAs' CRL numbers instead of ``state_dir``'s files (likewise).
    :raises ConfigurationError: the PKI folder is incomplete or the URL is not HTTP(S).
    """
    root = load_trust_root(pki_dir / "root.pem")
    if tsa_url is not None:
        if not tsa_url.startswith(("http://", "https://")):
            raise ConfigurationError(f"not an HTTP URL: {tsa_url!r}", field="tsa_url")
        sessions = HttpSessions()
        return SigningServices(
            timestamper=HTTPTimeStamper(tsa_url, timeout=HTTP_TIMEOUT, session=sessions),
            trust_roots=(root,), fetcher_backend=None, http_sessions=sessions,
            clock=clock, grace=grace)
    services = PkiServices.from_pki(load_pki(pki_dir), state_dir=state_dir,
                                    tsa_serials=tsa_serials, crl_numbers=crl_numbers)
    return SigningServices(timestamper=EmbeddedTimeStamper(services.authority, clock=clock),
                           trust_roots=(root,),
                           fetcher_backend=embedded_fetcher_backend(services, clock=clock),
                           clock=clock, grace=grace)


def signing_services_from(settings: Settings) -> SigningServices:
    """:func:`signing_services` for the installation's settings (``tsa_mode``, ``tsa_url``,
    ``revocation_grace``; on PostgreSQL the embedded TSA's serials and CRL numbers come from
    their sequences)."""
    http = settings.tsa_mode == "http"
    return signing_services(
        pki_dir=settings.pki_dir,
        state_dir=settings.tsa_state_dir,
        tsa_url=settings.tsa_url if http else None,
        grace=settings.grace,
        tsa_serials=None if http else tsa_serials_for(settings),
        crl_numbers=None if http else crl_numbers_for(settings),
    )
