"""Measuring primitives: repeat a call and summarise its durations; read a process's RSS.

Durations come from :func:`time.perf_counter` (monotonic, sub-microsecond), never from the
wall clock, and a figure is always reported as median, min and max so that one slow repeat
(a garbage collection, a neighbour on the machine) shows up without moving the median.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

__all__ = ["Summary", "percentile", "rss_mb", "time_calls"]

T = TypeVar("T")


@dataclass(frozen=True)
class Summary:
    """Median, min and max of a figure's samples (in the figure's unit)."""

    median: float
    minimum: float
    maximum: float
    #: How many samples the summary is over.
    count: int

    @classmethod
    def of(cls, samples: Sequence[float]) -> Summary:
        """Summarise ``samples``.

        :raises ValueError: when there are no samples (a figure over nothing is no figure).
        """
        if not samples:
            raise ValueError("no samples to summarise")
        return cls(median=statistics.median(samples), minimum=min(samples),
                   maximum=max(samples), count=len(samples))


def time_calls(call: Callable[[], T], *, repeats: int,
               warmup: int = 1) -> tuple[Summary, T]:
    """Call ``call`` ``warmup`` times unmeasured, then ``repeats`` times measured.

    :param call: the work to time; its result is kept so the caller can check it.
    :param repeats: measured calls (at least 1).
    :param warmup: unmeasured calls first, so that "warm" means caches, fonts and
        pyHanko's sample time-stamp token are in place.
    :return: the durations in milliseconds, and the last call's result.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, not {repeats}")
    for _ in range(warmup):
        call()
    samples: list[float] = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = call()
        samples.append((time.perf_counter() - start) * 1000)
    return Summary.of(samples), result


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of ``samples`` (``fraction`` 0.99 for p99).

    Nearest rank (no interpolation): the value is one that was actually observed.
    """
    if not samples:
        raise ValueError("no samples")
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], not {fraction}")
    ordered = sorted(samples)
    rank = max(1, -(-len(ordered) * fraction // 1))  # ceil(n * fraction)
    return ordered[int(rank) - 1]


def rss_mb(pid: int | None = None) -> float:
    """The resident set size of process ``pid`` (default: this one) in MiB, from ``/proc``.

    :raises OSError: when the process does not exist (or ``/proc`` is not mounted).
    """
    status = f"/proc/{pid or os.getpid()}/status"
    with open(status, encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise OSError(f"{status} has no VmRSS line")
