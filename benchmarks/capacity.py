"""The README's capacity table: docs/s per worker, verify/s per process, the shared engines' load.

Run by hand (``.venv/bin/python -m benchmarks.capacity --rows 150``), not by ``make bench``:
it is the deployment guide's measurement of this machine.  On a private PostgreSQL cluster
and moto's S3 server on loopback (the test suite's helpers, as
:mod:`benchmarks.scaleout`), for 1 and then 2 ``pdfsign worker`` processes (each
``--concurrency 1``), on a fresh database each time:

- the workers are warmed by a small batch first, then ``pdfsign issue --batch`` submits
  ``--rows`` ES-A guarantees and follows them to the end: its documents per second;
- meanwhile the CPU seconds of the PostgreSQL cluster (postmaster, live backends and
  reaped ones), of moto's server and of the workers, from ``/proc/<pid>/stat``, divided by
  the wall time: each one's share of one core;
- what the engines served: PostgreSQL's committed transactions and rows written or read
  (``pg_stat_database``), S3's objects stored (one PUT per PDF).

Then ``pdfsign verify --offline -j N`` over the PDFs the 2-worker run stored, for N = 1, 2.
The JSON on standard output is what the progress note and the README quote.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg

from benchmarks.workbench import REPO, Workbench
from pdfsign.config import Settings
from pdfsign.registry import Registry, set_bank

__all__ = ["main"]

_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int, *, reaped: bool = True) -> float:
    """utime + stime (+ the reaped children's) of ``pid`` in seconds; 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (stat fields 14, 15)
    if reaped:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / _TICKS


def _pids(matching: str) -> list[int]:
    """Processes whose command line contains ``matching``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if matching in (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def _cluster_cpu(postmaster: int) -> float:
    """The cluster's CPU so far: the postmaster with its reaped backends, and the live ones."""
    return _cpu_seconds(postmaster) + sum(_cpu_seconds(c, reaped=False)
                                          for c in _children(postmaster))


def _pg_counters(url: str) -> dict[str, int]:
    with psycopg.connect(url) as db:
        row = db.execute("SELECT xact_commit, tup_inserted, tup_updated, tup_deleted, "
                         "tup_fetched FROM pg_stat_database WHERE datname = "
                         "current_database()").fetchone()
    assert row is not None
    return dict(zip(("commits", "inserted", "updated", "deleted", "fetched"), row, strict=True))


def _objects(endpoint: Any, bucket: str) -> int:
    from pdfsign.registry.blob_s3 import S3Blobs

    client = S3Blobs(bucket, "", endpoint).client()
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return sum(page.get("KeyCount", 0) for page in pages)


def _batch(site: Any, bench: Workbench, folder: Path, first: int, count: int) -> dict[str, Any]:
    rows = folder / f"batch-{first}.jsonl"
    rows.write_text("".join(json.dumps(bench.guarantee(i), ensure_ascii=False) + "\n"
                            for i in range(first, first + count)), encoding="utf-8")
    done = site.run("issue", "--batch", str(rows), "--pin-file", str(site.root / "pin.txt"),
                    "--json", check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the batch failed: {done.stderr[-2000:].decode()}")
    summary: dict[str, Any] = json.loads(done.stdout)
    if summary["issued"] != count:
        raise RuntimeError(f"{count - summary['issued']} rows not issued")
    return summary


def _workers_run(bench: Workbench, root: Path, *, server: str, s3: Any, bucket: str,
                 workers: int, rows: int, warm: int) -> dict[str, Any]:
    """One installation with ``workers`` workers: warm them, then measure ``rows`` rows."""
    from pg_support import new_pg_database
    from scaleout_support import installation

    keys = {"endpoint_url": s3.endpoint_url, "region": s3.region,
            "access_key_id": s3.access_key_id, "secret_access_key": s3.secret_access_key}
    database_url = new_pg_database(server)
    psql = database_url.replace("postgresql+psycopg", "postgresql")
    port = server.rsplit(":", 1)[1]
    [postmaster] = [p for p in _pids(f"-p {port} ")
                    if Path(f"/proc/{p}/comm").read_text().strip() == "postgres"]
    [moto] = _pids(f"-p {s3.endpoint_url.rsplit(':', 1)[1]} ")
    with installation(root, database_url=database_url, blobs=f"s3://{bucket}/w{workers}",
                      s3=keys, pki_dir=bench.pki_dir) as site:
        registry = Registry.open(Settings.load(home=root / "setup", env=site.env))
        set_bank(registry, code="2345", name="みらい銀行", start=date(2026, 1, 1),
                 actor="bench", at=datetime.now(UTC))
        registry.db.dispose()
        started = [site.worker(f"worker-{n}") for n in range(1, workers + 1)]
        _batch(site, bench, root, 1, warm * workers)  # every worker has signed: warm
        objects, counters = _objects(s3, bucket), _pg_counters(psql)
        cpu = {"postgres": _cluster_cpu(postmaster), "moto": _cpu_seconds(moto),
               "workers": sum(_cpu_seconds(w.pid) for w in started)}
        clock = time.perf_counter()
        summary = _batch(site, bench, root, 1000, rows)
        wall = time.perf_counter() - clock
        after = {"postgres": _cluster_cpu(postmaster), "moto": _cpu_seconds(moto),
                 "workers": sum(_cpu_seconds(w.pid) for w in started)}
        served = {k: v - counters[k] for k, v in _pg_counters(psql).items()}
        puts = _objects(s3, bucket) - objects
        pdfs = root / "pdfs"
        pdfs.mkdir()
        reader = Registry.open(Settings.load(home=root / "reader", env=site.env))
        for n, (file_id,) in enumerate(site.query("SELECT file_id FROM versions")):
            (pdfs / f"{n:04d}.pdf").write_bytes(reader.pdf(file_id, 1)[1])
        reader.db.dispose()
    return {
        "workers": workers, "rows": rows, "seconds": round(wall, 1),
        "docs_per_s": summary["per_second"],
        "docs_per_s_per_worker": round(summary["per_second"] / workers, 2),
        "cpu_share_of_one_core": {k: round((after[k] - cpu[k]) / wall, 3) for k in cpu},
        "postgres_per_s": {k: round(v / wall, 1) for k, v in served.items()},
        "postgres_per_doc": {k: round(v / rows, 1) for k, v in served.items()},
        "s3_puts_per_s": round(puts / wall, 2), "pdf_folder": str(pdfs),
    }


def _verify_rate(folder: Path, jobs: int) -> dict[str, Any]:
    paths = sorted(folder.glob("*.pdf"))
    command = [str(Path(sys.executable).parent / "pdfsign"), "verify", "--offline", "--trust",
               str(REPO / "fixtures/pki/root.pem"), "-j", str(jobs), "--format", "json",
               "-o", str(folder.parent / f"verify-{jobs}.json"), str(folder)]
    clock = time.perf_counter()
    done = subprocess.run(command, capture_output=True, check=False)
    wall = time.perf_counter() - clock
    if done.returncode != 0:
        raise RuntimeError(f"verify exited {done.returncode}: {done.stderr[-2000:].decode()}")
    return {"processes": jobs, "files": len(paths), "seconds": round(wall, 1),
            "files_per_s": round(len(paths) / wall, 2),
            "files_per_s_per_process": round(len(paths) / wall / jobs, 2)}


@contextmanager
def _engines() -> Iterator[tuple[str, Any, str]]:
    sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "scaleout")]
    from pg_support import pg_cluster
    from s3_support import moto_server, new_bucket

    with pg_cluster(max_connections=200) as server, moto_server() as s3:
        yield server, s3, new_bucket(s3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=150, help="rows measured per run")
    parser.add_argument("--warm", type=int, default=10, help="warm-up rows per worker")
    args = parser.parse_args()
    figures: dict[str, Any] = {"cpus": os.cpu_count(), "runs": []}
    with tempfile.TemporaryDirectory(prefix="pdfsign-capacity-") as scratch, \
            _engines() as (server, s3, bucket):
        bench = Workbench(Path(scratch))
        for workers in (1, 2):
            root = bench.folder(f"workers-{workers}")
            figures["runs"].append(_workers_run(bench, root, server=server, s3=s3,
                                                bucket=bucket, workers=workers,
                                                rows=args.rows, warm=args.warm))
        folder = Path(figures["runs"][-1]["pdf_folder"])
        figures["verify"] = [_verify_rate(folder, jobs) for jobs in (1, 2)]
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
