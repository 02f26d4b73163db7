"""Figures ``issue_docs_per_s``, ``issue_rss_growth_mb`` and the CLI baseline of issuing.

Issuing is the product's whole path per document: render, sign ES-A with the in-process
TSA, store in the registry (SQLite and the PDF store).

* ``issue_docs_per_s`` is ``pdfsign issue --batch``'s own pool (:func:`pdfsign.batch.run_batch`)
  over a JSON-lines batch file, worker start-up included: what a user sees.
* ``issue_rss_growth_mb`` (and ``issue_warm_docs_per_s``) come from two worker processes that
  each build one warm :class:`pdfsign.issuing.Issuer` and sample their RSS while issuing; the
  clock runs only once both are warm.
* The baseline does the same work per document with the pyHanko CLI signing in a fresh
  process each time.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from benchmarks.measure import Summary, rss_mb
from benchmarks.pools import BARRIER_TIMEOUT_S, map_bounded, warm_pool
from benchmarks.pyhanko_cli import addsig_command, run_checked, run_parallel
from benchmarks.results import Results
from benchmarks.workbench import PIN, SIGNER, Workbench
from pdfsign.batch import read_rows, run_batch
from pdfsign.config import Settings
from pdfsign.documents import parse_document
from pdfsign.issuing import Issuer, issue, new_file_for
from pdfsign.registry import Registry, set_bank
from pdfsign.render import render_pdf

__all__ = ["measure_issue_baseline", "measure_issue_batch", "measure_issuing", "open_registry"]


class _Worker:
    """One worker process's warm state (module-level: pool tasks are plain functions)."""

    issuer: Issuer
    barrier: Any
    at: datetime
    rss_at_start = 0.0
    issued = 0
    #: (documents issued, RSS in MiB) every :data:`_RSS_EVERY` documents.
    rss_samples: list[tuple[int, float]] = []


#: How often a worker samples its RSS (documents).
_RSS_EVERY = 50


def open_registry(home: Path, *, at: datetime) -> Registry:
    """A new registry in ``home`` with the sample's bank (2345) under agreement."""
    registry = Registry.open(Settings.load(home=home, env={}))
    set_bank(registry, code="2345", name="みらい銀行", start=date(2026, 1, 1), actor="bench",
             at=at)
    return registry


def _fixed(at: datetime) -> datetime:
    """The batch's clock: every row is issued at the run's ``at``."""
    return at


def measure_issue_batch(bench: Workbench, results: Results, *, count: int, at: datetime,
                        workers: int = 2) -> None:
    """Record ``issue_docs_per_s``: ``count`` rows through ``pdfsign issue --batch``'s pool.

    :raises RuntimeError: when a row is not issued (the figure would count failures).
    """
    home = bench.folder("batch-registry")
    open_registry(home, at=at).db.dispose()
    batch_file = home / "batch.jsonl"
    batch_file.write_text("".join(json.dumps(bench.guarantee(i), ensure_ascii=False) + "\n"
                                  for i in range(1, count + 1)), encoding="utf-8")
    settings = Settings.load(home=home, env={}, signer=SIGNER, pin=PIN, actor="bench")
    summary = run_batch(settings, read_rows(batch_file), workers=workers,
                        clock=functools.partial(_fixed, at))
    if summary.count("issued") != count:
        failed = [r.error for r in summary.results if r.status != "issued"][:3]
        raise RuntimeError(f"{count - summary.count('issued')} rows not issued: {failed}")
    results.record("issue_docs_per_s", summary.per_second,
                   note=f"pdfsign.batch.run_batch, {count} rows, {workers} workers, "
                        f"{summary.seconds:.1f} s including worker start-up")


def _init_worker(barrier: Any, home: str, at: datetime, warmup: dict[str, Any]) -> None:
    """Build the worker's issuer and produce two documents unmeasured (fonts, TSA sample)."""
    settings = Settings.load(home=Path(home), env={}, signer=SIGNER, pin=PIN, actor="bench")
    _Worker.issuer = Issuer.open(settings, migrate=False)
    _Worker.barrier, _Worker.at = barrier, at
    for _ in range(2):  # the second render still grows WeasyPrint's caches
        _Worker.issuer.produce(parse_document(warmup), at=at)


def _ready(_: object) -> float:
    """Wait until every worker is warm; note this worker's RSS as the growth baseline."""
    _Worker.barrier.wait(timeout=BARRIER_TIMEOUT_S)
    _Worker.rss_at_start = rss_mb()
    return _Worker.rss_at_start


def _issue_one(data: dict[str, Any]) -> int:
    """Issue one document; the stored PDF's size."""
    version = issue(_Worker.issuer, data, at=_Worker.at)
    _Worker.issued += 1
    if _Worker.issued % _RSS_EVERY == 0:
        _Worker.rss_samples.append((_Worker.issued, rss_mb()))
    return version.size


@dataclass(frozen=True)
class _Memory:
    """One worker's RSS over the run."""

    issued: int
    #: MiB from the end of the warm-up to the last document.
    growth: float
    #: MiB over the second half of its documents: a leak keeps growing there, warm caches
    #: and allocator arenas do not.
    second_half: float


def _report(_: object) -> _Memory:
    """This worker's RSS figures, once every worker is done."""
    _Worker.barrier.wait(timeout=BARRIER_TIMEOUT_S)
    end = rss_mb()
    half = [rss for n, rss in _Worker.rss_samples if n <= _Worker.issued // 2]
    return _Memory(issued=_Worker.issued, growth=end - _Worker.rss_at_start,
                   second_half=end - (half[-1] if half else _Worker.rss_at_start))


def measure_issuing(bench: Workbench, results: Results, *, count: int, at: datetime,
                    max_seconds: float, workers: int = 2) -> None:
    """Record ``issue_rss_growth_mb`` and ``issue_warm_docs_per_s`` over up to ``count`` issues.

    :param at: the issuing time (also the registry's upload time).
    :param max_seconds: submit no more documents after this long (the figure is then over
        the documents issued, which the note says).
    """
    home = bench.folder("issue-registry")
    open_registry(home, at=at).db.dispose()
    documents = (bench.guarantee(i) for i in range(1, count + 1))
    with warm_pool(workers, initializer=_init_worker, ready=_ready,
                   initargs=(str(home), at, bench.guarantee(0))) as pool:
        run = map_bounded(pool, _issue_one, documents, max_seconds=max_seconds,
                          in_flight=2 * workers)
        reports = [f.result(timeout=BARRIER_TIMEOUT_S)
                   for f in [pool.submit(_report, None) for _ in range(workers)]]
    bound = f" (stopped at the {max_seconds:.0f} s bound)" if run.cut_short else ""
    results.record("issue_warm_docs_per_s", len(run.results) / run.seconds,
                   note=f"{len(run.results)} guarantee certificates{bound}, {workers} worker "
                        f"processes, {run.seconds:.1f} s, SQLite registry")
    worst = max(reports, key=lambda m: m.growth)
    results.record("issue_rss_growth_mb", worst.growth,
                   note=f"worst of {workers} workers, over its {worst.issued} issues after "
                        f"a 2-document warm-up")
    results.record("issue_rss_growth_issues", worst.issued)
    results.record("issue_rss_second_half_mb", max(m.second_half for m in reports),
                   note="RSS growth over the second half of a worker's issues (leak slope)")


def measure_issue_baseline(bench: Workbench, results: Results, *, count: int, at: datetime,
                           base_url: str) -> None:
    """Record ``issue_cli_docs_per_s``: render here, sign with ``pyhanko sign addsig`` in a new
    process per document (B-LTA, our HTTP TSA), store in a registry, one document after the
    other (a script looping over the batch); and ``issue_cli_parallel_docs_per_s``, the same
    2 at a time.

    :param base_url: the PKI's HTTP services (TSA, and the CRL/OCSP the certificates name).
    """
    for key, workers in (("issue_cli_docs_per_s", 1), ("issue_cli_parallel_docs_per_s", 2)):
        _issue_with_cli(bench, results, key, count=count, at=at, base_url=base_url,
                        workers=workers)


def _issue_with_cli(bench: Workbench, results: Results, key: str, *, count: int, at: datetime,
                    base_url: str, workers: int) -> None:
    folder = bench.folder(f"issue-cli-{workers}")
    registry = open_registry(folder / "registry", at=at)
    pin_file = bench.pin_file()

    def job(index: int) -> None:
        data = bench.guarantee(100_000 + index)
        document = parse_document(data)
        infile, outfile = folder / f"{index}.in.pdf", folder / f"{index}.pdf"
        infile.write_bytes(render_pdf(document, created_at=at))
        run_checked(addsig_command(infile=infile, outfile=outfile, p12=bench.signer_p12,
                                   pin_file=pin_file, tsa_url=f"{base_url}/tsa",
                                   root=bench.root_pem))
        registry.issue(new_file_for(document), lambda _count: outfile.read_bytes(),
                       actor="bench", at=at)

    run = run_parallel([functools.partial(job, i) for i in range(count)], workers=workers)
    registry.db.dispose()
    per_doc = Summary.of(run.durations)
    results.record(key, run.per_second,
                   note=f"{count} documents, {workers} at a time; per document median "
                        f"{per_doc.median:.2f} s (min {per_doc.minimum:.2f}, "
                        f"max {per_doc.maximum:.2f})")
