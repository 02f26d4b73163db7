"""Registry fixtures: a fresh registry per test on SQLite and on a private PostgreSQL cluster.

``registry`` is parametrised over both databases, so every store test runs on each.
The PostgreSQL cluster is started once per test session (per xdist worker) from
Debian's binaries into a temporary directory, as the ``postgres`` user when run as
root (``initdb`` refuses root), listening on 127.0.0.1 on a free port.  If it cannot
start, the tests that use it fail: nothing is skipped.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from registry_samples import T0

from pdfsign.registry import FolderBlobs, Registry, open_database, set_bank

PG_BIN = Path("/usr/lib/postgresql/15/bin")
_db_counter = itertools.count()


def _as_postgres(argv: list[str]) -> list[str]:
    """Run as the ``postgres`` user when we are root (initdb/pg_ctl refuse root)."""
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A private PostgreSQL 15 cluster; yields its base URL (no database name)."""
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
               " -c max_connections=100")
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


@pytest.fixture
def pg_url(pg_server: str) -> str:
    """An empty database on the PostgreSQL cluster."""
    return new_pg_database(pg_server)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database URL on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    return new_pg_database(request.getfixturevalue("pg_server"))


@pytest.fixture
def registry(db_url: str, tmp_path: Path) -> Iterator[Registry]:
    """A migrated, empty registry with banks 0001 (open) and 0002 (agreement from 2027)."""
    reg = Registry(open_database(db_url), FolderBlobs(tmp_path / "objects"))
    set_bank(reg, code="0001", name="第一テスト銀行", start=dt.date(2026, 1, 1), actor="t", at=T0)
    set_bank(reg, code="0002", name="第二テスト銀行", start=dt.date(2027, 1, 1),
             end=dt.date(2027, 12, 31), actor="t", at=T0)
    yield reg
    reg.db.dispose()
