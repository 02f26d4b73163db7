"""Figure ``issue_docs_per_s_2_workers_pg_s3``: two ``pdfsign worker`` processes, PostgreSQL, S3.

The scale-out path of issue 19 end to end: a private PostgreSQL cluster and moto's S3 server
on loopback (the test suite's own helpers: ``tests/pg_support.py``, ``tests/s3_support.py``,
``tests/scaleout/scaleout_support.py``), two workers started and waiting, then
``pdfsign issue --batch`` submitting the same guarantee rows as ``issue_docs_per_s`` to the
work queue and following it to its end.  The figure is that command's own documents per
second, from submission to the last row's result: chunks fetched from the queue, every row
rendered, signed ES-A, its version committed in PostgreSQL and its PDF uploaded to S3.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date, datetime
from pathlib import Path

from benchmarks.results import Results
from benchmarks.workbench import Workbench
from pdfsign.config import Settings
from pdfsign.registry import Registry, set_bank

__all__ = ["KEY", "measure_issue_scaleout"]

KEY = "issue_docs_per_s_2_workers_pg_s3"
_ROOT = Path(__file__).resolve().parents[1]


def measure_issue_scaleout(bench: Workbench, results: Results, *, count: int,
                           at: datetime) -> None:
    """Record :data:`KEY` over ``count`` rows with two workers.

    :raises RuntimeError: a row was not issued, or the batch command failed.
    """
    sys.path[:0] = [str(_ROOT / "tests"), str(_ROOT / "tests" / "scaleout")]
    from pg_support import new_pg_database, pg_cluster
    from s3_support import moto_server, new_bucket
    from scaleout_support import installation

    work = bench.folder("scaleout")
    with pg_cluster(max_connections=200) as server, moto_server() as s3:
        bucket = new_bucket(s3)
        keys = {"endpoint_url": s3.endpoint_url, "region": s3.region,
                "access_key_id": s3.access_key_id, "secret_access_key": s3.secret_access_key}
        with installation(work, database_url=new_pg_database(server),
                          blobs=f"s3://{bucket}/pdfs", s3=keys, pki_dir=bench.pki_dir) as site:
            registry = Registry.open(Settings.load(home=work / "setup", env=site.env))
            set_bank(registry, code="2345", name="みらい銀行", start=date(2026, 1, 1),
                     actor="bench", at=at)
            registry.db.dispose()
            site.worker("worker-1")
            site.worker("worker-2")
            rows = work / "batch.jsonl"
            rows.write_text("".join(json.dumps(bench.guarantee(i), ensure_ascii=False) + "\n"
                                    for i in range(1, count + 1)), encoding="utf-8")
            done = site.run("issue", "--batch", str(rows), "--pin-file",
                            str(work / "pin.txt"), "--json", check=False)
            if done.returncode != 0:
                raise RuntimeError(f"the batch failed: {done.stderr[-2000:].decode()}")
            summary = json.loads(done.stdout)
            if summary["issued"] != count:
                raise RuntimeError(f"{count - summary['issued']} rows not issued")
    results.record(KEY, summary["per_second"],
                   note=f"{count} rows, 2 workers on {os.cpu_count()} CPUs, PostgreSQL + "
                        f"moto S3 on loopback, {summary['seconds']:.1f} s from submission "
                        f"(workers up, not yet warm)")
