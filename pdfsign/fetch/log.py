"""The run's log: ``<time> [LEVEL] message`` lines on standard error and in the day's log
file (``pdfsign-fetch-YYYY-MM-DD.log`` in ``log_dir``, appended, UTF-8).

Seed 002's levels: INFO for progress (no new data, download [n] ID, done), WARN for an
error that is retried, ERROR for the one that ends the run.  A run whose settings do not
name a usable log folder logs to standard error only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from .errors import FileAccessError

__all__ = ["RunLog", "local_now"]


def local_now() -> dt.datetime:
    """The machine's local time, with its offset (JST on a bank's server)."""
    return dt.datetime.now().astimezone()


class RunLog:
    """Log lines for one run."""

    def __init__(self, stderr: TextIO | None, *,
                 clock: Callable[[], dt.datetime] = local_now) -> None:
        """:param stderr: ``None`` where there is none (``pythonw`` under a scheduler)."""
        self._stderr, self._clock = stderr, clock
        self._file: TextIO | None = None
        #: The log file in use, once :meth:`attach` has opened it.
        self.path: Path | None = None

    def attach(self, folder: Path) -> None:
        """Also write to today's log file in ``folder``.

        :raises FileAccessError: the file cannot be opened for appending.
        """
        path = folder / f"pdfsign-fetch-{self._clock():%Y-%m-%d}.log"
        try:
            self._file = path.open("a", encoding="utf-8")
        except OSError as exc:
            raise FileAccessError(f"{path}: {exc.strerror or exc}") from None
        self.path = path

    def info(self, message: str) -> None:
        """Progress."""
        self._line("INFO", message)

    def warn(self, message: str) -> None:
        """An error that is tried again."""
        self._line("WARN", message)

    def error(self, message: str) -> None:
        """The error that ends the run."""
        self._line("ERROR", message)

    def close(self) -> None:
        """Close the log file."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def _line(self, level: str, message: str) -> None:
        line = f"{self._clock().isoformat(sep=' ', timespec='seconds')} [{level}] {message}\n"
        if self._stderr is not None:
            self._stderr.write(line)
            self._stderr.flush()
        if self._file is not None:
            try:
                self._file.write(line)
                self._file.flush()
            except OSError as exc:  # the disk filled up: say so once, on stderr
                self._file = None
                problem = FileAccessError(f"{self.path}: {exc.strerror or exc}")
                if self._stderr is not None:
                    self._stderr.write(f"[ERROR] {problem.message}\n")
