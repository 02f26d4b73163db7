"""B-LTA validation (ETSI EN 319 102-1 §5.6.3) that takes the time-stamp validations already made.

pyHanko's :func:`~pyhanko.sign.validation.ades.ades_lta_validation` validates, at the
validation time, every document time-stamp of the evidence record, and then the signature
time-stamp once more: tokens :mod:`verify.timestamps` has just validated at that very time,
with the same trust anchors, revocation data, certificates and fetchers.
:func:`lta_validation` is the same procedure, step for step and from pyHanko's own pieces
(pinned to pyHanko 0.38), with one difference: where a token's validation at the
validation time *passed* with inputs identical to the ones pyHanko would use, it takes
that result instead of repeating it.  A pass is all the procedure uses at those two points
(a document time-stamp that passes adds its proof of existence; a signature time-stamp that
passes ends the loop), and a validation at the current time never reads the POE manager,
so the outcome is the same.

Nothing else is reused.  A token that did not pass, a validation that met a fetch failure
or fell back to local data, a signature carrying Adobe-style revocation data (which pyHanko
adds to what it knows), and the run without fetching after a failed fetch all go through
pyHanko's code as it is.  ``tests/verify/test_lta_equivalence.py`` compares the result with
``ades_lta_validation`` itself on every file of the corpus.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from copy import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from asn1crypto import cms
from pyhanko.sign.ades.report import AdESIndeterminate, AdESPassed, AdESStatus, AdESSubIndic
from pyhanko.sign.validation import errors, generic_cms
from pyhanko.sign.validation.ades import (
    _LTA_FURTHER_PROC,
    AdESBasicValidationResult,
    AdESLTAValidationResult,
    _ades_past_signature_validation,
    _ades_signature_crypto_policy_check,
    _adobe_revinfo_archival_to_local_knowledge,
    _build_prima_facie_poe_index_from_pdf_timestamps,
    _dss_to_local_knowledge,
    _operation_scoped_spec,
    _PrimaFaciePOEFromTimeStamp,
    _process_signature_ts,
    _qualification_analysis,
    ades_past_signature_validation,
    ades_timestamp_validation,
    ades_with_time_validation,
)
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.policy_decl import (
    LocalKnowledge,
    PdfSignatureValidationSpec,
    SignatureValidationSpec,
    bootstrap_validation_data_handlers,
)
from pyhanko.sign.validation.qualified.assess import QualificationPolicyError, enforce_requirements
from pyhanko.sign.validation.status import DocumentTimestampStatus, PdfSignatureStatus
from pyhanko_certvalidator.ltv.poe import POEManager, POEType
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo

from verify.fetching import Outcome

__all__ = ["PassedTimestamps", "expected_imprint", "lta_validation"]

_Result = AdESBasicValidationResult[Any]


def _imprint_algorithm(token: cms.SignedData) -> str:
    info = token["encap_content_info"]["content"].parsed
    algorithm: str = info["message_imprint"]["hash_algorithm"]["algorithm"].native
    return algorithm


@dataclass
class PassedTimestamps:
    """The time-stamp validations at the validation time that passed, each under the exact
    token and the exact message imprint it was checked against (the same token stamped
    on other data is another question)."""

    _passed: dict[tuple[bytes, bytes], _Result] = field(default_factory=dict)

    def record(self, token: cms.SignedData, expected_imprint: bytes,
               outcome: Outcome[_Result]) -> None:
        """Keep a validation that passed at the first try, with no fetch failing."""
        if outcome.result.ades_subindic is AdESPassed.OK and not outcome.failed \
                and not outcome.local:
            self._passed[(token.dump(), expected_imprint)] = outcome.result

    def get(self, token: cms.SignedData, expected_imprint: bytes) -> _Result | None:
        """The passed validation of ``token`` against ``expected_imprint``, if any."""
        return self._passed.get((token.dump(), expected_imprint))



def expected_imprint(token: cms.SignedData, checker: Callable[[str], bytes]) -> bytes:
    """What ``checker`` (pyHanko's imprint callable) expects for ``token``'s algorithm."""
    return checker(_imprint_algorithm(token))


async def _validate_evidence_record(candidates: list[_PrimaFaciePOEFromTimeStamp],
                                    spec: SignatureValidationSpec,
                                    timing: ValidationTimingInfo,
                                    passed: PassedTimestamps) -> POEManager:
    """pyHanko's ``_validate_prima_facie_poe``: the document time-stamps, oldest first, each
    at the validation time or else in the past, each adding its proof of existence."""
    resulting = POEManager()
    spec.local_knowledge.add_to_poe_manager(resulting)
    ordered = sorted(candidates, key=lambda p: p.pdf_revision)
    for ix, poe in enumerate(ordered):
        same_algorithm = _imprint_algorithm(poe.timestamp_token_signed_data) == poe.doc_hash_algo
        if same_algorithm and passed.get(poe.timestamp_token_signed_data, poe.doc_digest):
            poe.add_to_poe_manager(resulting)
            continue
        temporary = copy(resulting)
        if ix < len(ordered) - 1:
            ordered[ix + 1].add_to_poe_manager(temporary)
        handlers = bootstrap_validation_data_handlers(spec, timing_info=timing,
                                                      poe_manager_override=temporary)

        def _mi_check(algorithm: str, poe: _PrimaFaciePOEFromTimeStamp = poe) -> bytes:
            if algorithm == poe.doc_hash_algo:
                return poe.doc_digest
            raise AssertionError(f"hash algorithm {algorithm} but expected "
                                 f"{poe.doc_hash_algo}, this is a bug.")

        now = await ades_timestamp_validation(
            tst_signed_data=poe.timestamp_token_signed_data, validation_spec=spec,
            timing_info=timing, expected_tst_imprint=_mi_check,
            validation_data_handlers=handlers, extra_status_kwargs=poe.forensic_info,
            status_cls=DocumentTimestampStatus)
        sub = now.ades_subindic
        if sub.status == AdESStatus.PASSED:
            poe.add_to_poe_manager(resulting)
        elif sub.status == AdESStatus.FAILED:
            raise errors.SignatureValidationError(
                "Permanent failure while evaluating timestamp in PoE chain",
                ades_subindication=sub)
        else:
            assert isinstance(sub, AdESIndeterminate)
            past = await ades_past_signature_validation(
                signed_data=poe.timestamp_token_signed_data, validation_spec=spec,
                poe_manager=temporary, current_time_sub_indic=sub,
                init_control_time=timing.validation_time)
            if past.status != AdESStatus.PASSED:
                raise errors.SignatureValidationError(
                    "Could not validate timestamp in PoE chain at current time, and past "
                    "validation also failed", ades_subindication=sub)
            poe.add_to_poe_manager(resulting)
    return resulting


def _knowledge(embedded: EmbeddedPdfSignature, spec: SignatureValidationSpec,
               dss: LocalKnowledge) -> tuple[LocalKnowledge, bool]:
    """What pyHanko validates with: the settings', the DSS's and the signature's Adobe-style
    revocation data; and whether the latter is empty (else the settings and the DSS are not
    all there is, and no earlier validation is reused)."""
    initial = spec.local_knowledge
    ria = _adobe_revinfo_archival_to_local_knowledge(embedded)
    knowledge = LocalKnowledge(
        known_ocsps=initial.known_ocsps + dss.known_ocsps + ria.known_ocsps,
        known_crls=initial.known_crls + dss.known_crls + ria.known_crls,
        known_certs=initial.known_certs + dss.known_certs,
        known_poes=initial.known_poes, nonrevoked_assertions=initial.nonrevoked_assertions)
    return knowledge, not (ria.known_ocsps or ria.known_crls)


async def _signature_timestamp(embedded: EmbeddedPdfSignature, spec: SignatureValidationSpec,
                               poe: POEManager, timing: ValidationTimingInfo,
                               passed: PassedTimestamps) -> _Result | None:
    """Step 5: the first signature time-stamp that passes, if any."""
    checker = generic_cms.message_imprint_checker(embedded.signer_info)
    for token in generic_cms.extract_tst_data_iter(embedded.signer_info, signed=False):
        result = passed.get(token, expected_imprint(token, checker)) \
            or await _process_signature_ts(embedded, validation_spec=spec,
                                           poe_manager=copy(poe), timing_info=timing,
                                           signature_ts=token)
        if result.ades_subindic == AdESPassed.OK:
            return result
    return None


async def lta_validation(embedded: EmbeddedPdfSignature, pdf_spec: PdfSignatureValidationSpec,
                         timing: ValidationTimingInfo, passed: PassedTimestamps | None = None,
                         dss: LocalKnowledge | None = None) -> AdESLTAValidationResult:
    """:func:`~pyhanko.sign.validation.ades.ades_lta_validation`, taking ``passed``.

    :param passed: time-stamp validations at ``timing``'s validation time that passed with
        the settings of ``pdf_spec`` plus the document's DSS; ``None`` for pyHanko's procedure.
    :param dss: the document's DSS as already read (:func:`verify.evidence.read_evidence`):
        the same data as pyHanko would read again, in objects whose names are already
        prepared for comparison; ``None`` reads it.
    """
    async with _operation_scoped_spec(pdf_spec.signature_validation_spec) as scoped:
        knowledge, settings_and_dss_only = _knowledge(
            embedded, scoped, dss or _dss_to_local_knowledge(reader=embedded.reader))
        return await _lta(embedded, dataclasses.replace(scoped, local_knowledge=knowledge),
                          pdf_spec.diff_policy, timing,
                          passed if passed is not None and settings_and_dss_only
                          else PassedTimestamps())


async def _lta(embedded: EmbeddedPdfSignature, spec: SignatureValidationSpec,
               diff_policy: Any, timing: ValidationTimingInfo,
               passed: PassedTimestamps) -> AdESLTAValidationResult:
    """pyHanko's ``_scoped_ades_lta_validation`` with ``spec`` already augmented."""
    candidates = _build_prima_facie_poe_index_from_pdf_timestamps(
        embedded.reader, include_content_ts=True, diff_policy=diff_policy)
    poe, oldest = await _evidence_record(embedded, candidates, spec, timing, passed)
    handlers = bootstrap_validation_data_handlers(spec=spec, timing_info=timing,
                                                  poe_manager_override=copy(poe))
    prelim = await ades_with_time_validation(
        signed_data=embedded.signed_data, validation_spec=spec, timing_info=timing,
        validation_data_handlers=handlers, raw_digest=embedded.compute_digest(),
        extra_status_kwargs=embedded.summarise_integrity_info(), status_cls=PdfSignatureStatus)
    current = prelim.ades_subindic

    def result(subindic: AdESSubIndic, msg: str | None, status: Any,
               best: datetime, ts: _Result | None) -> AdESLTAValidationResult:
        return AdESLTAValidationResult(
            ades_subindic=subindic, api_status=status, failure_msg=msg,
            best_signature_time=best, signature_not_before_time=prelim.signature_not_before_time,
            oldest_evidence_record_timestamp=oldest, signature_timestamp_status=ts,
            validation_objects=prelim.validation_objects)

    if current not in _LTA_FURTHER_PROC:
        return result(current, f"Validation of signature at current time failed with "
                               f"indication {current}. Past validation not applicable.",
                      prelim.api_status, prelim.best_signature_time, None)
    signature_bytes = embedded.signer_info["signature"].native
    poe.register(signature_bytes, poe_type=POEType.VALIDATION, dt=prelim.best_signature_time)
    ts_result = await _signature_timestamp(embedded, spec, poe, timing, passed)
    status = prelim.api_status
    if status and ts_result and ts_result.ades_subindic == AdESPassed.OK:
        status = dataclasses.replace(status, timestamp_validity=ts_result.api_status)
    if isinstance(current, AdESPassed | AdESIndeterminate):  # step 6, past validation
        past_poe = copy(poe)
        try:
            path = await _ades_past_signature_validation(
                signed_data=embedded.signed_data, validation_spec=spec, poe_manager=past_poe,
                current_time_sub_indic=current, init_control_time=timing.validation_time,
                is_timestamp=False)
        except errors.SignatureValidationError as e:
            return result(e.ades_subindication or current, e.failure_message, status,
                          past_poe[signature_bytes], ts_result)
        if status is not None:
            status = dataclasses.replace(status, validation_path=status.validation_path or path,
                                         trust_problem_indic=None)
        poe = past_poe
    return _checked(embedded, spec, current, status, poe[signature_bytes],
                    lambda sub, msg, st, best: result(sub, msg, st, best, ts_result))


async def _evidence_record(embedded: EmbeddedPdfSignature,
                           candidates: list[_PrimaFaciePOEFromTimeStamp],
                           spec: SignatureValidationSpec, timing: ValidationTimingInfo,
                           passed: PassedTimestamps) -> tuple[POEManager, datetime | None]:
    """Step 1: the POE the document time-stamps prove, and the oldest after the signature;
    a chain that does not validate proves nothing (pyHanko logs and goes on without it)."""
    oldest = None
    try:
        poe = await _validate_evidence_record(candidates, spec, timing, passed)
        after = [c for c in candidates if c.pdf_revision > embedded.signed_revision]
        if after:
            oldest = min(after, key=lambda c: c.pdf_revision).timestamp_dt
    except errors.SignatureValidationError:
        pass
    if oldest is None:
        poe = POEManager()
        spec.local_knowledge.add_to_poe_manager(poe)
    return poe, oldest


def _checked(embedded: EmbeddedPdfSignature, spec: SignatureValidationSpec,
             current: AdESSubIndic, status: Any, poe_time: datetime,
             result: Any) -> AdESLTAValidationResult:
    """Steps 7 and 8: the algorithms at the oldest POE, then the qualification rules."""
    policy = spec.cert_validation_policy.algorithm_usage_policy
    subindic: AdESSubIndic = AdESPassed.OK
    msg = None
    try:
        if policy is not None:
            _ades_signature_crypto_policy_check(embedded.signer_info, algo_policy=policy,
                                                control_time=poe_time,
                                                public_key=embedded.signer_cert.public_key)
    except errors.SignatureValidationError as e:
        subindic, msg = e.ades_subindication or current, e.failure_message
    if status and status.validation_path:
        qualification = _qualification_analysis(spec.cert_validation_policy.trust_manager,
                                                status.validation_path, moment=poe_time)
        status = dataclasses.replace(status, qualification_result=qualification)
        if qualification and spec.qualification_requirements and status.validation_path:
            try:
                enforce_requirements(spec.qualification_requirements, qualification,
                                     status.validation_path)
            except QualificationPolicyError as e:
                status = dataclasses.replace(status, trust_problem_indic=e.ades_subindication)
                return result(e.ades_subindication, e.failure_message, status, poe_time)  # type: ignore[no-any-return]
    return result(subindic, msg, status, poe_time)  # type: ignore[no-any-return]
