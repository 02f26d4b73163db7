"""Figure ``verify_vs_pyhanko_lta_ratio``: the full report against pyHanko's bare B-LTA answer.

The baseline is what a new user of pyHanko writes to learn "valid or not" of an ES-A file,
offline, as ``pyhanko sign adesverify --validation-time`` does: read the file, take its
signature, run :func:`~pyhanko.sign.validation.ades.ades_lta_validation` with the trust
root, revocation data required, the default diff policy.  Ours is :func:`verify.verify_pdf`
``--offline``: every signature and time-stamp, the matrix at every reference time.  The two
run alternately in one process, so a neighbour on the machine slows both alike.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo

from benchmarks.measure import Summary
from benchmarks.results import Results
from benchmarks.workbench import Workbench
from verify import TrustSettings, load_trust_settings, verify_pdf
from verify.trust import pdf_validation_spec

__all__ = ["Alternated", "alternate", "bare_lta_validation", "measure_lta_ratio"]


def bare_lta_validation(data: bytes, settings: TrustSettings, at: datetime) -> bool:
    """pyHanko's B-LTA validation of the file's first signature at ``at``: valid or not."""
    spec = pdf_validation_spec(settings)
    spec = type(spec)(signature_validation_spec=spec.signature_validation_spec,
                      diff_policy=DEFAULT_DIFF_POLICY)
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    embedded = reader.embedded_regular_signatures[0]
    timing = ValidationTimingInfo(at, at, point_in_time_validation=True)
    result = asyncio.run(ades_lta_validation(embedded, spec, timing_info=timing))
    return bool(result.ades_subindic.status.name == "PASSED")


@dataclass(frozen=True)
class Alternated:
    """Wall-clock and CPU milliseconds of two calls timed in turn."""

    first: Summary
    second: Summary
    #: The same calls' CPU time (this process only): what a busy machine changes least.
    first_cpu: Summary
    second_cpu: Summary


def alternate(first: Callable[[], object], second: Callable[[], object], *, repeats: int,
              warmup: int = 2) -> Alternated:
    """Time ``first`` and ``second`` in turn, ``repeats`` times each (ms)."""
    for _ in range(warmup):
        first()
        second()
    wall: tuple[list[float], list[float]] = ([], [])
    cpu: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        for n, call in enumerate((first, second)):
            start, start_cpu = time.perf_counter(), time.process_time()
            call()
            cpu[n].append((time.process_time() - start_cpu) * 1000)
            wall[n].append((time.perf_counter() - start) * 1000)
    return Alternated(Summary.of(wall[0]), Summary.of(wall[1]), Summary.of(cpu[0]),
                      Summary.of(cpu[1]))


def measure_lta_ratio(bench: Workbench, results: Results, signed: bytes, *, repeats: int,
                      at: datetime) -> None:
    """Record ``verify_vs_pyhanko_lta_ratio`` with ``verify_offline_alternating_ms`` and
    ``pyhanko_lta_ms`` beside it.

    :raises RuntimeError: when either side does not find the file valid (the figure would
        then compare failure paths).
    """
    settings = load_trust_settings(trust=[bench.root_pem], offline=True)
    if not bare_lta_validation(signed, settings, at):
        raise RuntimeError("pyHanko's B-LTA validation does not pass the ES-A sample")
    verdicts: list[str] = []

    def ours() -> None:
        verdicts.append(verify_pdf(signed, path="es-a.pdf", settings=settings, at=at)
                        .verdict.value)

    timed = alternate(ours, lambda: bare_lta_validation(signed, settings, at), repeats=repeats)
    ours_ms, theirs_ms = timed.first, timed.second
    if set(verdicts) != {"valid"}:
        raise RuntimeError(f"the ES-A sample verifies as {set(verdicts)}, not valid")
    results.record("verify_offline_alternating_ms", ours_ms.median, summary=ours_ms,
                   note="verify_pdf --offline, alternating with pyhanko_lta_ms")
    results.record("pyhanko_lta_ms", theirs_ms.median, summary=theirs_ms,
                   note="read + ades_lta_validation, offline, point in time")
    results.record("verify_vs_pyhanko_lta_ratio", ours_ms.median / theirs_ms.median,
                   note="verify_offline_alternating_ms / pyhanko_lta_ms, same process")
    results.record("verify_vs_pyhanko_lta_cpu_ratio",
                   timed.first_cpu.median / timed.second_cpu.median,
                   note=f"the same runs' CPU time: {timed.first_cpu.median:.1f} ms / "
                        f"{timed.second_cpu.median:.1f} ms")
