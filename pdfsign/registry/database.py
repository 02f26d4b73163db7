"""Opening the registry database: engines, SQLite pragmas, write transactions, migrations.

SQLite runs in WAL mode so readers never wait for a writer; a write
transaction starts with ``BEGIN IMMEDIATE`` so that two writers serialise at
the start instead of failing at commit.  On PostgreSQL writers lock the file's
row (``SELECT … FOR UPDATE``, see :mod:`pdfsign.registry.store`).  The schema
is owned by the Alembic migrations in ``pdfsign/registry/migrations``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import ArgumentError, OperationalError

from pdfsign.errors import ConfigurationError

__all__ = ["Database", "insert_once", "open_database", "schema_revision"]

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: How long a SQLite writer waits for another one (signing happens inside the lock).
_SQLITE_BUSY_SECONDS = 600


@dataclass(frozen=True)
class Database:
    """The two faces of one database: plain reads and serialising writes."""

    #: For reads (deferred transactions).
    engine: Engine
    #: For writes: on SQLite every transaction begins ``IMMEDIATE``.
    write_engine: Engine

    def dispose(self) -> None:
        """Close pooled connections (e.g. before forking worker processes)."""
        self.engine.dispose()


def open_database(url: str, *, migrate: bool = True) -> Database:
    """Connect to ``url`` and, unless told not to, bring the schema up to date.

    :param url: a SQLAlchemy URL (``sqlite:///path`` or ``postgresql+psycopg://…``).
    :param migrate: run Alembic's ``upgrade head`` first (idempotent).
    :raises ConfigurationError: the URL is malformed, the database unreachable, or the
        SQLite file's folder (the data directory) cannot be created.
    """
    if url.startswith("sqlite"):
        _make_folder(Path(url.split("///", 1)[-1]).parent)
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"timeout": _SQLITE_BUSY_SECONDS})
            _configure_sqlite(engine)
        else:
            engine = create_engine(url, pool_pre_ping=True)
        if migrate:
            upgrade(engine)
    except (ArgumentError, OperationalError, ImportError) as exc:
        raise ConfigurationError(f"cannot open the registry database: {exc}",
                                 field="database_url") from exc
    return Database(engine, engine.execution_options(pdfsign_write=True))


def insert_once(connection: Connection, table: Any, row: dict[str, Any]) -> None:
    """``INSERT … ON CONFLICT DO NOTHING``: of two writers of the same key, the first wins and
    the second changes nothing (on both databases)."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    connection.execute(dialect.insert(table).values(row).on_conflict_do_nothing())


def _make_folder(folder: Path) -> None:
    """Create the SQLite file's folder, so a bad ``--home`` is a configuration error, not a bug.

    :raises ConfigurationError: naming the folder and the operating system's reason.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(f"cannot create the data directory: {exc.strerror}",
                                 field=str(folder)) from None


#: The PostgreSQL advisory lock that serialises upgrades (any fixed number; "pdfsign" in ASCII).
_UPGRADE_LOCK = 0x7064667369676E


def upgrade(engine: Engine) -> None:
    """Apply every pending Alembic migration to ``engine``'s database.

    On PostgreSQL the whole upgrade holds a transaction-scoped advisory lock: nodes started
    at once on a new database (each upgrades when it opens the registry) wait for the
    first one's upgrade, then find nothing to do, instead of failing on its half-made
    tables.
    """
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                               {"key": _UPGRADE_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def schema_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at; ``None`` for a database never upgraded."""
    with engine.connect() as connection:
        revision: str | None = MigrationContext.configure(connection).get_current_revision()
        return revision


def _configure_sqlite(engine: Engine) -> None:
    """WAL, full fsync, foreign keys, and our own ``BEGIN`` (pysqlite's is too late)."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        write = connection.get_execution_options().get("pdfsign_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
