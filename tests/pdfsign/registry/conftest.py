"""Registry fixtures: a fresh registry per test on SQLite and on a private PostgreSQL cluster.

``registry`` is parametrised over both databases, so every store test runs on each.
The PostgreSQL cluster (:mod:`pg_support`) is started once per test session (per xdist
worker).  If it cannot start, the tests that use it fail: nothing is skipped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from pg_support import new_pg_database
from registry_samples import T0

from pdfsign.registry import FolderBlobs, Registry, open_database, set_bank


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
