"""A private PostgreSQL 15 cluster on 127.0.0.1 for the tests that need a real one.

Started from Debian's binaries into a temporary directory, as the ``postgres`` user when run
as root (``initdb`` refuses root), listening on 127.0.0.1 on a free port.  If it cannot
start, the tests that use it fail: nothing is skipped.  The registry tests
(``tests/pdfsign/registry/conftest.py``) and the scale-out tests (``tests/scaleout``) share it.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

__all__ = ["PG_BIN", "new_pg_database", "pg_cluster"]

PG_BIN = Path("/usr/lib/postgresql/15/bin")
_db_counter = itertools.count()


def _as_postgres(argv: list[str]) -> list[str]:
    """Run as the ``postgres`` user when we are root (initdb/pg_ctl refuse root)."""
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def pg_cluster(*, max_connections: int = 100) -> Iterator[str]:
    """Start a cluster; yield its base URL (no database name); stop and remove it."""
    root = Path(tempfile.mkdtemp(prefix="pdfsign-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")
    port = _free_port()
    subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres",
                                 "--auth=trust", "-E", "UTF8", "--no-locale"]),
                   check=True, capture_output=True)
    options = (f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off"
               f" -c max_connections={max_connections}")
    subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-w", "-l",
                                 str(root / "log"), "-o", options, "start"]),
                   check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate",
                                     "stop"]), check=False, capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def new_pg_database(server: str) -> str:
    """Create an empty database on ``server`` and return its URL."""
    name = f"t{os.getpid()}_{next(_db_counter)}"
    with psycopg.connect(server.replace("postgresql+psycopg", "postgresql") + "/postgres",
                         autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"
