"""``python -m benchmarks.run`` (``make bench``): measure every figure, print it, write JSON.

Each figure group runs in turn; a group that fails (or whose part of the product does not
exist yet) leaves its keys ``null`` with the reason, and the others still run.  This module
is the suite's only front end, so it alone reads the clock for "now" and catches
``Exception`` (logged with its traceback).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.machine import machine_info
from benchmarks.measure import Summary, percentile
from benchmarks.results import Results
from benchmarks.servers import PkiServer, free_port
from benchmarks.workbench import Workbench

__all__ = ["Plan", "main"]

_log = logging.getLogger("benchmarks")
#: The port the test PKI's certificates name for CRL and OCSP.
PKI_PORT = 3161


@dataclass(frozen=True)
class Plan:
    """How much work each group does; the default fits ``make bench`` in 5 minutes on 2 cores."""

    repeats: int = 30
    batch_rows: int = 300
    issue_documents: int = 100_000
    issue_cli_documents: int = 8
    verify_files: int = 500
    verify_cli_files: int = 8
    tsa_clients: int = 4
    tsa_requests: int = 3000
    tsa_seconds: float = 8.0
    #: Time bounds (s) of the throughput groups, so that a slow or busy machine still
    #: finishes in 5 minutes; a figure cut short says over how many items it was measured.
    issue_seconds: float = 40.0
    sign_folder_seconds: float = 40.0
    verify_seconds: float = 50.0
    #: Seconds each API figure (and its in-process baseline) runs for.
    api_seconds: float = 8.0

    @classmethod
    def named(cls, name: str) -> Plan:
        """``default``; ``quick`` (a smoke run, figures not meaningful); ``full`` (the RSS
        figure over 2,000 issues per worker, about 3 to 5 extra minutes)."""
        if name == "quick":
            return cls(repeats=3, batch_rows=4, issue_documents=4, issue_cli_documents=2,
                       verify_files=6, verify_cli_files=2, tsa_clients=2, tsa_requests=60,
                       tsa_seconds=3.0, api_seconds=1.0)
        if name == "full":
            return cls(issue_documents=4000, issue_seconds=600.0)
        return cls()


@dataclass(frozen=True)
class _Group:
    name: str
    keys: tuple[str, ...]
    run: Callable[[], Any]


class _Runner:
    """Runs the groups in order, sharing what one produces with the next."""

    def __init__(self, bench: Workbench, plan: Plan, clock: Callable[[], datetime],
                 results: Results) -> None:
        """:param clock: "now" for each step (documents are signed, then verified, later)."""
        self.bench, self.plan, self.clock, self.results = bench, plan, clock, results
        self.pki_server: PkiServer | None = None
        self.unsigned: bytes | None = None
        self.signed: bytes | None = None
        self.folder: Path | None = None

    def _module(self, name: str) -> Any:
        return importlib.import_module(f"benchmarks.{name}")

    def rendering(self) -> None:
        self.unsigned = self._module("rendering").measure_rendering(
            self.bench, self.results, repeats=self.plan.repeats, at=self.clock())

    def signing(self) -> None:
        if self.unsigned is None:
            raise RuntimeError("no rendered document (rendering was not measured)")
        self.signed = self._module("signing").measure_signing(
            self.bench, self.results, self.unsigned, repeats=self.plan.repeats, at=self.clock())

    def issuing_batch(self) -> None:
        self._module("issuing").measure_issue_batch(
            self.bench, self.results, count=self.plan.batch_rows, at=self.clock())

    def issuing_scaleout(self) -> None:
        self._module("scaleout").measure_issue_scaleout(
            self.bench, self.results, count=self.plan.batch_rows, at=self.clock())

    def issuing(self) -> None:
        self._module("issuing").measure_issuing(
            self.bench, self.results, count=self.plan.issue_documents, at=self.clock(),
            max_seconds=self.plan.issue_seconds)

    def issuing_cli(self) -> None:
        self._module("issuing").measure_issue_baseline(
            self.bench, self.results, count=self.plan.issue_cli_documents, at=self.clock(),
            base_url=self._pki_url())

    def verify_one(self) -> None:
        self._pki_url()
        if self.signed is None:
            raise RuntimeError("no ES-A document (signing was not measured)")
        self._module("verifying").measure_verify_one(
            self.bench, self.results, self.signed, repeats=self.plan.repeats, at=self.clock())

    def verify_lta_ratio(self) -> None:
        if self.signed is None:
            raise RuntimeError("no ES-A document (signing was not measured)")
        self._module("lta_ratio").measure_lta_ratio(
            self.bench, self.results, self.signed, repeats=self.plan.repeats, at=self.clock())

    def verify_folder(self) -> None:
        verifying = self._module("verifying")
        if self.unsigned is None:
            raise RuntimeError("no rendered document (rendering was not measured)")
        self.folder = verifying.make_signed_folder(
            self.bench, [self.unsigned], count=self.plan.verify_files, at=self.clock(),
            max_seconds=self.plan.sign_folder_seconds)
        self._pki_url()
        verifying.measure_verify_folder(self.bench, self.results, self.folder, at=self.clock(),
                                        max_seconds=self.plan.verify_seconds)

    def verify_cli(self) -> None:
        self._pki_url()
        if self.folder is None:
            raise RuntimeError("no folder of ES-A files (the folder figure was not measured)")
        self._module("verifying").measure_verify_baseline(
            self.bench, self.results, self.folder, count=self.plan.verify_cli_files)

    def web_issue(self) -> None:
        self._module("web").measure_web_issue(self.bench, self.results,
                                              repeats=min(self.plan.repeats, 15),
                                              at=self.clock())

    def api(self) -> None:
        self._pki_url()
        if self.signed is None:
            raise RuntimeError("no ES-A document (signing was not measured)")
        self._module("api").measure_api(self.bench, self.results, self.signed,
                                        seconds=self.plan.api_seconds, at=self.clock())

    def tsa(self) -> None:
        load = self._module("tsa_load")
        with PkiServer(self.bench.pki_dir, port=free_port(),
                       state_dir=self.bench.folder("tsa-load-state")) as server:
            url = server.ensure()
            load.run_load(f"{url}/tsa", clients=self.plan.tsa_clients, max_requests=50,
                          max_seconds=5.0)  # warm-up: connections, first tokens
            seen = load.run_load(f"{url}/tsa", clients=self.plan.tsa_clients,
                                 max_requests=self.plan.tsa_requests,
                                 max_seconds=self.plan.tsa_seconds)
        if not seen.latencies_ms:
            raise RuntimeError(f"no granted response ({seen.failures} failures)")
        note = (f"{len(seen.latencies_ms)} granted in {seen.seconds:.1f} s, "
                f"{self.plan.tsa_clients} client threads, {seen.failures} failures")
        self.results.record("tsa_responses_per_s", seen.per_second, note=note)
        self.results.record("tsa_p99_ms", percentile(seen.latencies_ms, 0.99),
                            summary=Summary.of(seen.latencies_ms), note="summary is latency")

    def _pki_url(self) -> str:
        """The PKI's server at the certificates' URLs, (re)started if nobody answers there."""
        if self.pki_server is None:
            raise RuntimeError("no PKI server configured")
        return self.pki_server.ensure()

    def groups(self) -> list[_Group]:
        """The groups in running order, with the goal keys each one fills."""
        return [
            _Group("rendering", ("render_ms",), self.rendering),
            _Group("signing", ("sign_es_t_ms", "sign_es_a_ms", "sign_es_a_hsm_ms",
                               "es_a_size_kb", "renew_ms"), self.signing),
            _Group("issuing batch", ("issue_docs_per_s",), self.issuing_batch),
            _Group("issuing, 2 workers on PostgreSQL + S3",
                   ("issue_docs_per_s_2_workers_pg_s3",), self.issuing_scaleout),
            _Group("issuing memory", ("issue_rss_growth_mb",), self.issuing),
            _Group("issuing, pyHanko CLI baseline", ("issue_speedup_vs_cli",), self.issuing_cli),
            _Group("verify one", ("verify_es_a_ms",), self.verify_one),
            _Group("verify vs pyHanko B-LTA", ("verify_vs_pyhanko_lta_ratio",),
                   self.verify_lta_ratio),
            _Group("verify folder", ("verify_files_per_s", "verify_folder_scaling"),
                   self.verify_folder),
            _Group("verify, pyHanko CLI baseline", ("verify_speedup_vs_cli",), self.verify_cli),
            _Group("TSA load", ("tsa_responses_per_s", "tsa_p99_ms"), self.tsa),
            _Group("web issue", ("web_issue_ms",), self.web_issue),
            _Group("web api", ("api_verify_per_s", "api_download_per_s"), self.api),
        ]


def _utc_now() -> datetime:
    """The suite's clock (this module is the front end: the only place that reads it)."""
    return datetime.now(UTC)


def _run_group(group: _Group, results: Results) -> None:
    print(f"-- {group.name} ...", file=sys.stderr, flush=True)
    start = time.perf_counter()
    try:
        group.run()
    except Exception as exc:  # the suite's boundary: one group's failure is its keys' reason
        _log.warning("%s failed", group.name, exc_info=True)
        for key in group.keys:
            results.not_measured(key, f"{group.name}: {type(exc).__name__}: {exc}")
    print(f"   {group.name}: {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)


def _ratios(results: Results) -> None:
    """The speed-ups against the baselines measured in the same run."""
    for key, ours, theirs in (
            ("issue_speedup_vs_cli", "issue_docs_per_s", "issue_cli_docs_per_s"),
            ("issue_pg_s3_vs_embedded", "issue_docs_per_s_2_workers_pg_s3",
             "issue_docs_per_s"),
            ("issue_speedup_vs_parallel_cli", "issue_docs_per_s", "issue_cli_parallel_docs_per_s"),
            ("verify_speedup_vs_cli", "verify_files_per_s", "verify_cli_files_per_s"),
            ("verify_speedup_vs_parallel_cli", "verify_files_per_s",
             "verify_cli_parallel_files_per_s")):
        a, b = results.get(ours), results.get(theirs)
        if a is not None and b:
            results.record(key, a / b, note=f"{ours} / {theirs}")
        else:
            results.not_measured(key, f"needs both {ours} and {theirs} from this run")


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--plan", choices=["default", "quick", "full"], default="default",
                        help="how much work: quick is a smoke run, full adds 2,000 issues "
                             "per worker for the RSS figure")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results.json"),
                        help="where to write results.json")
    parser.add_argument("--only", action="append", default=[], metavar="GROUP",
                        help="run only the groups whose name starts with GROUP (repeatable)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the suite; the exit status is 0 even when goals are missed (it is not a test)."""
    args = _arguments(argv)
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    for noisy in ("pyhanko", "pyhanko_certvalidator", "fontTools", "weasyprint"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)
    results, machine, began = Results(), machine_info(), time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="pdfsign-bench-") as tmp, ExitStack() as stack:
        bench = Workbench(work=Path(tmp))
        runner = _Runner(bench, Plan.named(args.plan), _utc_now, results)
        runner.pki_server = stack.enter_context(PkiServer(
            bench.pki_dir, port=PKI_PORT, state_dir=bench.folder("pki-state")))
        for group in runner.groups():
            if not args.only or any(group.name.startswith(o) for o in args.only):
                _run_group(group, results)
    _ratios(results)
    machine["plan"] = args.plan
    machine["seconds"] = round(time.perf_counter() - began, 1)
    print("\n".join(results.lines()))
    results.write(args.out, machine=machine)
    print(f"wrote {args.out} ({machine['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
