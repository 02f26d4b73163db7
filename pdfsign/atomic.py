"""Atomic file writes: a crash leaves the old file or the new one, never half of one.

Every file the product writes (signed PDFs, exports, reports, stored blobs) goes through
:func:`write_atomically`, so the rule lives in one place.
"""

from __future__ import annotations

import os
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
