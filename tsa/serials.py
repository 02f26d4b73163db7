"""Serial numbers for time-stamp tokens: unique, and increasing across restarts.

RFC 3161 §2.4.2 requires every token's ``serialNumber`` to be unique for the
TSA, even across restarts.  :class:`FileSerials` keeps the next unreserved
serial in a state file and reserves serials in blocks under an ``fcntl`` lock,
so the common path costs no I/O and no two processes sharing the state folder
ever hand out the same number.  Inside one process serials strictly increase;
an authority started later always issues serials above every serial reserved
before it.  :class:`MemorySerials` is the variant for tests.
"""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path
from typing import Protocol

from tsa.errors import TsaError

__all__ = ["FileSerials", "MemorySerials", "SerialSource"]



class SerialSource(Protocol):
    """Where an authority takes the serial number of its next token."""

    def next_serial(self) -> int:
        """Return a serial never returned before by any source sharing this state."""
        ...


class MemorySerials:
    """Serials from a counter in memory: unique within one process only (tests)."""

    def __init__(self, *, start: int = 1) -> None:
        if start < 1:
            raise TsaError(f"must be positive, got {start}", field="start")
        self._next = start
        self._lock = threading.Lock()

    def next_serial(self) -> int:
        """Return the next serial of the counter (thread-safe)."""
        with self._lock:
            serial = self._next
            self._next += 1
            return serial


class FileSerials:
    """Serials reserved in blocks from a state file shared by processes and restarts.

    The file holds the first serial not yet reserved, as decimal text.  A block
    is reserved by locking the file, reading the value, writing it plus the block
    size and syncing it to disk before any serial of the block is used.  Serials
    of a block left unused when a process stops are skipped, never reused.
    """

    def __init__(self, state_dir: Path, *, name: str = "tsa-serial",
                 block_size: int = 1000) -> None:
        """:param state_dir: folder for the state file; created if missing.
        :param name: the counter's name; its state file is ``<name>.state``.
        :param block_size: serials reserved per file access (≥ 1); 1 makes the
            serials strictly increasing across processes too, at one locked write each.
        :raises TsaError: for a block size below 1 or a state folder that cannot be created.
        """
        if block_size < 1:
            raise TsaError(f"must be at least 1, got {block_size}", field="block_size")
        try:
            state_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise TsaError(f"cannot create the state folder: {exc.strerror}",
                           field=str(state_dir)) from None
        self.path = state_dir / f"{name}.state"
        self._block_size = block_size
        self._lock = threading.Lock()
        self._next = 0
        self._end = 0  # the block [_next, _end) is ours; empty at first

    def next_serial(self) -> int:
        """Return the next serial of the current block, reserving a new block when it is used up.

        :raises TsaError: when the state file cannot be read or written.
        """
        with self._lock:
            if self._next >= self._end:
                self._next = self._reserve_block()
                self._end = self._next + self._block_size
            serial = self._next
            self._next += 1
            return serial

    def high_water(self) -> int:
        """The first serial no process has reserved (1 if none has): every serial ever
        handed out from this state is below it.

        :raises TsaError: when the state file cannot be read or is corrupt.
        """
        try:
            text = self.path.read_text("ascii", errors="replace").strip()
        except FileNotFoundError:
            return 1
        except OSError as exc:
            raise TsaError(f"cannot read the serial state: {exc.strerror}",
                           field=str(self.path)) from None
        return _parse_state(text, self.path)

    def _reserve_block(self) -> int:
        """Advance the state file by one block under an exclusive lock; return the block's start."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise TsaError(f"cannot open the serial state: {exc.strerror}",
                           field=str(self.path)) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            text = os.read(fd, 64).decode("ascii", errors="replace").strip()
            start = _parse_state(text, self.path)
            os.lseek(fd, 0, os.SEEK_SET)
            os.ftruncate(fd, 0)
            os.write(fd, f"{start + self._block_size}\n".encode("ascii"))
            os.fsync(fd)
            return start
        except OSError as exc:
            raise TsaError(f"cannot update the serial state: {exc.strerror}",
                           field=str(self.path)) from None
        finally:
            os.close(fd)  # closing releases the flock


def _parse_state(text: str, path: Path) -> int:
    """The first unreserved serial stored in the state file; 1 for a new file."""
    if not text:
        return 1
    if not text.isdigit() or int(text) < 1:
        raise TsaError(f"the serial state is corrupt ({text[:20]!r}); refusing to risk "
                       "reusing serials", field=str(path))
    return int(text)
