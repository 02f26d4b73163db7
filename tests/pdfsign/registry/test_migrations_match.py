"""The migrations build exactly the schema the models describe (no drift either way).

Every table of :mod:`pdfsign.registry.models` and :mod:`pdfsign.accounts.tables` is compared,
column by column (type, nullability), with its indexes, unique constraints and foreign keys,
against a fresh database that only ``alembic upgrade head`` has touched: a model changed
without a migration, or a migration that adds what no model declares, fails here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, MetaData, String

import pdfsign.accounts.tables  # noqa: F401 - registers the accounts' tables in Base.metadata
import pdfsign.batch_tables  # noqa: F401 - registers the batch jobs' tables
import pdfsign.keys.tables  # noqa: F401 - registers the signers' PIN locks and names
import pdfsign.notify.tables  # noqa: F401 - registers the outbox, link and webhook tables
from pdfsign.registry import open_database
from pdfsign.registry.models import Base


def _differences(url: str, metadata: MetaData) -> list[Any]:
    database = open_database(url)  # runs every migration
    try:
        with database.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={
                "compare_type": True, "compare_server_default": True})
            return list(compare_metadata(context, metadata))
    finally:
        database.dispose()


def test_the_accounts_tables_are_in_the_metadata() -> None:
    assert {"users", "signin_throttle", "web_sessions", "recovery_codes"} <= set(
        Base.metadata.tables)


def test_the_migrations_build_the_models_schema(db_url: str) -> None:
    """On SQLite and PostgreSQL alike (``db_url`` is parametrised over both).

    Nothing is filtered out.  Alembic compares each type as the dialect writes it in DDL, so
    what SQLite cannot express is simply no difference there: ``UtcDateTime`` is
    ``DateTime(timezone=True)``, which SQLite writes and reflects as plain ``DATETIME``, and
    ``Boolean`` has no CHECK constraint in SQLAlchemy 2.  PostgreSQL, which has
    ``TIMESTAMP WITH TIME ZONE`` and a real ``BOOLEAN``, checks those.
    """
    assert _differences(db_url, Base.metadata) == []


def test_a_drift_would_be_caught(tmp_path: Path) -> None:
    """The comparison can fail: a column no migration made, a length no migration set."""
    drifted = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(drifted)
    drifted.tables["users"].append_column(Column("nickname", String(20), nullable=True))
    drifted.tables["web_sessions"].c.stage.type = String(20)
    differences = _differences(f"sqlite:///{tmp_path / 'drift.sqlite3'}", drifted)
    # one tuple per table-level change; a list of tuples per changed column
    flat = [d for item in differences for d in (item if isinstance(item, list) else [item])]
    assert sorted((d[0], d[2]) for d in flat) == [("add_column", "users"),
                                                  ("modify_type", "web_sessions")]
