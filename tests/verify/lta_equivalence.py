"""Our one-pass B-LTA validation (:mod:`verify.lta`) against pyHanko's own, on one file.

:func:`same_as_pyhanko` validates every signature of a PDF twice at the same time: with
:func:`pyhanko.sign.validation.ades.ades_lta_validation`, and with
:func:`verify.lta.lta_validation` given the time-stamp validations that
:func:`verify.timestamps.check_timestamp` kept while judging the file, exactly as
:func:`verify.verify_pdf` does.  Every field of the result this package reads must match.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from collections.abc import Awaitable
from datetime import datetime
from typing import Any

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo

from verify import TrustSettings
from verify.document import _specs, _timestamp_inputs
from verify.evidence import read_evidence
from verify.lta import PassedTimestamps, lta_validation
from verify.timestamps import check_timestamp
from verify.validation_clock import validation_clock

__all__ = ["same_as_pyhanko"]


async def _fields(validation: Awaitable[Any]) -> dict[str, Any]:
    """What :mod:`verify.signatures` reads of a B-LTA result, and the rest that is comparable.

    A ``best_signature_time`` read off the wall clock while the call ran (pyHanko's value when
    its validation stops before the time-stamps) is "the wall clock": two runs differ there
    by the microseconds between them.
    """
    before = dt.datetime.now(dt.UTC)
    result = await validation
    after = dt.datetime.now(dt.UTC)
    best = result.best_signature_time
    status = result.api_status
    path = status.validation_path if status is not None else None
    ts = result.signature_timestamp_status
    return {
        "subindic": result.ades_subindic, "failure": result.failure_msg,
        "best_signature_time": "the wall clock" if best and before <= best <= after else best,
        "not_before": result.signature_not_before_time,
        "oldest_evidence_record": result.oldest_evidence_record_timestamp,
        "signature_timestamp": ts.ades_subindic if ts is not None else None,
        "path": [c.sha256 for c in path.iter_certs(include_root=True)] if path else None,
        "trust_problem": status.trust_problem_indic if status is not None else None,
        "timestamp_validity": status.timestamp_validity is not None if status else None,
    }


async def _both(data: bytes, settings: TrustSettings,
                at: datetime) -> list[tuple[dict[str, Any], dict[str, Any], int]]:
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    sigs = sorted(reader.embedded_signatures, key=lambda e: e.signed_revision)
    evidence = read_evidence(reader, settings)
    spec, archival = _specs(settings, evidence)
    per_signature, doc_inputs = _timestamp_inputs(sigs)
    passed = PassedTimestamps()
    for item in [*doc_inputs, *(t for ts in per_signature.values() for t in ts)]:
        await check_timestamp(item, spec=spec.signature_validation_spec, evidence=evidence,
                              at=at, reference_times=(), passed=passed)
    timing = ValidationTimingInfo(at, at, point_in_time_validation=False)
    out = []
    for emb in (s for s in sigs if s.sig_object_type == "/Sig"):
        theirs = await _fields(ades_lta_validation(emb, archival, timing_info=timing))
        ours = await _fields(lta_validation(emb, archival, timing, passed,
                                            dss=evidence.dss_knowledge))
        out.append((ours, theirs, len(passed._passed)))
    return out


def same_as_pyhanko(data: bytes, settings: TrustSettings, at: datetime) -> int:
    """Assert that both validations agree on every signature of ``data`` at ``at``.

    :return: how many time-stamp validations were there to take (so a caller can check
        that the comparison covered the path that takes them).
    """
    with validation_clock(at):
        results = asyncio.run(_both(data, settings, at))
    assert results, "no signature to compare"
    for ours, theirs, _ in results:
        diff = {k: (ours[k], theirs[k]) for k in ours if ours[k] != theirs[k]}
        assert not diff, f"ours vs pyHanko: {diff}"
    return max(n for _, _, n in results)
