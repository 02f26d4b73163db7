"""Token serial numbers: unique across threads, processes and restarts (RFC 3161 §2.4.2)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tsa.authority import TimeStampAuthority, TimeStampResponse
from tsa.errors import TsaError
from tsa.pki import Pki
from tsa.serials import FileSerials, MemorySerials, SerialSource

_DRAW_SCRIPT = """
import json, sys
from pathlib import Path
from tsa.serials import FileSerials
serials = FileSerials(Path(sys.argv[1]), block_size=7)
print(json.dumps([serials.next_serial() for _ in range(int(sys.argv[2]))]))
"""


def _token_serials_from_threads(authority: TimeStampAuthority, request_der: bytes,
                                at: dt.datetime, *, threads: int,
                                per_thread: int) -> list[list[int]]:
    """Each thread's serials, in the order it received them."""
    results: list[list[int]] = [[] for _ in range(threads)]

    def work(index: int) -> None:
        for _ in range(per_thread):
            response = TimeStampResponse.load(authority.respond(request_der, at=at))
            info = response["time_stamp_token"]["content"]["encap_content_info"]["content"]
            results[index].append(info.parsed["serial_number"].native)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results


@pytest.mark.parametrize("kind", ["memory", "file"])
def test_thousand_tokens_from_threads_have_distinct_increasing_serials(
        kind: str, pki: Pki, tmp_path: Path, ts_request: Callable[..., Any],
        at: dt.datetime) -> None:
    serials: SerialSource = MemorySerials() if kind == "memory" else FileSerials(
        tmp_path, block_size=64)
    authority = TimeStampAuthority.from_pki(pki, serials=serials)
    per_thread = _token_serials_from_threads(authority, ts_request().dump(), at,
                                             threads=8, per_thread=125)
    everything = [s for thread in per_thread for s in thread]
    assert len(everything) == len(set(everything)) == 1000
    assert all(thread == sorted(thread) for thread in per_thread)


def test_serials_keep_increasing_after_a_restart(tmp_path: Path) -> None:
    first = FileSerials(tmp_path, block_size=100)
    before = [first.next_serial() for _ in range(5)]
    second = FileSerials(tmp_path, block_size=100)  # a restart: a new process, same state
    after = [second.next_serial() for _ in range(5)]
    assert before == [1, 2, 3, 4, 5]
    assert min(after) > max(before)
    assert after == sorted(after)


def test_concurrent_sources_on_one_state_never_collide(tmp_path: Path) -> None:
    sources = [FileSerials(tmp_path, block_size=3) for _ in range(4)]
    drawn = [source.next_serial() for _ in range(10) for source in sources]
    assert len(set(drawn)) == len(drawn) == 40


def test_two_processes_draw_disjoint_increasing_serials(tmp_path: Path) -> None:
    processes = [subprocess.Popen([sys.executable, "-c", _DRAW_SCRIPT, str(tmp_path), "500"],
                                  stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [json.loads(p.communicate(timeout=60)[0]) for p in processes]
    assert all(p.returncode == 0 for p in processes)
    first, second = outputs
    assert not set(first) & set(second)
    assert first == sorted(first)
    assert second == sorted(second)
    assert FileSerials(tmp_path).next_serial() > max(first + second)


def test_block_size_one_is_strictly_increasing_across_sources(tmp_path: Path) -> None:
    a, b = FileSerials(tmp_path, name="crl-ca", block_size=1), FileSerials(
        tmp_path, name="crl-ca", block_size=1)
    assert [a.next_serial(), b.next_serial(), a.next_serial(), b.next_serial()] == [1, 2, 3, 4]


def test_counters_with_different_names_are_independent(tmp_path: Path) -> None:
    assert FileSerials(tmp_path, name="one").next_serial() == 1
    assert FileSerials(tmp_path, name="two").next_serial() == 1


@pytest.mark.parametrize("content", ["garbage\n", "-5\n", "0\n"])
def test_corrupt_state_is_refused(tmp_path: Path, content: str) -> None:
    (tmp_path / "tsa-serial.state").write_text(content)
    with pytest.raises(TsaError, match="serial state is corrupt"):
        FileSerials(tmp_path).next_serial()


def test_block_size_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(TsaError, match="block_size: must be at least 1"):
        FileSerials(tmp_path, block_size=0)


def test_memory_start_must_be_positive() -> None:
    with pytest.raises(TsaError, match="start: must be positive"):
        MemorySerials(start=0)


def test_unwritable_state_folder_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(TsaError, match="cannot create the state folder"):
        FileSerials(blocker / "state")
