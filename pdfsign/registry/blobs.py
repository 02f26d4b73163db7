"""PDF bytes stored once, addressed by their SHA-256, written atomically, checked on read.

A blob is written to a temporary file in the same directory, fsynced, renamed
into place and the directory fsynced: a crash leaves either no blob or the whole
blob, never half of one.  Blobs are written *before* the database transaction
that references them commits, so a crash in between leaves only an unreferenced
blob, which is harmless.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pdfsign.atomic import write_atomically
from pdfsign.errors import NotFoundError, PdfsignError, WriteError

__all__ = ["BlobStore", "CorruptBlobError", "sha256_hex"]


class CorruptBlobError(PdfsignError):
    """A stored PDF no longer matches the SHA-256 it is filed under."""

    exit_code = 8
    http_status = 500


def sha256_hex(data: bytes) -> str:
    """The lowercase hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


class BlobStore:
    """A content-addressed directory: ``<root>/ab/cdef…`` holds the bytes hashing to ``abcdef…``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, digest: str) -> Path:
        """Where the blob with ``digest`` lives."""
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise NotFoundError(f"not a SHA-256 hex digest: {digest!r}", field="sha256")
        return self.root / digest[:2] / digest[2:]

    def put(self, data: bytes) -> str:
        """Store ``data`` (once) and return its SHA-256.

        :return: the hex digest under which the bytes are now durably stored.
        :raises WriteError: the store folder or file cannot be written.
        """
        digest = sha256_hex(data)
        target = self.path(digest)
        if target.exists() and target.stat().st_size == len(data):
            return digest
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WriteError(f"cannot create the store folder: {exc.strerror}",
                             field=str(target.parent)) from None
        write_atomically(target, data, durable_dir=True)
        return digest

    def get(self, digest: str) -> bytes:
        """Read a blob back, checking that its bytes still hash to ``digest``.

        :raises NotFoundError: no blob with that digest.
        :raises CorruptBlobError: the stored bytes were altered.
        """
        try:
            data = self.path(digest).read_bytes()
        except FileNotFoundError:
            raise NotFoundError(f"stored PDF {digest} is missing", field="sha256") from None
        actual = sha256_hex(data)
        if actual != digest:
            raise CorruptBlobError(f"stored PDF {digest} now hashes to {actual}", field="sha256")
        return data

    def delete(self, digest: str) -> bool:
        """Remove a blob; ``False`` if it was already gone."""
        try:
            self.path(digest).unlink()
        except FileNotFoundError:
            return False
        return True
