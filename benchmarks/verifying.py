"""Figures ``verify_es_a_ms``, ``verify_files_per_s`` and the ``adesverify`` baseline.

Verification is the product's :func:`verify.verify_pdf` (every signature and time-stamp at
every reference time, revocation required, diff analysis), with the trust root only and
fetching allowed, as ``pdfsign verify --trust root.pem`` does: the PKI's server must answer
at the certificates' URLs.  The folder is made of freshly signed ES-A files (each with its
own signature and time-stamps), signed by a warm pool before the clock starts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from benchmarks.measure import time_calls
from benchmarks.pools import BARRIER_TIMEOUT_S, map_bounded, warm_pool
from benchmarks.pyhanko_cli import adesverify_command, run_checked, run_parallel
from benchmarks.results import Results
from benchmarks.workbench import PIN, Workbench
from pdfsign.signing import Level, SigningServices, load_signer, sign_pdf, signing_services
from verify import (
    DocumentReport,
    RevocationCache,
    TrustSettings,
    load_trust_settings,
    verify_pdf,
)

__all__ = ["make_signed_folder", "measure_verify_baseline", "measure_verify_folder",
           "measure_verify_one"]


class _Worker:
    """A worker process's warm state: a signer and TSA, or trust settings and a barrier."""

    signer: Any
    services: SigningServices
    settings: TrustSettings
    cache: RevocationCache
    barrier: Any
    at: datetime


def measure_verify_one(bench: Workbench, results: Results, signed: bytes, *, repeats: int,
                       at: datetime) -> None:
    """Record ``verify_es_a_ms`` (warm, fetching allowed), ``verify_es_a_fetching_ms`` and
    ``verify_es_a_offline_ms``.

    "Warm" is a process that has verified before, as ``pdfsign verify`` on a folder or a
    server is: its :class:`RevocationCache` holds the OCSP responses and CRLs fetched for
    the first file, still valid, so later files are checked against them without asking
    the responders again.  ``verify_es_a_fetching_ms`` fetches everything for every file
    (a cold cache each time); ``verify_es_a_offline_ms`` fetches nothing (``--offline``).

    :param signed: an ES-A document.
    :param at: the validation time.
    :raises RuntimeError: when the document does not verify as valid (the figure would
        then time a failure path).
    """
    online = load_trust_settings(trust=[bench.root_pem])
    variants = (("verify_es_a_ms", online, RevocationCache(),
                 "fetching allowed; revocation data fetched for the first run reused "
                 "while valid (the process's RevocationCache)"),
                ("verify_es_a_fetching_ms", online, None,
                 "fetching allowed, no cache: every run asks the PKI's server again"),
                ("verify_es_a_offline_ms", load_trust_settings(trust=[bench.root_pem],
                                                               offline=True), None,
                 "embedded revocation data only (--offline)"))
    for key, settings, cache, note in variants:

        def verify_once(settings: TrustSettings = settings,
                        cache: RevocationCache | None = cache) -> DocumentReport:
            return verify_pdf(signed, path="es-a.pdf", settings=settings, at=at,
                              revocation_cache=cache)

        summary, report = time_calls(verify_once, repeats=repeats, warmup=2)
        if report.verdict.value != "valid":
            raise RuntimeError(f"the ES-A sample verifies as {report.verdict.value}, not valid")
        results.record(key, summary.median, summary=summary, note=note)


def _init_signer(barrier: Any, p12: str, pki_dir: str, state_dir: str, at: datetime) -> None:
    _Worker.signer = load_signer(Path(p12), PIN)
    _Worker.services = signing_services(pki_dir=Path(pki_dir), state_dir=Path(state_dir),
                                        tsa_url=None)
    _Worker.barrier, _Worker.at = barrier, at


def _signer_ready(_: object) -> None:
    _Worker.barrier.wait(timeout=BARRIER_TIMEOUT_S)


def _sign_to(job: tuple[bytes, str]) -> int:
    pdf, path = job
    signed = sign_pdf(pdf, signer=_Worker.signer, level=Level.ES_A,
                      timestamper=_Worker.services.timestamper,
                      validation_context_factory=_Worker.services.validation_context,
                      at=_Worker.at)
    Path(path).write_bytes(signed)
    return len(signed)


def make_signed_folder(bench: Workbench, pdfs: list[bytes], *, count: int, at: datetime,
                       max_seconds: float, workers: int = 2) -> Path:
    """A folder of up to ``count`` ES-A files, signed from ``pdfs`` in turn by a process pool.

    :param max_seconds: sign no more files after this long.
    """
    folder = bench.folder("verify-folder")
    initargs = (str(bench.signer_p12), str(bench.pki_dir), str(bench.folder("verify-tsa")), at)
    jobs = ((pdfs[i % len(pdfs)], str(folder / f"es-a-{i:04d}.pdf")) for i in range(count))
    with warm_pool(workers, initializer=_init_signer, initargs=initargs,
                   ready=_signer_ready) as pool:
        map_bounded(pool, _sign_to, jobs, max_seconds=max_seconds, in_flight=4 * workers)
    return folder


def _init_verifier(barrier: Any, root_pem: str, at: datetime, warm_path: str) -> None:
    """A worker as ``pdfsign verify``'s pool makes it: trust settings and an empty
    revocation cache, then one file verified unmeasured (imports, first fetches)."""
    _Worker.settings = load_trust_settings(trust=[Path(root_pem)])
    _Worker.cache = RevocationCache()
    _Worker.barrier, _Worker.at = barrier, at
    _verify_one(warm_path)


def _verifier_ready(_: object) -> None:
    _Worker.barrier.wait(timeout=BARRIER_TIMEOUT_S)


def _verify_one(path: str) -> str:
    report = verify_pdf(Path(path).read_bytes(), path=path, settings=_Worker.settings,
                        at=_Worker.at, revocation_cache=_Worker.cache)
    return report.verdict.value


def _folder_rate(bench: Workbench, paths: list[str], *, at: datetime, max_seconds: float,
                 workers: int) -> tuple[float, str]:
    """Files per second of ``paths`` through ``workers`` processes, and how it was measured.

    :raises RuntimeError: when a file does not verify as valid.
    """
    with warm_pool(workers, initializer=_init_verifier, ready=_verifier_ready,
                   initargs=(str(bench.root_pem), at, paths[0])) as pool:
        run = map_bounded(pool, _verify_one, paths, max_seconds=max_seconds,
                          in_flight=4 * workers)
    verdicts = Counter(run.results)
    if set(verdicts) != {"valid"}:
        raise RuntimeError(f"not every file verified as valid: {dict(verdicts)}")
    bound = f" of {len(paths)} (stopped at the {max_seconds:.0f} s bound)" if run.cut_short else ""
    return len(run.results) / run.seconds, (
        f"{len(run.results)}{bound} ES-A files, {workers} worker process"
        f"{'es' if workers > 1 else ''}, {run.seconds:.1f} s")


def measure_verify_folder(bench: Workbench, results: Results, folder: Path, *, at: datetime,
                          max_seconds: float, workers: int = 2) -> None:
    """Record ``verify_files_per_s``: the files of ``folder`` through ``workers`` processes;
    then ``verify_files_per_s_1_worker``, the same through one, and ``verify_folder_scaling``,
    the first divided by the second.

    :param max_seconds: each run verifies no more files after this long (its note then says
        how many).
    :raises RuntimeError: when a file does not verify as valid.
    """
    paths = [str(p) for p in sorted(folder.glob("*.pdf"))]
    if not paths:
        raise RuntimeError(f"no signed files in {folder}")
    rate, note = _folder_rate(bench, paths, at=at, max_seconds=max_seconds, workers=workers)
    results.record("verify_files_per_s", rate, note=note)
    single, single_note = _folder_rate(bench, paths, at=at, max_seconds=max_seconds, workers=1)
    results.record("verify_files_per_s_1_worker", single, note=single_note)
    results.record("verify_folder_scaling", rate / single,
                   note=f"verify_files_per_s ({workers} workers) / verify_files_per_s_1_worker")


def measure_verify_baseline(bench: Workbench, results: Results, folder: Path, *,
                            count: int) -> None:
    """Record ``verify_cli_files_per_s``: ``pyhanko sign adesverify`` per file, one after
    the other (a script looping over a folder), and ``verify_cli_parallel_files_per_s``:
    the same 2 at a time, over the first ``count`` files of ``folder``."""
    paths = sorted(folder.glob("*.pdf"))[:count]

    def job(path: Path) -> Callable[[], None]:
        def run() -> None:
            run_checked(adesverify_command(infile=path, root=bench.root_pem), expect=":VALID")
        return run

    for key, workers in (("verify_cli_files_per_s", 1), ("verify_cli_parallel_files_per_s", 2)):
        run = run_parallel([job(p) for p in paths], workers=workers)
        results.record(key, run.per_second, note=f"{len(paths)} files, {workers} at a time")
