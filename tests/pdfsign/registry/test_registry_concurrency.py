"""Concurrent re-issues get distinct consecutive issue counts; a SIGKILL leaves a consistent store.

Run on SQLite (``BEGIN IMMEDIATE``) and PostgreSQL (``SELECT … FOR UPDATE``), with
threads in one process and with separate processes.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.process import BaseProcess
from pathlib import Path

import pytest
from registry_samples import T0, certificate, producer

from pdfsign.registry import FileInfo, FolderBlobs, Registry, open_database

N = 20
#: Forked children start with everything imported, so 20 of them start in milliseconds.
_FORK = multiprocessing.get_context("fork")


def _reissue_in_child(url: str, store: str, file_id: str, mode: str, marker: str) -> None:
    """A separate process re-issuing ``file_id``: ``once``, in a ``loop`` until killed, or
    ``hang`` inside the producer (bytes stored, version not committed) after writing ``marker``."""
    registry = Registry(open_database(url, migrate=False), FolderBlobs(Path(store)))

    def produce(file: FileInfo, count: int) -> bytes:
        pdf = f"%PDF-1.7\n% {file_id} count {count} {time.monotonic_ns()}\n".encode() * 200
        if mode == "hang":
            registry.blobs.put(pdf)
            Path(marker).write_text(str(count))
            time.sleep(600)
        time.sleep(0.005)
        return pdf

    while True:
        registry.reissue(file_id, produce, actor=f"pid{os.getpid()}", at=T0)
        if mode == "once":
            return


def _assert_consistent(registry: Registry, file_id: str) -> list[int]:
    """Every version readable and hash-checked, counts consecutive, current = last, audit intact."""
    history = registry.history(file_id)
    numbers = [v.number for v in history]
    assert numbers == list(range(1, len(history) + 1))
    assert [v.issue_count for v in history] == numbers
    assert registry.file(file_id).current_version == numbers[-1]
    assert registry.file(file_id).issue_count == numbers[-1]
    for version in history:
        registry.pdf(file_id, version.number)
    report = registry.verify_audit()
    assert report.ok, report.problems
    return [v.issue_count for v in history]


def _worker(registry: Registry, file_id: str, mode: str, marker: Path | None = None
            ) -> BaseProcess:
    registry.db.dispose()  # never share pooled connections with a child
    args = (registry.db.engine.url.render_as_string(False), str(registry.blobs.root), file_id,
            mode, str(marker or ""))
    proc = _FORK.Process(target=_reissue_in_child, args=args)
    proc.start()
    return proc


def test_twenty_threads(registry: Registry) -> None:
    new = certificate()
    registry.issue(new, producer("v1"), actor="a", at=T0)
    with ThreadPoolExecutor(max_workers=N) as pool:
        done = list(pool.map(lambda i: registry.reissue(new.file_id, producer(f"t{i}"),
                                                          actor=f"t{i}", at=T0), range(N)))
    assert sorted(v.issue_count for v in done) == list(range(2, N + 2))
    assert _assert_consistent(registry, new.file_id) == list(range(1, N + 2))


def test_twenty_processes(registry: Registry) -> None:
    new = certificate()
    registry.issue(new, producer("v1"), actor="a", at=T0)
    workers = [_worker(registry, new.file_id, "once") for _ in range(N)]
    for proc in workers:
        proc.join(timeout=120)
        assert proc.exitcode == 0
    assert _assert_consistent(registry, new.file_id) == list(range(1, N + 2))


def test_sigkill_inside_a_reissue(registry: Registry, tmp_path: Path) -> None:
    new = certificate()
    registry.issue(new, producer("v1"), actor="a", at=T0)
    marker = tmp_path / "inside"
    proc = _worker(registry, new.file_id, "hang", marker)
    while not marker.exists():
        assert proc.is_alive()
        time.sleep(0.02)
    os.kill(proc.pid or 0, signal.SIGKILL)
    proc.join()
    assert _assert_consistent(registry, new.file_id) == [1]
    registry.reissue(new.file_id, producer("after"), actor="a", at=T0)  # the lock is free
    assert _assert_consistent(registry, new.file_id) == [1, 2]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sigkill_at_random_moments(registry: Registry, seed: int) -> None:
    new = certificate()
    registry.issue(new, producer("v1"), actor="a", at=T0)
    rng = random.Random(seed)
    for _ in range(3):
        before = len(registry.history(new.file_id))
        proc = _worker(registry, new.file_id, "loop")
        # the child has re-issued at least once (a loaded machine starts it late), then dies
        # at a random moment of its loop
        while len(registry.history(new.file_id)) == before:
            assert proc.is_alive()
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.3))
        os.kill(proc.pid or 0, signal.SIGKILL)
        proc.join()
        assert proc.exitcode == -signal.SIGKILL
        _assert_consistent(registry, new.file_id)
    registry.reissue(new.file_id, producer("after"), actor="a", at=T0)
    assert len(_assert_consistent(registry, new.file_id)) > 3  # the children did re-issue
