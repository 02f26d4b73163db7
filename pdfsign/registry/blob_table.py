"""The ``postgresql`` store: PDF bytes in the registry database's ``blobs`` table (bytea).

A put given the registry's write session inserts in *that* transaction, so the bytes and
the version row that names them commit together or not at all; no second system to back
up or keep consistent.  Reads use their own short transactions.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from pdfsign.registry.blobs import checked, missing, require_digest, sha256_hex
from pdfsign.registry.database import Database, insert_once
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
        row = {"sha256": digest, "size": len(data), "data": data}  # the same bytes: one row
        if session is not None:
            insert_once(session.connection(), StoredBlob, row)
        else:
            with self.db.write_engine.begin() as connection:
                insert_once(connection, StoredBlob, row)
        return digest

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
