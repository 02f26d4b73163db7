"""Progress of a long run on standard error, where it never mixes with ``--json`` output."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

__all__ = ["PROGRESS_MIN_ITEMS", "progress_display"]

#: Runs with at least this many items show progress unasked when stderr is a terminal.
PROGRESS_MIN_ITEMS = 10


@contextmanager
def progress_display(total: int, *, asked: bool | None, label: str, done_line: str,
                     unasked_ok: bool = True) -> Iterator[Callable[[], None]]:
    """A callback that advances a progress display on stderr, or does nothing.

    Shown when asked (``--progress``), or on long runs when stderr is a terminal; there
    it is click's bar, elsewhere (a CI log) one line per tenth of the run.

    :param label: the bar's label (``renewing``).
    :param done_line: the log line, formatted with ``done`` and ``total``
        (``"renewed {done}/{total} files"``).
    :param unasked_ok: ``False`` keeps it off unless asked (a report streamed to the same
        terminal would be broken up by the bar).
    """
    tty = sys.stderr.isatty()
    if asked is False or (asked is None and (
            not tty or total < PROGRESS_MIN_ITEMS or not unasked_ok)):
        yield lambda: None
    elif tty:
        with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
            yield lambda: bar.update(1)
    else:
        done = 0

        def line() -> None:
            nonlocal done
            done += 1
            if done == total or done % max(total // 10, 1) == 0:
                click.echo(done_line.format(done=done, total=total), err=True)
        yield line
