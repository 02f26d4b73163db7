"""Certificates and revocation data a PDF carries, and a certificate's validity at a given time.

The matrix of the report (rows: signatures and timestamps; columns: reference times) asks,
for each cell, "was this certificate valid at time T, judged with everything we know?".
That is a point-in-time path validation by pyhanko-certvalidator (RFC 5280 §6, with CRL
and OCSP evidence issued after T accepted retroactively); the AdES verdict itself comes
from pyHanko's AdES engine in :mod:`verify.signatures`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from asn1crypto import crl, ocsp, x509
from pyhanko.pdf_utils.decode_limits import DecodePurpose
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko.sign.validation.policy_decl import LocalKnowledge
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    ExpiredError,
    InsufficientRevinfoError,
    NotYetValidError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
    ValidationError,
)
from pyhanko_certvalidator.path import ValidationPath

from verify.fetching import DocumentFetcherBackend, online_or_local
from verify.report import CellStatus, CertSummary, RevocationSummary, ServiceFailure
from verify.revocation_cache import RevocationCache
from verify.signature_memo import MemoSignatureValidator
from verify.trust import TrustSettings, local_knowledge

__all__ = ["Evidence", "cert_summary", "chain_of", "read_evidence", "revocation_of", "validity_at"]


@dataclass(frozen=True)
class Evidence:
    """Everything known about certificates: the user's trust settings and the PDF's DSS."""

    settings: TrustSettings
    dss_certs: tuple[x509.Certificate, ...]
    dss_crls: tuple[crl.CertificateList, ...]
    dss_ocsps: tuple[ocsp.OCSPResponse, ...]
    #: The document's fetchers (see :mod:`verify.fetching`); unused when offline.
    fetcher_backend: DocumentFetcherBackend
    #: Each matrix cell computed once: (certificate, time) → status.  Same certificate,
    #: same evidence, same fetchers: the same answer, asked once.
    cells: dict[tuple[bytes, datetime], CellStatus] = field(
        default_factory=dict, repr=False, compare=False)
    #: One validation context per (reference time, fetching allowed): the cells of one
    #: column share the paths and revocation checks they have in common (a CA, its CRL).
    contexts: dict[tuple[datetime, bool], ValidationContext] = field(
        default_factory=dict, repr=False, compare=False)
    #: The document's signature checks, each made once (:mod:`verify.signature_memo`).
    signatures: MemoSignatureValidator = field(
        default_factory=MemoSignatureValidator, repr=False, compare=False)

    @property
    def has_dss_revinfo(self) -> bool:
        """Whether the DSS holds any CRL or OCSP response (needed for B-LT)."""
        return bool(self.dss_crls or self.dss_ocsps)

    @property
    def dss_knowledge(self) -> LocalKnowledge:
        """The DSS's CRLs, OCSP responses and certificates as pyHanko's validations take them."""
        return local_knowledge(self.dss_crls, self.dss_ocsps, self.dss_certs)

    @property
    def online(self) -> DocumentFetcherBackend | None:
        """The fetchers when fetching is allowed, ``None`` when offline."""
        return None if self.settings.offline else self.fetcher_backend


def read_evidence(reader: PdfFileReader, settings: TrustSettings,
                  cache: RevocationCache | None = None) -> Evidence:
    """Collect the certificates, CRLs and OCSP responses of the DSS (ISO 32000-2 §12.8.4.3).

    :param cache: revocation data fetched for the run's other documents, still valid.
    :return: the evidence of this document, with fetchers of its own.
    """
    backend = DocumentFetcherBackend(cache=cache)
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return Evidence(settings, (), (), (), backend)
    crls = tuple(crl.CertificateList.load(ref.get_object().read_data(DecodePurpose.CRL))
                 for ref in dss.crls)
    ocsps = tuple(ocsp.OCSPResponse.load(
        ref.get_object().read_data(DecodePurpose.OCSP_RESPONSE)) for ref in dss.ocsps)
    return Evidence(settings, tuple(dss.load_certs()), crls, ocsps, backend)


def cert_summary(cert: x509.Certificate) -> CertSummary:
    """The fields of a certificate a person checks: who, issued by whom, valid when."""
    return CertSummary(
        subject=cert.subject.human_friendly, issuer=cert.issuer.human_friendly,
        serial=format(cert.serial_number, "x"),
        not_before=cert.not_valid_before, not_after=cert.not_valid_after,
        sha256=cert.sha256.hex())


def chain_of(path: ValidationPath | None, leaf: x509.Certificate) -> tuple[CertSummary, ...]:
    """The chain leaf first, up to the trust anchor; only the leaf when no path was found."""
    if path is None:
        return (cert_summary(leaf),)
    certs = [c for c in path.iter_certs(include_root=True) if isinstance(c, x509.Certificate)]
    return tuple(cert_summary(c) for c in reversed(certs))


def _context(evidence: Evidence, extra_certs: list[x509.Certificate],
             at: datetime, *, fetch: bool) -> ValidationContext:
    """The document's validation context for ``at``, knowing ``extra_certs`` too.

    Certificates a signature or token carries are added to the one context of the column,
    so a cell may build its path with certificates from elsewhere in the same PDF — as the
    DSS, which holds them all, already allows.
    """
    settings = evidence.settings
    fetching = fetch and not settings.offline
    context = evidence.contexts.get((at, fetching))
    if context is None:
        context = ValidationContext(
            trust_roots=list(settings.roots), other_certs=list(evidence.dss_certs),
            crls=[*settings.crls, *evidence.dss_crls],
            ocsps=[*settings.ocsps, *evidence.dss_ocsps], moment=at, allow_fetching=fetching,
            retroactive_revinfo=True, revocation_mode="hard-fail",
            fetcher_backend=evidence.fetcher_backend, signature_validator=evidence.signatures)
        evidence.contexts[(at, fetching)] = context
    context.certificate_registry.register_multiple(extra_certs)  # type: ignore[no-untyped-call]
    return context


async def validity_at(cert: x509.Certificate, extra_certs: list[x509.Certificate], *,
                      evidence: Evidence, at: datetime) -> CellStatus:
    """Whether ``cert`` chains to a trust anchor and is unexpired and unrevoked at ``at``.

    Asked again for the same certificate and time (two timestamps by one TSA), the answer
    computed the first time is returned.

    :param extra_certs: certificates carried by the signature itself (CMS ``certificates``).
    """
    key = (cert.sha256, at)
    if key not in evidence.cells:
        evidence.cells[key] = await _validate(cert, extra_certs, evidence=evidence, at=at)
    return evidence.cells[key]


async def _validate(cert: x509.Certificate, extra_certs: list[x509.Certificate], *,
                    evidence: Evidence, at: datetime) -> CellStatus:
    """Online first; with the file's and supplied data alone when that run found no usable
    revocation data because a service was down (see :mod:`verify.fetching`)."""
    outcome = await online_or_local(
        lambda: _path_status(cert, _context(evidence, extra_certs, at, fetch=True)),
        lambda: _path_status(cert, _context(evidence, extra_certs, at, fetch=False)),
        backend=evidence.online,
        final=lambda s: s not in (CellStatus.NO_REVOCATION_DATA, CellStatus.INDETERMINATE))
    return outcome.result


async def _path_status(cert: x509.Certificate, context: ValidationContext) -> CellStatus:
    validator = CertificateValidator(cert, validation_context=context)
    try:
        await validator.async_validate_usage(set())  # type: ignore[no-untyped-call]
    except PathBuildingError:
        return CellStatus.UNTRUSTED
    except RevokedError:
        return CellStatus.REVOKED
    except ExpiredError:
        return CellStatus.EXPIRED
    except NotYetValidError:
        return CellStatus.NOT_YET_VALID
    except InsufficientRevinfoError:
        return CellStatus.NO_REVOCATION_DATA
    except (PathValidationError, ValidationError):
        return CellStatus.INDETERMINATE
    return CellStatus.VALID


def _crl_revocation(cert: x509.Certificate,
                    crls: tuple[crl.CertificateList, ...]) -> tuple[bool, datetime | None]:
    matched = False
    for item in crls:
        if item.issuer != cert.issuer:
            continue
        matched = True
        for entry in item["tbs_cert_list"]["revoked_certificates"]:
            if entry["user_certificate"].native == cert.serial_number:
                return True, entry["revocation_date"].native
    return matched, None


def _ocsp_matches(cert: x509.Certificate, responses: tuple[ocsp.OCSPResponse, ...]) -> bool:
    for response in responses:
        basic = response.basic_ocsp_response
        if basic is None:
            continue
        for single in basic["tbs_response_data"]["responses"]:
            if single["cert_id"]["serial_number"].native == cert.serial_number:
                return True
    return False


def revocation_of(cert: x509.Certificate, *, evidence: Evidence, current: CellStatus,
                  unreachable: tuple[ServiceFailure, ...] = (),
                  local: bool = False) -> RevocationSummary:
    """Revocation status of a leaf and where the evidence came from (DSS, supplied, fetched).

    :param unreachable: the services that failed while this item was checked.
    :param local: the item was judged without fetching after those failures, so nothing
        it relied on was fetched.
    """
    settings = evidence.settings
    dss_match, dss_revoked = _crl_revocation(cert, evidence.dss_crls)
    supplied_match, supplied_revoked = _crl_revocation(cert, settings.crls)
    sources = []
    if dss_match or _ocsp_matches(cert, evidence.dss_ocsps):
        sources.append("dss")
    if supplied_match or _ocsp_matches(cert, settings.ocsps):
        sources.append("supplied")
    if not sources and not settings.offline and not local and current not in (
            CellStatus.NO_REVOCATION_DATA, CellStatus.UNTRUSTED):
        sources.append("fetched")
    revoked_at = dss_revoked or supplied_revoked
    if current is CellStatus.REVOKED or revoked_at is not None:
        status = "revoked"
    elif current is CellStatus.UNTRUSTED:
        status = "not-checked"
    elif sources and current is not CellStatus.NO_REVOCATION_DATA:
        status = "good"
    else:
        status = "unknown"
    return RevocationSummary(status=status, sources=tuple(sources), revoked_at=revoked_at,
                             unreachable=unreachable)
