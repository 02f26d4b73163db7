"""PDF bytes stored once, addressed by their SHA-256, and checked against it on every read.

:class:`BlobStore` is what the registry needs of a store; there are three
(:func:`pdfsign.registry.blob_stores.open_blobs` picks one from the ``blobs`` setting): a
local folder (:mod:`~pdfsign.registry.blob_folder`, the embedded default), the registry's
own database (:mod:`~pdfsign.registry.blob_table`, written in the version's transaction)
and an S3-compatible object store (:mod:`~pdfsign.registry.blob_s3`).  Outside the
database, a blob is written whole *before* the transaction that references it commits, so
a crash in between leaves only an unreferenced blob, which is harmless.
"""

from __future__ import annotations

import hashlib
from typing import Protocol

from sqlalchemy.orm import Session

from pdfsign.errors import NotFoundError, PdfsignError

__all__ = ["BlobStore", "CorruptBlobError", "StoreUnavailableError", "checked", "missing",
           "require_digest", "sha256_hex"]

_HEX = frozenset("0123456789abcdef")


class CorruptBlobError(PdfsignError):
    """A stored PDF no longer matches the SHA-256 it is filed under."""

    exit_code = 8
    http_status = 500


class StoreUnavailableError(PdfsignError):
    """The PDF store cannot be reached or refuses us (an object store's outage, credentials)."""

    exit_code = 11
    http_status = 503
    reason = "store-unavailable"


class BlobStore(Protocol):
    """Content-addressed bytes: what is put under a SHA-256 comes back only if it still has it."""

    #: Where the store is, as the ``blobs`` setting names it (no secrets in it).
    url: str

    def put(self, data: bytes, session: Session | None = None) -> str:
        """Store ``data`` (once) and return its SHA-256.

        :param session: the registry's write transaction, for a store that can join it (the
            database store does; the others have written the bytes durably on return).
        :raises WriteError: the bytes cannot be stored.
        """

    def get(self, digest: str) -> bytes:
        """The bytes filed under ``digest``, hash-checked.

        :raises NotFoundError: no blob with that digest.
        :raises CorruptBlobError: the stored bytes were altered.
        """

    def has(self, digest: str) -> bool:
        """Whether a blob is filed under ``digest`` (not whether it is intact: :meth:`get`)."""

    def delete(self, digest: str) -> bool:
        """Remove a blob; ``False`` if it was already gone."""


def sha256_hex(data: bytes) -> str:
    """The lowercase hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def require_digest(digest: str) -> str:
    """``digest`` if it is a lowercase hex SHA-256 (it becomes a path or an object key).

    :raises NotFoundError: anything else.
    """
    if len(digest) != 64 or not set(digest) <= _HEX:
        raise NotFoundError(f"not a SHA-256 hex digest: {digest!r}", field="sha256")
    return digest


def checked(digest: str, data: bytes) -> bytes:
    """``data`` read back from a store, if it still hashes to ``digest``.

    :raises CorruptBlobError: it does not.
    """
    actual = sha256_hex(data)
    if actual != digest:
        raise CorruptBlobError(f"stored PDF {digest} now hashes to {actual}", field="sha256")
    return data


def missing(digest: str) -> NotFoundError:
    """The error for a digest no blob is filed under (the same from every store)."""
    return NotFoundError(f"stored PDF {digest} is missing", field="sha256")
