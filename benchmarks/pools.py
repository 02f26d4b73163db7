"""Warm worker pools for the throughput figures, and a map bounded in work and time.

Workers are ``spawn``-ed processes (no state forked from the measuring process, whose
threads and server connections would not survive a fork); each warms up in its initializer
and then waits at a barrier, so the clock starts only when every worker is ready.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

__all__ = ["BARRIER_TIMEOUT_S", "Bounded", "map_bounded", "warm_pool"]

T = TypeVar("T")
R = TypeVar("R")

#: Seconds a worker waits for its peers at a barrier before the run gives up.
BARRIER_TIMEOUT_S = 180.0


@contextmanager
def warm_pool(workers: int, *, initializer: Callable[..., None], initargs: tuple[Any, ...],
              ready: Callable[[Any], Any]) -> Iterator[ProcessPoolExecutor]:
    """A pool of ``workers`` spawned processes, each initialised and past ``ready``.

    :param initializer: builds the worker's warm state; receives a barrier as its
        first argument, then ``initargs``.
    :param ready: a module-level task run once per worker; it must call
        ``barrier.wait(...)`` so that each lands on a different worker.
    """
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(workers)
    with ProcessPoolExecutor(workers, mp_context=context, initializer=initializer,
                             initargs=(barrier, *initargs)) as pool:
        for future in [pool.submit(ready, None) for _ in range(workers)]:
            future.result(timeout=BARRIER_TIMEOUT_S)
        yield pool


@dataclass(frozen=True)
class Bounded(Generic[R]):
    """The results of a bounded map, in input order, and how long they took."""

    results: tuple[R, ...]
    seconds: float
    #: Whether the time bound stopped the map before every item was submitted.
    cut_short: bool


def map_bounded(pool: Executor, task: Callable[[T], R], items: Iterable[T], *,
                max_seconds: float, in_flight: int) -> Bounded[R]:
    """Run ``task`` over ``items`` on ``pool``, submitting no new item after ``max_seconds``.

    Items already submitted are finished and counted, so the time is that of whole items.

    :param in_flight: items queued at once (a few per worker keeps every worker busy).
    """
    start = time.perf_counter()
    deadline = start + max_seconds
    pending: deque[Future[R]] = deque()
    results: list[R] = []
    cut_short = False
    for item in items:
        if time.perf_counter() >= deadline:
            cut_short = True
            break
        pending.append(pool.submit(task, item))
        if len(pending) >= in_flight:
            results.append(pending.popleft().result())
    results.extend(f.result() for f in pending)
    return Bounded(tuple(results), time.perf_counter() - start, cut_short)
