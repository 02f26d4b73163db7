"""Trust anchors and revocation data given by the user, and the pyHanko policies built from them.

Trust comes only from what the caller passes (``--trust`` files or the config file); the OS
store is never consulted.  ``offline`` forbids fetching CRLs, OCSP responses and certificates.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from asn1crypto import crl, ocsp, pem, x509
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY
from pyhanko.sign.validation.policy_decl import (
    CertificateFetchingRule,
    LocalKnowledge,
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.fetchers import FetcherBackend
from pyhanko_certvalidator.policy_decl import (
    REQUIRE_REVINFO,
    CertRevTrustPolicy,
    FreshnessReqType,
)
from pyhanko_certvalidator.registry import SimpleTrustManager
from pyhanko_certvalidator.revinfo.archival import CRLContainer, OCSPContainer
from pyhanko_certvalidator.sig_validate import DEFAULT_SIGNATURE_VALIDATOR, SignatureValidator

from verify.errors import TrustInputError

__all__ = ["TrustSettings", "archival_validation_spec", "load_trust_settings",
           "local_knowledge", "pdf_validation_spec"]

T = TypeVar("T")


@dataclass(frozen=True)
class TrustSettings:
    """What an auditor brings besides the PDF: trust roots and optional revocation data."""

    roots: tuple[x509.Certificate, ...]
    crls: tuple[crl.CertificateList, ...] = ()
    ocsps: tuple[ocsp.OCSPResponse, ...] = ()
    offline: bool = False

    def __post_init__(self) -> None:
        if not self.roots:
            raise TrustInputError("at least one trust anchor is needed", field="--trust")

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        """Pickle as DER, for the worker processes of a large run.

        An unpickled asn1crypto object skips the set-up its class does on first use, and
        fails in a fresh process; parsing the DER again there is exact and cheap.
        """
        return _from_der, (tuple(c.dump() for c in self.roots),
                           tuple(c.dump() for c in self.crls),
                           tuple(o.dump() for o in self.ocsps), self.offline)


def _from_der(roots: tuple[bytes, ...], crls: tuple[bytes, ...], ocsps: tuple[bytes, ...],
              offline: bool) -> TrustSettings:
    return TrustSettings(roots=tuple(x509.Certificate.load(d) for d in roots),
                         crls=tuple(crl.CertificateList.load(d) for d in crls),
                         ocsps=tuple(ocsp.OCSPResponse.load(d) for d in ocsps),
                         offline=offline)


def _der_blocks(path: Path) -> list[bytes]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TrustInputError(f"cannot read: {exc.strerror}", field=str(path)) from None
    if pem.detect(data):
        return [der for _, _, der in pem.unarmor(data, multiple=True)]
    return [data]


def _load_all(paths: Iterable[Path], kind: type[T], what: str) -> list[T]:
    loaded: list[T] = []
    for path in paths:
        for der in _der_blocks(path):
            try:
                value = kind.load(der)  # type: ignore[attr-defined]
                value.native  # noqa: B018 - force a full parse now, not mid-validation
            except ValueError as exc:
                raise TrustInputError(f"not a {what}: {exc}", field=str(path)) from None
            loaded.append(value)
    return loaded


def load_trust_settings(*, trust: Iterable[Path], crls: Iterable[Path] = (),
                        ocsps: Iterable[Path] = (), offline: bool = False) -> TrustSettings:
    """Read trust anchors (PEM or DER, several per PEM file), CRLs and OCSP responses.

    :param trust: files holding the trusted root certificates.
    :param crls: CRL files to use besides the ones embedded in the PDF.
    :param ocsps: DER OCSP responses to use besides the embedded ones.
    :param offline: never fetch revocation data or certificates.
    :raises TrustInputError: naming the file that cannot be read or parsed.
    """
    return TrustSettings(
        roots=tuple(_load_all(trust, x509.Certificate, "certificate")),
        crls=tuple(_load_all(crls, crl.CertificateList, "CRL")),
        ocsps=tuple(_load_all(ocsps, ocsp.OCSPResponse, "OCSP response")),
        offline=offline,
    )


def pdf_validation_spec(settings: TrustSettings, *,
                        embedded_crls: Iterable[crl.CertificateList] = (),
                        embedded_ocsps: Iterable[ocsp.OCSPResponse] = (),
                        embedded_certs: Iterable[x509.Certificate] = (),
                        fetcher_backend: FetcherBackend | None = None,
                        signature_validator: SignatureValidator | None = None,
                        ) -> PdfSignatureValidationSpec:
    """The pyHanko AdES validation settings: revocation data required, diff analysis on.

    Revocation checking follows ETSI EN 319 102-1 with pyHanko's "max diff between revocation
    and validation" freshness; past validation uses proof of existence from the timestamps.

    :param embedded_crls: CRLs from the PDF's DSS; like the OCSP responses and certificates,
        they are evidence to check, not trust (their signatures are verified like any other).
    :param fetcher_backend: where online fetches go (one per document, see
        :mod:`verify.fetching`); ``None`` lets pyHanko open its own per operation.
    :param signature_validator: how certificate, CRL and OCSP signatures are checked (one
        per document, see :mod:`verify.signature_memo`); ``None`` for pyhanko-certvalidator's.
    """
    online = (RevinfoOnlineFetchingRule.LOCAL_ONLY if settings.offline
              else RevinfoOnlineFetchingRule.NO_HISTORICAL_FETCH)
    cert_fetching = (CertificateFetchingRule.NEVER_FETCH if settings.offline
                     else CertificateFetchingRule.FOLLOW_ONLINE_RULE)
    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=list(settings.roots)),
        revinfo_policy=CertRevTrustPolicy(
            REQUIRE_REVINFO, freshness=None,
            freshness_req_type=FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION),
        signature_validator=signature_validator or DEFAULT_SIGNATURE_VALIDATOR,
    )
    spec = SignatureValidationSpec(
        cert_validation_policy=policy,
        revinfo_gathering_policy=RevocationInfoGatheringSpec(
            online_fetching_rule=online, certificate_fetching_rule=cert_fetching,
            fetcher_backend=None if settings.offline else fetcher_backend),
        local_knowledge=local_knowledge([*settings.crls, *embedded_crls],
                                        [*settings.ocsps, *embedded_ocsps], embedded_certs),
    )
    return PdfSignatureValidationSpec(signature_validation_spec=spec,
                                      diff_policy=DEFAULT_DIFF_POLICY)


def local_knowledge(crls: Iterable[crl.CertificateList], ocsps: Iterable[ocsp.OCSPResponse],
                    certs: Iterable[x509.Certificate]) -> LocalKnowledge:
    """Revocation data and certificates as pyHanko's validations take them."""
    return LocalKnowledge(known_crls=[CRLContainer(c) for c in crls],
                          known_ocsps=[c for o in ocsps for c in OCSPContainer.load_multi(o)],
                          known_certs=list(certs))


def archival_validation_spec(settings: TrustSettings, *,
                             fetcher_backend: FetcherBackend | None = None,
                             signature_validator: SignatureValidator | None = None,
                             ) -> PdfSignatureValidationSpec:
    """The settings for pyHanko's B-LTA validation (``ades_lta_validation``).

    Only the user's trust and revocation data: that validation reads the DSS (and the
    signature's Adobe revocation attribute) itself, so passing the DSS again would check
    every embedded CRL and OCSP response twice.  No diff analysis: there it only fills
    status fields this package does not read, while running over every revision once more
    per signature; what changed after signing is judged once, with the default diff policy,
    by :mod:`verify.signatures`.
    """
    spec = pdf_validation_spec(settings, fetcher_backend=fetcher_backend,
                               signature_validator=signature_validator)
    return dataclasses.replace(spec, diff_policy=None)
