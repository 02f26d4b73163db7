"""The ``postgresql`` store: PDF bytes in the registry database's ``blobs`` table (bytea).

A put given the registry's write session inserts in *that* transaction, so the bytes and
the version row that names them commit together or not at all; no second system to back
up or keep consistent.  Reads use their own short transactions.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from pdfsign.registry.blobs import checked, missing, require_digest, sha256_hex
from pdfsign.registry.database import Database
from pdfsign.registry.models import StoredBlob

__all__ = ["DatabaseBlobs"]


class DatabaseBlobs:
    """Blobs as rows of the registry database (see the module)."""

    url = "postgresql"

    def __init__(self, db: Database) -> None:
        self.db = db

    def put(self, data: bytes, session: Session | None = None) -> str:
        """Insert the bytes (once) in ``session``'s transaction, or in one of their own."""
        digest = sha256_hex(data)
        if session is not None:
            self._insert(session.connection(), digest, data)
        else:
            with self.db.write_engine.begin() as connection:
                self._insert(connection, digest, data)
        return digest

    @staticmethod
    def _insert(connection: Connection, digest: str, data: bytes) -> None:
        """``INSERT … ON CONFLICT DO NOTHING``: the same bytes put twice are one row."""
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        row = {"sha256": digest, "size": len(data), "data": data}
        connection.execute(dialect.insert(StoredBlob).values(row).on_conflict_do_nothing())

    def get(self, digest: str) -> bytes:
        """The row's bytes, hash-checked."""
        with self.db.engine.connect() as connection:
            data = connection.execute(select(StoredBlob.data).where(
                StoredBlob.sha256 == require_digest(digest))).scalar_one_or_none()
        if data is None:
            raise missing(digest)
        return checked(digest, bytes(data))

    def has(self, digest: str) -> bool:
        """Whether a row is filed under ``digest``."""
        with self.db.engine.connect() as connection:
            return connection.execute(select(StoredBlob.size).where(
                StoredBlob.sha256 == require_digest(digest))).first() is not None

    def delete(self, digest: str) -> bool:
        """Delete the row; ``False`` if it was already gone."""
        with self.db.write_engine.begin() as connection:
            gone = connection.execute(delete(StoredBlob).where(
                StoredBlob.sha256 == require_digest(digest)))
        return bool(gone.rowcount)
