"""Where one offline verification of an ES-A file spends its time, phase by phase.

    .venv/bin/python -m benchmarks.verify_phases [FILE.pdf] [--repeats N]

Without a file it signs a fresh ES-A guarantee certificate (in-process TSA).  It prints the
unprofiled medians of :func:`verify.verify_pdf` ``--offline`` and of pyHanko's bare
``ades_lta_validation`` (alternating, :mod:`benchmarks.lta_ratio`), then a cProfile of
``verify_pdf``: the inclusive time per call of the pyHanko entry points each phase goes
through.  Profiled times are inflated by the profiler; compare them between runs of this
script, not with the medians.  Phases overlap where one calls the other (the B-LTA
validation validates time-stamps too): a time-stamp validation is split by its caller.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.lta_ratio import alternate, bare_lta_validation
from benchmarks.workbench import PIN, Workbench
from verify import load_trust_settings, verify_pdf

__all__ = ["PHASES", "main", "phase_times"]

#: Phase name → the functions (module path suffix, name) whose inclusive time it is.
PHASES: dict[str, tuple[tuple[str, str], ...]] = {
    "read: xref and trailer (PdfFileReader)": (("pdf_utils/reader.py", "__init__"),),
    "read: hex strings (/Contents tokenizer)": (
        ("pdf_utils/generic.py", "read_hex_string_from_stream"),),
    "read: signature objects (EmbeddedPdfSignature)": (
        ("validation/pdf_embedded.py", "__init__"),),
    "read: DSS": (("validation/dss.py", "read_dss"),),
    "diff analysis (compute_integrity_info)": (
        ("validation/pdf_embedded.py", "compute_integrity_info"),),
    "signature: AdES validation (basic / with time / LTA)": (
        ("validation/ades.py", "ades_basic_validation"),
        ("validation/ades.py", "ades_with_time_validation", "verify/signatures.py"),
        ("validation/ades.py", "ades_lta_validation"),
        ("verify/lta.py", "lta_validation")),
    # verify.timestamps awaits it through verify.fetching.online_or_local, its profiled caller
    "time-stamps: ades_timestamp_validation, by verify.timestamps": (
        ("validation/ades.py", "ades_timestamp_validation", "verify/fetching.py"),),
    "time-stamps: ades_timestamp_validation, again in the B-LTA validation": (
        ("validation/ades.py", "ades_timestamp_validation", "pyhanko/"),
        ("validation/ades.py", "ades_timestamp_validation", "verify/lta.py")),
    "matrix: certificate validity per reference time": (("verify/evidence.py", "validity_at"),),
}


def _matches(key: tuple[str, int, str], path: str, name: str) -> bool:
    return key[0].endswith(path) and key[2] == name


def phase_times(stats: pstats.Stats, runs: int) -> dict[str, float]:
    """Inclusive milliseconds per run of each phase of :data:`PHASES`."""
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    out: dict[str, float] = {}
    for phase, funcs in PHASES.items():
        total = 0.0
        for spec in funcs:
            path, name = spec[0], spec[1]
            caller = spec[2] if len(spec) > 2 else None
            for key, (_, _, _, cumulative, callers) in table.items():
                if not _matches(key, path, name):
                    continue
                if caller is None:
                    total += cumulative
                else:
                    total += sum(edge[3] for who, edge in callers.items() if caller in who[0])
        out[phase] = total * 1000 / runs
    return out


def _sample(work: Path) -> bytes:
    """A fresh ES-A guarantee certificate."""
    from pdfsign.documents import parse_document
    from pdfsign.render import render_pdf
    from pdfsign.signing import Level, load_signer, sign_pdf, signing_services

    bench, at = Workbench(work=work), datetime.now(UTC)
    pdf = render_pdf(parse_document(bench.guarantee(0)), created_at=at)
    services = signing_services(pki_dir=bench.pki_dir, state_dir=None, tsa_url=None)
    return sign_pdf(pdf, signer=load_signer(bench.signer_p12, PIN), level=Level.ES_A,
                    timestamper=services.timestamper,
                    validation_context_factory=services.validation_context, at=at)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the medians and the phase table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.verify_phases")
    parser.add_argument("file", nargs="?", type=Path)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args(argv)
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        data = args.file.read_bytes() if args.file else _sample(Path(tmp))
    bench = Workbench(work=Path("."))
    settings = load_trust_settings(trust=[bench.root_pem], offline=True)
    at = datetime.now(UTC)

    def ours() -> str:
        return verify_pdf(data, path="es-a.pdf", settings=settings, at=at).verdict.value

    print(f"verdict: {ours()}; pyHanko B-LTA passes: {bare_lta_validation(data, settings, at)}")
    timed = alternate(ours, lambda: bare_lta_validation(data, settings, at),
                      repeats=args.repeats)
    for label, mine, theirs in (("wall", timed.first, timed.second),
                                ("CPU", timed.first_cpu, timed.second_cpu)):
        print(f"{label:>4}: verify_pdf --offline median {mine.median:6.1f} ms (min "
              f"{mine.minimum:.1f}); pyHanko ades_lta alone {theirs.median:6.1f} ms (min "
              f"{theirs.minimum:.1f}); ratio {mine.median / theirs.median:.2f}")
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.repeats):
        ours()
    profile.disable()
    stats = pstats.Stats(profile)
    total = sum(v[3] for k, v in stats.stats.items()  # type: ignore[attr-defined]
                if k[2] == "verify_pdf") * 1000 / args.repeats
    print(f"\nprofiled, ms per verify_pdf (total {total:.1f}):")
    for phase, ms in phase_times(stats, args.repeats).items():
        print(f"  {ms:7.1f}  {phase}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
