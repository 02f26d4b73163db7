"""Two web nodes and two workers on one PostgreSQL and one S3 store (issue 19).

Every process is real and separate, on loopback: moto's S3 server, a PostgreSQL cluster,
``pdfsign web serve`` twice, ``pdfsign worker`` twice, and ``pdfsign issue --batch`` submitting
500 invoices (the cheapest kind, ES-T) to the work queue.  One worker is SIGKILLed in the
middle of a chunk; its chunk is retried by the other, and every row is issued exactly once.
"""

from __future__ import annotations

import hashlib
import json
import signal
import time
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from scaleout_support import PIN, Installation, duplicates, installation, invoice_rows, tsa_serial

from pdfsign.cli import root
from pdfsign.config import Settings
from pdfsign.registry import Registry
from pdfsign.registry.blob_s3 import S3Endpoint
from pdfsign.workqueue import QueueNeedsPostgresError

ROWS = 500
#: Longest the test waits for anything (a loaded 2-core machine).
PATIENCE_S = 600


def _wait(what: str, ready: object, *, timeout: float = PATIENCE_S) -> None:
    deadline = time.monotonic() + timeout
    while not ready():  # type: ignore[operator]
        if time.monotonic() > deadline:
            pytest.fail(f"still waiting for {what} after {timeout} s")
        time.sleep(0.1)


def _token(site: Installation, user: str, scope: str) -> dict[str, str]:
    made = json.loads(site.run("token", "create", user, "--scope", scope, "--json").stdout)
    return {"Authorization": f"Bearer {made['token']}"}


def _killed_mid_chunk(site: Installation, job_id: str, victim: str) -> bool:
    """Whether ``victim`` has recorded some but not all rows of a chunk it is running."""
    for args, in site.query("SELECT args FROM procrastinate.procrastinate_jobs WHERE "
                            "status = 'doing' AND args->>'job_id' = %s", job_id):
        rows = site.query("SELECT worker FROM batch_job_rows WHERE job_id = %s AND line "
                          "BETWEEN %s AND %s", job_id, args["first"], args["last"])
        size = args["last"] - args["first"] + 1
        mine = sum(1 for (worker,) in rows if worker and worker.endswith(f":{victim}"))
        if 0 < mine == len(rows) < size:
            return True
    return False


def test_two_nodes_two_workers_one_database_one_store(
        pg_url: str, s3_server: S3Endpoint, s3_bucket: str, tmp_path: Path) -> None:
    s3 = {"endpoint_url": s3_server.endpoint_url, "region": s3_server.region,
          "access_key_id": s3_server.access_key_id,
          "secret_access_key": s3_server.secret_access_key}
    with installation(tmp_path, database_url=pg_url,
                      blobs=f"s3://{s3_bucket}/pdfs", s3=s3) as site:
        site.run("user", "add", "issuer01", "--role", "issuer", "--name", "発行担当")
        read, issue = _token(site, "issuer01", "read"), _token(site, "issuer01", "issue")
        node_a, node_b = site.web_node("web-a"), site.web_node("web-b")
        first, second = site.worker("worker-1"), site.worker("worker-2")
        (tmp_path / "rows.jsonl").write_bytes(invoice_rows(ROWS, prefix="INV-SCALE"))
        submit = site.start("issue", "--batch", str(tmp_path / "rows.jsonl"), "--pin-file",
                            str(tmp_path / "pin.txt"), name="submit")

        jobs: list[tuple[str]] = []
        _wait("the job", lambda: bool(jobs.extend(site.query("SELECT job_id FROM batch_jobs"))
                                      or jobs))
        [(job_id,)] = jobs
        # both workers take chunks; kill the first while it is inside one
        _wait("both workers issuing", lambda: len(site.query(
            "SELECT DISTINCT worker FROM batch_job_rows WHERE job_id = %s", job_id)) == 2)
        _wait("worker-1 inside a chunk",
              lambda: _killed_mid_chunk(site, job_id, str(first.pid)), timeout=120)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        done_at_kill = site.query("SELECT count(*) FROM batch_job_rows WHERE job_id = %s",
                                  job_id)[0][0]
        assert done_at_kill < ROWS, "the kill came after the end: nothing was taken over"

        assert submit.wait(PATIENCE_S) == 0, site.log("submit")
        assert f"of {ROWS} rows" in site.log("submit")

        # every row issued exactly once: one result, one key, one version, one file each
        statuses = dict(site.query("SELECT status, count(*) FROM batch_job_rows WHERE "
                                   "job_id = %s GROUP BY status", job_id))
        assert statuses.get("issued", 0) + statuses.get("skipped", 0) == ROWS, statuses
        assert "failed" not in statuses
        keys = [k for (k,) in site.query("SELECT key FROM batch_job_rows WHERE job_id = %s",
                                         job_id)]
        assert len(keys) == ROWS
        assert duplicates(keys) == {}
        kept = site.query("SELECT b.key, v.file_id, v.number FROM batch_keys b JOIN versions v "
                          "ON v.file_id = b.file_id AND v.number = b.version")
        assert sorted(k for k, _, _ in kept) == sorted(keys)
        assert site.query("SELECT count(*), count(DISTINCT file_id) FROM versions") == [
            (ROWS, ROWS)]
        workers = dict(site.query("SELECT worker, count(*) FROM batch_job_rows WHERE "
                                  "job_id = %s GROUP BY worker", job_id))
        by_pid = {w.rsplit(":", 1)[1]: n for w, n in workers.items()}
        assert set(by_pid) == {str(first.pid), str(second.pid)}, workers
        # the killed chunk was finished by the survivor: one chunk has rows of both
        mixed = site.query(
            "SELECT count(*) FROM (SELECT (line - 1) / 25 AS chunk FROM batch_job_rows "
            "WHERE job_id = %s GROUP BY chunk HAVING count(DISTINCT worker) = 2) AS c", job_id)
        assert mixed[0][0] >= 1

        # both nodes answer the same, from the database
        for path in (f"/api/v1/batches/{job_id}", "/api/v1/files?sort=file_id&page=3"):
            a = requests.get(node_a + path, headers=read, timeout=30)
            b = requests.get(node_b + path, headers=read, timeout=30)
            assert a.status_code == b.status_code == 200, (a.text, b.text)
            assert a.json() == b.json()
        progress = requests.get(f"{node_b}/api/v1/batches/{job_id}", headers=read,
                                timeout=30).json()
        assert (progress["status"], progress["finished_rows"]) == ("done", ROWS)

        # a re-issue on node A is seen on node B at once
        [(file_id, line)] = site.query("SELECT file_id, line FROM batch_job_rows WHERE "
                                       "job_id = %s ORDER BY line LIMIT 1", job_id)
        row = json.loads(invoice_rows(ROWS, prefix="INV-SCALE").splitlines()[line - 1])
        row["remarks"] = "再発行テスト"
        made = requests.post(f"{node_a}/api/v1/files/{file_id}/versions", headers=issue,
                             json={"data": row, "pin": PIN}, timeout=120)
        assert made.status_code == 201, made.text
        seen = requests.get(f"{node_b}/api/v1/files/{file_id}", headers=read, timeout=30)
        assert (seen.json()["current_version"], seen.json()["issue_count"]) == (2, 2)
        pdf = requests.get(f"{node_b}/api/v1/files/{file_id}.pdf", headers=read, timeout=30)
        assert pdf.headers["X-Pdfsign-Version"] == "2"
        assert hashlib.sha256(pdf.content).hexdigest() == made.json()["sha256"]

        # the TSA serials of every stored version, across both workers and node A: unique
        registry = Registry.open(Settings.load(home=tmp_path / "reader", env=site.env))
        serials = [tsa_serial(registry.pdf(f, n)[1]) for f, n in site.query(
            "SELECT file_id, number FROM versions")]
        registry.db.dispose()
        assert len(serials) == ROWS + 1
        assert duplicates(serials) == {}


def test_the_duplicate_check_catches_a_duplicate() -> None:
    assert duplicates([3, 1, 2]) == {}
    assert duplicates(["k1", "k2", "k1"]) == {"k1": 2}


def test_a_worker_on_the_embedded_default_refuses(tmp_path: Path) -> None:
    result = CliRunner().invoke(root, ["worker", "--home", str(tmp_path), "--json"])
    assert result.exit_code == QueueNeedsPostgresError.exit_code == 7
    assert "queue-needs-postgresql" in result.output
    assert "PostgreSQL" in result.output

