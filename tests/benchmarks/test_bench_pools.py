"""benchmarks.pools: spawned warm workers behind a barrier, and the bounded map."""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from benchmarks.pools import map_bounded, warm_pool


class _State:
    barrier: Any
    label = ""


def _init(barrier: Any, label: str) -> None:
    _State.barrier, _State.label = barrier, label


def _ready(_: object) -> int:
    _State.barrier.wait(timeout=60)
    return os.getpid()


def _work(x: int) -> tuple[str, int, int]:
    return _State.label, x * x, os.getpid()


def test_each_worker_is_warm_and_distinct_before_work_starts() -> None:
    with warm_pool(2, initializer=_init, initargs=("warm",), ready=_ready) as pool:
        done = map_bounded(pool, _work, range(6), max_seconds=60, in_flight=4)
    assert [(label, square) for label, square, _ in done.results] == \
        [("warm", x * x) for x in range(6)]
    assert done.cut_short is False
    assert os.getpid() not in {pid for _, _, pid in done.results}


def test_bounded_map_keeps_input_order_and_limits_in_flight() -> None:
    lock, running, peak = threading.Lock(), [0], [0]

    def task(x: int) -> int:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.001)
        with lock:
            running[0] -= 1
        return -x

    with ThreadPoolExecutor(max_workers=8) as pool:
        done = map_bounded(pool, task, range(40), max_seconds=60, in_flight=3)
    assert done.results == tuple(-x for x in range(40))
    assert peak[0] <= 3


def test_the_time_bound_stops_submitting_and_says_so() -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = map_bounded(pool, lambda x: x, iter(range(1_000)), max_seconds=0, in_flight=2)
    assert done.results == ()
    assert done.cut_short is True
