"""0005 makes exactly what :mod:`pdfsign.notify.tables` and ``Bank.delivery_mode`` declare."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, text

from pdfsign.notify.tables import DistributionLink, OutboxRow
from pdfsign.registry import open_database
from pdfsign.registry.database import upgrade
from pdfsign.registry.models import Bank

MIGRATIONS = Path(__file__).resolve().parents[3] / "pdfsign" / "registry" / "migrations"


def _table_of(difference: Any) -> str:
    """The table an Alembic difference is about (a list: one column's changes)."""
    if isinstance(difference, list):
        return str(difference[0][2])
    kind, subject = difference[0], difference[1]
    if kind.endswith("_table"):
        return str(subject.name)
    if kind.endswith(("_index", "_constraint", "_fk")):
        return str(subject.table.name)
    return str(difference[2])


def test_the_migration_builds_the_notify_tables(tmp_path: Path) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    ours = MetaData()
    for model in (Bank, DistributionLink, OutboxRow):
        model.__table__.to_metadata(ours)
    try:
        with database.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={
                "compare_type": True, "compare_server_default": True})
            differences = list(compare_metadata(context, ours))
    finally:
        database.dispose()
    assert [d for d in differences if _table_of(d) in set(ours.tables)] == []


def test_banks_made_before_0005_are_in_storage_mode(tmp_path: Path) -> None:
    """An existing installation upgrades without touching its banks' behaviour."""
    engine = create_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")
        connection.execute(text("INSERT INTO banks (code, name, agreement_start) "
                                "VALUES ('2345', 'みらい銀行', :day)"),
                           {"day": dt.date(2026, 1, 1)})
    upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT delivery_mode FROM banks")).scalar_one() == "storage"
    engine.dispose()
