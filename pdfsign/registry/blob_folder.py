"""The embedded default store: a local folder, ``<root>/ab/cdef…`` holding the bytes of ``abcdef…``.

A blob is written to a temporary file in the same directory, fsynced, renamed into place
and the directory fsynced: a crash leaves either no blob or the whole blob, never half.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from pdfsign.atomic import write_atomically
from pdfsign.errors import WriteError
from pdfsign.registry.blobs import checked, missing, require_digest, sha256_hex

__all__ = ["FolderBlobs"]


class FolderBlobs:
    """A content-addressed directory (see the module)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.url = root.resolve().as_uri()

    def path(self, digest: str) -> Path:
        """Where the blob with ``digest`` lives."""
        require_digest(digest)
        return self.root / digest[:2] / digest[2:]

    def put(self, data: bytes, session: Session | None = None) -> str:
        """Store ``data`` (once) and return its SHA-256; durable on return.

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
        """Read a blob back, hash-checked (see :meth:`pdfsign.registry.blobs.BlobStore.get`)."""
        try:
            data = self.path(digest).read_bytes()
        except FileNotFoundError:
            raise missing(digest) from None
        return checked(digest, data)

    def has(self, digest: str) -> bool:
        """Whether the blob's file exists."""
        return self.path(digest).is_file()

    def delete(self, digest: str) -> bool:
        """Remove a blob; ``False`` if it was already gone."""
        try:
            self.path(digest).unlink()
        except FileNotFoundError:
            return False
        return True
