"""A scale-out installation on loopback: processes sharing one PostgreSQL and one S3 store.

:class:`Installation` starts ``pdfsign web serve`` nodes and ``pdfsign worker`` processes as
separate processes, each with a home folder of its own (nodes keep nothing: everything they
share is in the database and the store), and runs one-off ``pdfsign`` commands.  The
benchmark ``issue_docs_per_s_2_workers_pg_s3`` uses it too.  TEST KEYS ONLY (the staff
signer of ``fixtures/pki``).
"""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import requests
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import find_unique_cms_attribute

ROOT = Path(__file__).resolve().parents[2]
PKI_DIR = ROOT / "fixtures" / "pki"
INVOICE = json.loads((ROOT / "fixtures/samples/invoice-seed.json").read_text(encoding="utf-8"))
#: The test PKI's staff signer and its PIN (TEST KEYS ONLY).
SIGNER, PIN = "staff", "TestPin2026"
_ENTRY = "from pdfsign.cli import main; main()"


def invoice_rows(count: int, *, prefix: str) -> bytes:
    """``count`` distinct invoices (the cheapest kind: ES-T, no bank) as JSON lines."""
    lines = []
    for n in range(count):
        row = dict(INVOICE, invoice_number=f"{prefix}-{n:05d}")
        lines.append(json.dumps(row, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode()


def duplicates(values: Iterable[object]) -> dict[object, int]:
    """The values seen more than once, with how often (empty: all unique)."""
    return {value: n for value, n in Counter(values).items() if n > 1}


def tsa_serial(pdf: bytes) -> int:
    """The serial number of the signature time-stamp of a PDF's (first) signature."""
    [sig, *_] = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    token = find_unique_cms_attribute(sig.signer_info["unsigned_attrs"],
                                      "signature_time_stamp_token")
    serial: int = token["content"]["encap_content_info"]["content"].parsed[
        "serial_number"].native
    return serial


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Installation:
    """One registry (``database_url``) and one store (``blobs``), processes around them."""

    root: Path
    env: dict[str, str]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _homes: Iterator[int] = field(default_factory=lambda: iter(range(1000)))

    @classmethod
    def create(cls, root: Path, *, database_url: str, blobs: str,
               s3: dict[str, str] | None = None, pki_dir: Path = PKI_DIR) -> Installation:
        """The shared settings, as every process gets them (``PDFSIGN_*``)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PDFSIGN_")}
        env.update({"PDFSIGN_DATABASE_URL": database_url, "PDFSIGN_BLOBS": blobs,
                    "PDFSIGN_PKI_DIR": str(pki_dir), "PDFSIGN_SIGNER": SIGNER})
        env.update({f"PDFSIGN_S3_{k.upper()}": v for k, v in (s3 or {}).items()})
        (root / "pin.txt").write_text(PIN + "\n", encoding="utf-8")
        return cls(root, env)

    @property
    def psql_url(self) -> str:
        """The database as psycopg names it."""
        return self.env["PDFSIGN_DATABASE_URL"].replace("postgresql+psycopg", "postgresql")

    def _home(self, name: str) -> Path:
        home = self.root / f"{name}-{next(self._homes)}"
        home.mkdir()
        return home

    def _env(self, home: Path, actor: str) -> dict[str, str]:
        return {**self.env, "PDFSIGN_HOME": str(home), "PDFSIGN_ACTOR": actor}

    def run(self, *args: str, actor: str = "tester", check: bool = True,
            stdin: bytes | None = None, timeout: float = 600) -> subprocess.CompletedProcess[bytes]:
        """One ``pdfsign`` command, in a home folder of its own."""
        home = self._home("cli")
        done = subprocess.run([sys.executable, "-c", _ENTRY, *args], cwd=home, input=stdin,
                              env=self._env(home, actor), capture_output=True, timeout=timeout,
                              check=False)
        if check and done.returncode != 0:
            raise AssertionError(f"pdfsign {' '.join(args)} exited {done.returncode}:\n"
                                 f"{done.stderr.decode(errors='replace')}")
        return done

    def start(self, *args: str, name: str, actor: str = "tester") -> subprocess.Popen[bytes]:
        """A long-running ``pdfsign`` process, its output in ``<root>/<name>.log``."""
        home = self._home(name)
        log = (self.root / f"{name}.log").open("ab")
        process = subprocess.Popen([sys.executable, "-c", _ENTRY, *args], cwd=home,
                                   env=self._env(home, actor), stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.processes.append(process)
        return process

    def web_node(self, name: str) -> str:
        """Start a web node; its base URL once it answers."""
        port = _free_port()
        process = self.start("web", "serve", "--port", str(port), "--threads", "4", name=name)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(url + "/healthz", timeout=5).status_code == 200:
                    return url
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"web node {name} did not start:\n{self.log(name)}")
            time.sleep(0.2)

    def worker(self, name: str, *, stalled_after: float = 4.0) -> subprocess.Popen[bytes]:
        """Start a worker holding the staff signer's PIN (from a file, read once)."""
        return self.start("worker", "--signer", SIGNER, "--pin-file",
                          str(self.root / "pin.txt"), "--stalled-after", str(stalled_after),
                          name=name, actor=name)

    def log(self, name: str) -> str:
        """A started process's output so far."""
        return (self.root / f"{name}.log").read_text(errors="replace")

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Rows of one SQL query on the shared database."""
        with psycopg.connect(self.psql_url) as connection:
            return list(connection.execute(sql, params).fetchall())

    def stop(self) -> None:
        """SIGTERM every process still running (SIGKILL after 20 s)."""
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@contextmanager
def installation(root: Path, **settings: Any) -> Iterator[Installation]:
    """:meth:`Installation.create`, every process stopped at the end."""
    made = Installation.create(root, **settings)
    try:
        yield made
    finally:
        made.stop()
