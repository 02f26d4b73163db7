"""What the send commands (``mail send``, ``webhook send``) share: ``--once`` and ``--interval``,
and a loop that ends cleanly on SIGTERM or Ctrl-C."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any, TypeVar

import click

__all__ = ["run_until_stopped", "sender_options"]

F = TypeVar("F", bound=Callable[..., Any])


def sender_options(command: F) -> F:
    """Add ``--once`` (deliver what is due now, then exit) and ``--interval`` (seconds)."""
    command = click.option("--interval", type=click.FloatRange(min=0.1), default=5.0,
                           show_default=True,
                           help="Seconds between looks at the outbox (without --once).")(command)
    return click.option("--once", is_flag=True,
                        help="Deliver what is due now, then exit.")(command)


def run_until_stopped(loop: Callable[[threading.Event], None]) -> None:
    """Run ``loop`` with an event that SIGTERM and SIGINT set; it returns when it sees it."""
    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    loop(stop)
