"""Signature timestamps and document timestamps, each judged on its own (ETSI EN 319 102-1 §5.4).

A timestamp whose message imprint does not match what it claims to stamp is reported with
``HASH_FAILURE`` and never counts towards a level.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from asn1crypto import cms, x509
from pyhanko.sign.ades.report import AdESFailure, AdESPassed, AdESStatus
from pyhanko.sign.validation.ades import AdESBasicValidationResult, ades_timestamp_validation
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.policy_decl import SignatureValidationSpec
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo

from verify.evidence import Evidence, chain_of, revocation_of, validity_at
from verify.fetching import Outcome, ades_final, online_or_local, unobtainable_reason
from verify.lta import PassedTimestamps, expected_imprint
from verify.report import (
    CellStatus,
    ReferenceTime,
    RevocationSummary,
    ServiceFailure,
    TimestampFinding,
)

__all__ = ["TimestampInput", "check_timestamp", "coverage_name", "indication_of",
           "revocation_unobtainable", "tst_time"]

#: "The bytes or the signature value do not verify" (ETSI EN 319 102-1 §5.2.7).
_INTEGRITY_FAILURES = {AdESFailure.HASH_FAILURE, AdESFailure.SIG_CRYPTO_FAILURE,
                       AdESFailure.FORMAT_FAILURE}
_NO_REVOCATION = RevocationSummary(status="unknown", sources=())


def _reason(result: AdESBasicValidationResult[Any], indication: str,
            subindication: str | None) -> str | None:
    if indication == "TOTAL_PASSED":
        return None
    if result.failure_msg:
        return str(result.failure_msg)
    if subindication == "HASH_FAILURE":
        return "the timestamp's message imprint does not match the data it claims to stamp"
    return f"ETSI sub-indication {subindication}"


def tst_time(tst: cms.SignedData) -> datetime:
    """The ``genTime`` of a timestamp token (RFC 3161 §2.4.2)."""
    info = tst["encap_content_info"]["content"].parsed
    gen_time: datetime = info["gen_time"].native
    return gen_time


def indication_of(result: AdESBasicValidationResult[Any]) -> tuple[str, str | None]:
    """ETSI main indication and sub-indication names of a pyHanko AdES result."""
    subindic = result.ades_subindic
    status = subindic.status
    main = {AdESStatus.PASSED: "TOTAL_PASSED", AdESStatus.FAILED: "TOTAL_FAILED",
            AdESStatus.INDETERMINATE: "INDETERMINATE"}[status]
    return main, (None if subindic is AdESPassed.OK else str(subindic.standard_name))


def revocation_unobtainable(subindication: str | None, failed: tuple[ServiceFailure, ...],
                            now: CellStatus) -> bool:
    """Indeterminate only because revocation data could not be fetched and nothing local
    covers it: ETSI EN 319 102-1 TRY_LATER, not a generic chain failure.

    pyHanko reports missing revocation data as CERTIFICATE_CHAIN_GENERAL_FAILURE; the matrix
    cell at the validation time (``no-revocation-data``) says that missing data was the cause.
    """
    return bool(failed) and now is CellStatus.NO_REVOCATION_DATA \
        and subindication == "CERTIFICATE_CHAIN_GENERAL_FAILURE"


def coverage_name(embedded: EmbeddedPdfSignature) -> str:
    """How much of the file a signature's ``/ByteRange`` covers, as a report keyword.

    A document timestamp's coverage is evaluated here: nothing else computes it for the
    object this package holds, and without it every archive timestamp read "unclear".
    """
    coverage = embedded.coverage if embedded.coverage is not None \
        else embedded.evaluate_signature_coverage()
    names = {"ENTIRE_FILE": "entire-file", "ENTIRE_REVISION": "entire-revision",
             "CONTIGUOUS_BLOCK_FROM_START": "contiguous-block"}
    return names.get(coverage.name if coverage is not None else "", "unclear")


@dataclass(frozen=True)
class TimestampInput:
    """One timestamp token to judge and what it is supposed to stamp."""

    id: str
    kind: str
    token: cms.SignedData
    expected_imprint: Callable[[str], bytes]
    embedded: EmbeddedPdfSignature | None = None
    """The document timestamp's own signature object; ``None`` for a signature timestamp."""


def _signer_cert(token: cms.SignedData) -> x509.Certificate | None:
    sid = token["signer_infos"][0]["sid"]
    for choice in token["certificates"]:
        cert = choice.chosen
        # the serial first: comparing names (RFC 5280 string preparation) is the costly part
        if isinstance(cert, x509.Certificate) and sid.name == "issuer_and_serial_number" \
                and cert.serial_number == sid.chosen["serial_number"].native \
                and cert.issuer == sid.chosen["issuer"]:
            return cert
        if isinstance(cert, x509.Certificate) and sid.name == "subject_key_identifier" \
                and cert.key_identifier == sid.chosen.native:
            return cert
    return None


async def _cells(token: cms.SignedData, tsa_cert: x509.Certificate | None, *, intact: bool,
                 evidence: Evidence,
                 reference_times: tuple[ReferenceTime, ...]) -> dict[str, CellStatus]:
    """The matrix row: the TSA certificate's validity at each reference time from genTime on."""
    extra = [c.chosen for c in token["certificates"] if isinstance(c.chosen, x509.Certificate)]
    validity: dict[str, CellStatus] = {}
    for ref in reference_times:
        if not intact:
            validity[ref.id] = CellStatus.INVALID_INTEGRITY
        elif tsa_cert is None:
            validity[ref.id] = CellStatus.INDETERMINATE
        elif ref.time < tst_time(token):
            validity[ref.id] = CellStatus.NOT_APPLICABLE
        else:
            validity[ref.id] = await validity_at(tsa_cert, extra, evidence=evidence, at=ref.time)
    return validity


async def _validation(item: TimestampInput, spec: SignatureValidationSpec,
                      local_spec: SignatureValidationSpec, *, evidence: Evidence,
                      at: datetime) -> Outcome[AdESBasicValidationResult[Any]]:
    """pyHanko's timestamp validation (§5.4), online first, see :mod:`verify.fetching`."""
    timing = ValidationTimingInfo(at, at, point_in_time_validation=False)
    return await online_or_local(
        lambda: ades_timestamp_validation(item.token, spec, item.expected_imprint,
                                          timing_info=timing),
        lambda: ades_timestamp_validation(item.token, local_spec, item.expected_imprint,
                                          timing_info=timing),
        backend=evidence.online, final=ades_final)


async def check_timestamp(item: TimestampInput, *, spec: SignatureValidationSpec,
                          evidence: Evidence, at: datetime,
                          reference_times: tuple[ReferenceTime, ...],
                          local_spec: SignatureValidationSpec | None = None,
                          passed: PassedTimestamps | None = None) -> TimestampFinding:
    """Validate one timestamp at ``at`` and at every reference time.

    :param item: the token and the imprint it must carry.
    :param at: the validation time (now or ``--at``).
    :param local_spec: ``spec`` without fetching, used when a fetch failed and the online
        run reached no final answer (see :mod:`verify.fetching`).
    :param passed: where a validation that passed is kept for the B-LTA validation
        (:mod:`verify.lta`), which would otherwise repeat it.
    :return: the finding; ``intact`` is false when the imprint or the token's signature fails.
    """
    outcome = await _validation(item, spec, local_spec or spec, evidence=evidence, at=at)
    result = outcome.result
    if passed is not None and result.ades_subindic is AdESPassed.OK:
        passed.record(item.token, expected_imprint(item.token, item.expected_imprint),
                      outcome)
    indication, subindication = indication_of(result)
    reason = _reason(result, indication, subindication)
    intact = result.ades_subindic not in _INTEGRITY_FAILURES
    status = result.api_status
    tsa_cert = status.signing_cert if status is not None else _signer_cert(item.token)
    validity = await _cells(item.token, tsa_cert, intact=intact, evidence=evidence,
                            reference_times=reference_times)
    now_cell = validity.get("now", CellStatus.INDETERMINATE)
    if revocation_unobtainable(subindication, outcome.failed, now_cell):
        subindication, reason = "TRY_LATER", unobtainable_reason(outcome.failed)
    embedded = item.embedded
    return TimestampFinding(
        id=item.id, kind=item.kind,
        tsa=tsa_cert.subject.human_friendly if tsa_cert is not None else "?",
        time=tst_time(item.token), intact=intact, indication=indication,
        subindication=subindication, reason=reason,
        chain=chain_of(status.validation_path if status else None, tsa_cert)
        if tsa_cert is not None else (),
        revocation=revocation_of(tsa_cert, evidence=evidence, current=now_cell,
                                 unreachable=outcome.failed, local=outcome.local)
        if tsa_cert is not None else _NO_REVOCATION,
        byte_range=tuple(int(v) for v in embedded.byte_range) if embedded else None,
        covers_whole_file=(coverage_name(embedded) == "entire-file") if embedded else None,
        revision=embedded.signed_revision if embedded else None,
        validity=validity,
        verifiable_until=tsa_cert.not_valid_after if tsa_cert is not None else None,
    )
