"""The test PKI's three services in one object: TSA, CRLs and OCSP, one method per route.

The HTTP app (:mod:`tsa.http`) and the in-process fetcher (:mod:`tsa.fetchers`)
are both thin adapters over :class:`PkiServices`, so a validator gets the same
bytes whether or not a server runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from tsa.authority import TimeStampAuthority
from tsa.errors import PkiError, TsaError
from tsa.issued import issued_certificates
from tsa.pki import Pki
from tsa.revocation import CrlIssuer, OcspResponder
from tsa.serials import FileSerials, MemorySerials, SerialSource

__all__ = ["CRL_NAMES", "PkiServices"]

#: The CAs that publish a CRL, as named in the URL ``/crl/<name>.crl``.
CRL_NAMES = ("root", "ca")


@dataclass(frozen=True)
class PkiServices:
    """The TSA, the CRL issuers and the OCSP responder of one PKI folder."""

    base_url: str
    """Where the services answer; the certificates' CRL and OCSP URLs start with it."""
    authority: TimeStampAuthority
    crl_issuers: Mapping[str, CrlIssuer]
    ocsp_responder: OcspResponder

    @classmethod
    def from_pki(cls, pki: Pki, *, state_dir: Path | None,
                 tsa_serials: SerialSource | None = None,
                 crl_numbers: SerialSource | None = None) -> PkiServices:
        """Load the services of ``pki``.

        :param state_dir: where TSA serials and CRL numbers persist across restarts
            and processes; ``None`` keeps them in memory (tests only: a restart
            would reuse serials).
        :param tsa_serials: where the TSA's serials come from instead of ``state_dir``
            (a database sequence shared by several machines).
        :param crl_numbers: where both CAs' CRL numbers come from instead of their
            ``state_dir`` files (likewise; one increasing source serves both CAs).
        :raises PkiError: when a key or certificate of the folder is missing or unusable.
        """
        def counter(name: str, block_size: int) -> SerialSource:
            if state_dir is None:
                return MemorySerials()
            return FileSerials(state_dir, name=name, block_size=block_size)

        try:
            ca = pki.certificate("ca")
            crl_issuers = {
                name: CrlIssuer(certificate=pki.certificate(name),
                                private_key=pki.private_key(name),
                                revocations=[r for r in pki.revocations if r.issuer == name],
                                numbers=crl_numbers or counter(f"crl-{name}", 1))
                for name in CRL_NAMES
            }
            ocsp_responder = OcspResponder(
                issuer=ca, responder_certificate=pki.certificate("ocsp"),
                responder_key=pki.private_key("ocsp"),
                revocations=[r for r in pki.revocations if r.issuer == "ca"],
                issued_serials=_issued_by(ca, pki))
        except (OSError, ValueError) as exc:
            raise PkiError(f"cannot load the CA or OCSP files: {exc}",
                           field=str(pki.directory)) from None
        authority = TimeStampAuthority.from_pki(
            pki, serials=tsa_serials or counter("tsa-serial", 1000))
        return cls(base_url=pki.base_url.rstrip("/"), authority=authority,
                   crl_issuers=crl_issuers, ocsp_responder=ocsp_responder)

    @property
    def tsa_url(self) -> str:
        """The URL of the time-stamp service (``POST``)."""
        return f"{self.base_url}/tsa"

    @property
    def ocsp_url(self) -> str:
        """The OCSP URL written in the certificates' AIA."""
        return f"{self.base_url}/ocsp"

    def crl_url(self, name: str) -> str:
        """The CRL distribution point of CA ``name``, as written in the certificates."""
        return f"{self.base_url}/crl/{name}.crl"

    def timestamp(self, request_der: bytes, *, at: dt.datetime) -> bytes:
        """``POST /tsa``: a DER TimeStampResp for a DER TimeStampReq; never raises for bad input."""
        return self.authority.respond(request_der, at=at)

    def crl(self, name: str, *, at: dt.datetime) -> bytes:
        """``GET /crl/<name>.crl``: the current DER CRL of CA ``name``.

        :raises TsaError: when there is no CA called ``name``.
        """
        try:
            issuer = self.crl_issuers[name]
        except KeyError:
            raise TsaError(f"no CRL called {name!r} (known: {', '.join(self.crl_issuers)})",
                           field="name") from None
        return issuer.crl(at=at)

    def ocsp(self, request_der: bytes, *, at: dt.datetime) -> bytes:
        """``POST /ocsp``: a DER OCSPResponse for a DER OCSPRequest (never raises for bad input)."""
        return self.ocsp_responder.respond(request_der, at=at)


def _issued_by(ca: x509.Certificate, pki: Pki) -> frozenset[int]:
    """Serials of the folder's certificates issued by ``ca``: what OCSP calls known (the
    signers', the responder's, and those issued later for token keys, ``issued/``)."""
    paths = [pki.path("ocsp.pem"), *(signer.cert for signer in pki.signers.values())]
    certs = [x509.load_pem_x509_certificate(path.read_bytes()) for path in paths]
    certs += issued_certificates(pki.directory)
    return frozenset(c.serial_number for c in certs if c.issuer == ca.subject)
