"""One PDF signature: integrity, AdES validation with time and long-term validation, changes.

Checks, in order (ETSI EN 319 102-1 numbering):

1. ``integrity`` — ``/ByteRange`` digest, coverage and the diff of later revisions
   (ISO 32000-2 §12.8.1, pyHanko's diff analysis).
2. ``timestamps`` — every signature timestamp on its own (§5.4), see :mod:`verify.timestamps`.
3. ``ades`` — basic (§5.3), with time (§5.5) when a signature timestamp passed, or long-term
   (§5.6.3) when a document timestamp after the signature passed.  Run online first; when
   a revocation service failed and that run reached no final answer, run again with the
   file's and the supplied data only (:mod:`verify.fetching`); indeterminate for want of
   the unreachable data is reported as TRY_LATER, naming the URLs.
4. ``time-bounds`` — the proven signing time against the signer certificate's expiry and
   revocation (§5.5.4: a signature proven to be made after either is not valid).
4b. ``poe`` — offline, the file's own revocation data must be issued after the signature's
   proof of existence (§5.6.2.1, see :mod:`verify.poe`).
5. ``changes`` — what the later revisions changed (certification permissions, §12.8.2.2).
6. ``renewal`` — a long-term signature that fails because its newest archive time-stamp's
   TSA certificate has expired says so, and when the file should have been renewed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from asn1crypto import x509
from pyhanko.sign.ades.report import AdESFailure, AdESIndeterminate, AdESPassed, AdESSubIndic
from pyhanko.sign.diff_analysis import ModificationLevel, SuspiciousModification
from pyhanko.sign.validation.ades import (
    AdESBasicValidationResult,
    ades_basic_validation,
    ades_with_time_validation,
)
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.policy_decl import PdfSignatureValidationSpec
from pyhanko.sign.validation.status import PdfSignatureStatus
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo

from verify.evidence import Evidence, chain_of, revocation_of, validity_at
from verify.fetching import Outcome, ades_final, online_or_local, unobtainable_reason
from verify.lta import PassedTimestamps, lta_validation
from verify.poe import stale_revocation
from verify.report import (
    CellStatus,
    Change,
    Level,
    ReferenceTime,
    SignatureFinding,
    TimestampFinding,
    Verdict,
)
from verify.timestamps import coverage_name, indication_of, revocation_unobtainable

__all__ = ["SignatureContext", "check_signature", "verdict_of"]

_VERDICTS: dict[AdESSubIndic, Verdict] = {
    AdESPassed.OK: Verdict.VALID,
    AdESFailure.HASH_FAILURE: Verdict.INVALID_INTEGRITY,
    AdESFailure.SIG_CRYPTO_FAILURE: Verdict.INVALID_INTEGRITY,
    AdESFailure.FORMAT_FAILURE: Verdict.MALFORMED,
    AdESFailure.REVOKED: Verdict.REVOKED,
    AdESIndeterminate.REVOKED_NO_POE: Verdict.REVOKED,
    AdESIndeterminate.REVOKED_CA_NO_POE: Verdict.REVOKED,
    AdESIndeterminate.EXPIRED: Verdict.EXPIRED,
    AdESIndeterminate.OUT_OF_BOUNDS_NO_POE: Verdict.EXPIRED,
    AdESIndeterminate.OUT_OF_BOUNDS_NOT_REVOKED: Verdict.EXPIRED,
    AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND: Verdict.UNTRUSTED,
    AdESIndeterminate.CHAIN_CONSTRAINTS_FAILURE: Verdict.UNTRUSTED,
}

_DEFAULT_REASONS = {
    "HASH_FAILURE": "the digest of the signed bytes (/ByteRange) does not match the signature",
    "SIG_CRYPTO_FAILURE": "the signature value does not verify with the signer's public key",
    "NO_CERTIFICATE_CHAIN_FOUND": "no path from the signer certificate to a trusted root",
    "TRY_LATER": "the revocation data at hand is too old to show the certificates unrevoked "
                 "at the validation time (an archive time-stamp's TSA needs current data): "
                 "verify online, or supply current CRLs or OCSP responses",
}

_CHANGES = {ModificationLevel.NONE: "none", ModificationLevel.LTA_UPDATES: "ltv-updates",
            ModificationLevel.FORM_FILLING: "form-filling",
            ModificationLevel.ANNOTATIONS: "annotations", ModificationLevel.OTHER: "other"}


def verdict_of(subindic: AdESSubIndic) -> Verdict:
    """Map an ETSI sub-indication to the report's verdict; anything unlisted is indeterminate."""
    return _VERDICTS.get(subindic, Verdict.INDETERMINATE)


@dataclass(frozen=True)
class SignatureContext:
    """What every signature of one document is checked with."""

    spec: PdfSignatureValidationSpec
    #: For B-LTA validation, see :func:`verify.trust.archival_validation_spec`.
    archival_spec: PdfSignatureValidationSpec
    #: ``spec`` and ``archival_spec`` without fetching: the fallback when a fetch failed.
    local_spec: PdfSignatureValidationSpec
    local_archival_spec: PdfSignatureValidationSpec
    evidence: Evidence
    at: datetime
    reference_times: tuple[ReferenceTime, ...]
    last_revision: int
    #: The file's newest document (archive) time-stamp, already judged.
    newest_archive: TimestampFinding | None = None
    #: The time-stamp validations that passed, for the B-LTA validation to take.
    passed: PassedTimestamps = dataclasses.field(default_factory=PassedTimestamps)


def _changes(embedded: EmbeddedPdfSignature, last_revision: int) -> Change:
    diff = embedded.diff_result
    if diff is None:
        return Change("none", embedded.signed_revision, last_revision)
    if isinstance(diff, SuspiciousModification):
        return Change("other", embedded.signed_revision, last_revision, str(diff))
    return Change(_CHANGES[diff.modification_level], embedded.signed_revision, last_revision)


def _allowed(change: Change, embedded: EmbeddedPdfSignature) -> bool:
    """Whether the later changes are acceptable: LTV updates and form filling always,
    annotations only when a certification signature permits them (DocMDP P=3)."""
    if change.kind in ("none", "ltv-updates", "form-filling"):
        return change.kind != "form-filling" or embedded.docmdp_level is None \
            or embedded.docmdp_level.value >= 2
    if change.kind == "annotations":
        return embedded.docmdp_level is not None and embedded.docmdp_level.value >= 3
    return False


async def _ades_run(embedded: EmbeddedPdfSignature, spec: PdfSignatureValidationSpec,
                    archival_spec: PdfSignatureValidationSpec, at: datetime, *,
                    with_time: bool, lta: bool, evidence: Evidence,
                    passed: PassedTimestamps | None = None) -> AdESBasicValidationResult[Any]:
    timing = ValidationTimingInfo(at, at, point_in_time_validation=False)
    if lta:
        return await lta_validation(embedded, archival_spec, timing,
                                    passed, dss=evidence.dss_knowledge)
    sig_spec = spec.signature_validation_spec
    if with_time:
        return await ades_with_time_validation(
            embedded.signed_data, sig_spec, timing_info=timing,
            raw_digest=embedded.compute_digest(),
            extra_status_kwargs=embedded.summarise_integrity_info(), status_cls=PdfSignatureStatus)
    return await ades_basic_validation(embedded.signed_data, sig_spec, timing_info=timing,
                                       raw_digest=embedded.compute_digest())


async def _ades(embedded: EmbeddedPdfSignature, ctx: SignatureContext, *, with_time: bool,
                lta: bool) -> Outcome[AdESBasicValidationResult[Any]]:
    """Step 3, online first; without fetching when a service was down and the online run
    reached no final answer (see :mod:`verify.fetching`).  Only the first run takes the
    time-stamp validations that passed: they were made with its settings."""
    return await online_or_local(
        lambda: _ades_run(embedded, ctx.spec, ctx.archival_spec, ctx.at, with_time=with_time,
                          lta=lta, evidence=ctx.evidence, passed=ctx.passed),
        lambda: _ades_run(embedded, ctx.local_spec, ctx.local_archival_spec, ctx.at,
                          with_time=with_time, lta=lta, evidence=ctx.evidence),
        backend=ctx.evidence.online, final=ades_final)


@dataclass(frozen=True)
class _Judgement:
    """The verdict so far, with the ETSI names and the reason that go with it."""

    verdict: Verdict
    indication: str
    subindication: str | None
    reason: str | None


def _initial(outcome: Outcome[AdESBasicValidationResult[Any]], now: CellStatus) -> _Judgement:
    result = outcome.result
    verdict = verdict_of(result.ades_subindic)
    indication, subindication = indication_of(result)
    if revocation_unobtainable(subindication, outcome.failed, now):
        return _Judgement(verdict, indication, "TRY_LATER", unobtainable_reason(outcome.failed))
    return _Judgement(verdict, indication, subindication,
                      result.failure_msg if verdict is not Verdict.VALID else None)


def _time_bounds(j: _Judgement, cert: x509.Certificate, best_time: datetime | None,
                 revoked_at: datetime | None, *, lta: bool, now: CellStatus) -> _Judgement:
    """Step 4: a signature proven made after expiry or revocation is not valid (§5.5.4);
    without long-term validation a signature does not outlive its certificate (§5.5.4 c)."""
    if j.verdict not in (Verdict.VALID, Verdict.INDETERMINATE, Verdict.EXPIRED, Verdict.REVOKED):
        return j
    expiry = cert.not_valid_after.isoformat()
    if best_time is not None and revoked_at is not None and revoked_at <= best_time:
        return _Judgement(Verdict.REVOKED, "INDETERMINATE", "REVOKED_NO_POE",
                          f"signer certificate revoked at {revoked_at.isoformat()}, "
                          f"before the proven signing time {best_time.isoformat()}")
    if best_time is not None and best_time > cert.not_valid_after:
        return _Judgement(Verdict.EXPIRED, "INDETERMINATE", "OUT_OF_BOUNDS_NO_POE",
                          f"signer certificate expired at {expiry}, "
                          f"before the proven signing time {best_time.isoformat()}")
    if j.verdict is Verdict.VALID and not lta and now is CellStatus.EXPIRED:
        return _Judgement(Verdict.EXPIRED, "INDETERMINATE", "OUT_OF_BOUNDS_NO_POE",
                          f"signer certificate expired at {expiry} and no archive timestamp "
                          f"(B-LTA) proves the validation data before that")
    return j


def _proven_in_time(j: _Judgement, outcome: Outcome[AdESBasicValidationResult[Any]],
                    cert: x509.Certificate, best_time: datetime | None,
                    evidence: Evidence) -> _Judgement:
    """Step 4b: judged from local data only, a valid long-term signature needs revocation
    data issued after its proof of existence (module :mod:`verify.poe`)."""
    local = evidence.online is None or outcome.local
    if j.verdict is not Verdict.VALID or not local or best_time is None \
            or not evidence.has_dss_revinfo:
        return j
    status = outcome.result.api_status
    path = status.validation_path if status is not None else None
    certs = [c for c in path.iter_certs(include_root=False) if isinstance(c, x509.Certificate)] \
        if path is not None else [cert]
    settings = evidence.settings
    stale = stale_revocation(certs, poe=best_time, crls=[*evidence.dss_crls, *settings.crls],
                             ocsps=[*evidence.dss_ocsps, *settings.ocsps])
    if stale is None:
        return j
    return _Judgement(Verdict.INDETERMINATE, "INDETERMINATE", "NO_POE", stale)


def _after_changes(j: _Judgement, change: Change, embedded: EmbeddedPdfSignature, *,
                   intact: bool) -> _Judgement:
    """Step 5: later revisions may only do what the signature (or certification) allows.

    ETSI EN 319 102-1 has no sub-indication for a disallowed PDF update; we report it as
    TOTAL_FAILED / FORMAT_FAILURE (the signed bytes' hash does match, so HASH_FAILURE would
    mislead an auditor).
    """
    if intact and not _allowed(change, embedded):
        detail = f": {change.detail}" if change.detail else ""
        return _Judgement(Verdict.MODIFIED_AFTER_SIGNING, "TOTAL_FAILED", "FORMAT_FAILURE",
                          f"revision {change.signed_revision} was changed later "
                          f"({change.kind}{detail})")
    if j.reason is None and j.verdict is not Verdict.VALID:
        sub = j.subindication or ""
        return dataclasses.replace(
            j, reason=_DEFAULT_REASONS.get(sub, f"ETSI sub-indication {sub}"))
    return j


def _renewal_overdue(j: _Judgement, newest: TimestampFinding | None, at: datetime) -> _Judgement:
    """Step 6: name the cause when the archive time-stamp chain ran out (ETSI EN 319 142-1
    §5.5: it must be extended before the newest time-stamp's TSA certificate expires)."""
    if j.verdict is Verdict.VALID or newest is None or newest.ok \
            or newest.verifiable_until is None or newest.verifiable_until > at:
        return j
    until = newest.verifiable_until.isoformat()
    return dataclasses.replace(j, reason=(
        f"the newest archive time-stamp ({newest.id}, {newest.time.isoformat()}) can no longer "
        f"be validated: its TSA certificate expired at {until}; the file had to be renewed "
        f"(pdfsign renew) before then"))


def _level(verdict: Verdict, timestamps: list[TimestampFinding], *, lta: bool,
           evidence: Evidence) -> Level | None:
    if verdict is not Verdict.VALID:
        return None
    if not any(t.ok for t in timestamps):
        return Level.B_B
    if not evidence.has_dss_revinfo:
        return Level.B_T
    return Level.B_LTA if lta else Level.B_LT


async def check_signature(embedded: EmbeddedPdfSignature, *, sig_id: str, ctx: SignatureContext,
                          sig_timestamps: list[TimestampFinding],
                          protected_by_docts: bool) -> SignatureFinding:
    """Run the checks of this module on one signature.

    :param sig_timestamps: this signature's timestamps, already judged on their own.
    :param protected_by_docts: a valid document timestamp covers a later revision.
    """
    embedded.compute_integrity_info(  # type: ignore[no-untyped-call]
        diff_policy=ctx.spec.diff_policy)
    with_time = any(t.ok for t in sig_timestamps)
    lta = protected_by_docts and with_time
    outcome = await _ades(embedded, ctx, with_time=with_time, lta=lta)
    result = outcome.result
    cert = embedded.signer_cert
    intact = bool(embedded.coverage is not None and result.ades_subindic not in (
        AdESFailure.HASH_FAILURE, AdESFailure.SIG_CRYPTO_FAILURE))
    # ETSI best-signature-time: the earliest valid signature timestamp proves when the signature
    # value existed.  Not pyHanko's value: that is the wall clock whenever its validation stops
    # before the timestamps (a broken signature, an untrusted signer).
    best_time = min((t.time for t in sig_timestamps if t.ok), default=None) if intact else None
    extra = embedded.other_embedded_certs
    validity = {ref.id: await validity_at(cert, extra, evidence=ctx.evidence, at=ref.time)
                for ref in ctx.reference_times}
    revocation = revocation_of(cert, evidence=ctx.evidence, current=validity["now"],
                               unreachable=outcome.failed, local=outcome.local)
    judged = _time_bounds(_initial(outcome, validity["now"]), cert, best_time,
                          revocation.revoked_at, lta=lta, now=validity["now"])
    judged = _proven_in_time(judged, outcome, cert, best_time, ctx.evidence)
    if not intact:
        validity = dict.fromkeys(validity, CellStatus.INVALID_INTEGRITY)
    change = _changes(embedded, ctx.last_revision)
    judged = _after_changes(judged, change, embedded, intact=intact)
    judged = _renewal_overdue(judged, ctx.newest_archive, ctx.at)
    status = result.api_status
    return SignatureFinding(
        id=sig_id, field=str(embedded.field_name), signer=cert.subject.human_friendly,
        verdict=judged.verdict, indication=judged.indication,
        subindication=judged.subindication, reason=judged.reason,
        intact=intact, byte_range=tuple(int(v) for v in embedded.byte_range),
        coverage=coverage_name(embedded), revision=embedded.signed_revision,
        chain=chain_of(status.validation_path if status else None, cert),
        revocation=revocation, claimed_time=embedded.self_reported_timestamp,
        best_signature_time=best_time,
        level=_level(judged.verdict, sig_timestamps, lta=lta, evidence=ctx.evidence),
        changes=change, certified=embedded.docmdp_level is not None,
        validity=validity, timestamps=tuple(t.id for t in sig_timestamps))
