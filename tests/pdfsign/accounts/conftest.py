"""Accounts fixtures: a fresh, migrated SQLite registry per test and the default policy.

The accounts' rules are per row and per transaction, with nothing backend-specific beyond
what the registry's own tests cover on PostgreSQL, so these run on SQLite only.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pdfsign.accounts import AccountPolicy
from pdfsign.registry import FolderBlobs, Registry, open_database


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    """A migrated, empty registry (no users, no banks) in ``tmp_path``."""
    reg = Registry(open_database(f"sqlite:///{tmp_path / 'registry.sqlite3'}"),
                   FolderBlobs(tmp_path / "objects"))
    yield reg
    reg.db.dispose()


@pytest.fixture
def policy() -> AccountPolicy:
    """The default rules: 5 failures lock for 30 minutes; passwords last 120 days."""
    return AccountPolicy()
