"""Scale-out fixtures: one PostgreSQL cluster for the session (:mod:`pg_support`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pg_support import pg_cluster


@pytest.fixture(scope="session")
def scaleout_pg() -> Iterator[str]:
    """A private PostgreSQL cluster with room for many processes' pools; its base URL."""
    with pg_cluster(max_connections=200) as url:
        yield url
