"""Atomic file writes: a crash leaves the old file or the new one, never half of one.

Every file the product writes (signed PDFs, exports, reports, stored blobs) goes through
:func:`write_atomically`, so the rule lives in one place.  A target that is not a file —
``/dev/null``, ``/dev/stdout``, a named pipe — is a stream with no old content to keep: it
is written in place, never renamed over (which would put a file where the device was).
Anything else that is not a file (a folder, a disk, a socket) is refused.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from pdfsign.errors import WriteError

__all__ = ["write_atomically"]


def write_atomically(path: Path, data: bytes, *, durable_dir: bool = False) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, fsync and rename.

    :param durable_dir: also fsync the folder, so the rename itself survives a power loss
        (the registry's store needs this before it commits the database row).
    :raises WriteError: the file cannot be written (``field`` is the path).
    """
    directory = path.resolve().parent
    try:
        if _is_stream(path):
            with path.open("wb") as out:
                out.write(data)
            return
        if path.exists() and not path.is_file():
            raise WriteError("not a file: a folder, disk or socket is never written over",
                             field=str(path))
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                             dir=directory)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        if durable_dir:
            folder = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)
    except OSError as exc:
        raise WriteError(f"cannot write the file: {exc.strerror}", field=str(path)) from None


def _is_stream(path: Path) -> bool:
    """Whether ``path`` is a character device or a named pipe (following symlinks)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)
