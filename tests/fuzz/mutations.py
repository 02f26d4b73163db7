"""Hypothesis strategies that mutate real inputs, and where a crashing input is written.

Why hypothesis rather than atheris: it is pure Python (atheris needs a clang-built
libFuzzer and a matching CPython), it runs inside pytest with our session fixtures (the test
PKI, signed samples, the TSA), and with ``derandomize`` or a fixed ``--hypothesis-seed`` and
``max_examples`` a run is repeatable case for case.  Its binary strategies drive the byte
mutations below; coverage guidance matters less here than seeding with real inputs, which
keeps most mutants deep inside the parsers instead of failing at the first byte.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from hypothesis import event
from hypothesis import strategies as st

__all__ = ["CRASH_DIR", "RUNS_DIR", "Tally", "mutants", "recording"]

#: Where ``make fuzz`` (and any failing run) leaves the inputs that crashed a target.
CRASH_DIR = Path(__file__).resolve().parents[2] / "fuzz" / "crashes"
#: Where each target writes how many inputs it was fed, by outcome (the ``make fuzz`` figures).
RUNS_DIR = Path(__file__).resolve().parents[2] / "fuzz" / "runs"

_INTERESTING = [b"\x00", b"\xff", b"\x80", b"\x7f", b"0", b"-1", b"9" * 40, b"<", b">", b"(",
                b")", b"[", b"]", b"/", b"obj", b"endobj", b"stream", b"%%EOF", b"\x30\x80",
                b"\x06\x09", b"\x02\x81", b"\x05\x00"]


@st.composite
def _mutation(draw: st.DrawFn, data: bytearray) -> None:
    """One edit: flip, overwrite, insert, delete, duplicate a chunk or truncate."""
    size = len(data)
    kind = draw(st.sampled_from(["flip", "set", "insert", "delete", "duplicate", "truncate"]))
    at = draw(st.integers(0, max(size - 1, 0)))
    if kind == "flip" and size:
        data[at] ^= 1 << draw(st.integers(0, 7))
    elif kind == "set" and size:
        data[at] = draw(st.integers(0, 255))
    elif kind == "insert":
        data[at:at] = draw(st.one_of(st.sampled_from(_INTERESTING), st.binary(max_size=32)))
    elif kind == "delete":
        del data[at:at + draw(st.integers(1, 64))]
    elif kind == "duplicate":
        start = draw(st.integers(0, max(size - 1, 0)))
        data[at:at] = data[start:start + draw(st.integers(1, 256))]
    elif kind == "truncate":
        del data[at:]


@st.composite
def _mutated(draw: st.DrawFn, seeds: Sequence[bytes], max_edits: int) -> tuple[int, bytes]:
    index = draw(st.integers(0, len(seeds) - 1))
    data = bytearray(seeds[index])
    for _ in range(draw(st.integers(1, max_edits))):
        draw(_mutation(data))
    return index, bytes(data)


def mutants(seeds: Sequence[bytes], *, max_edits: int = 4,
            raw: bool = True) -> st.SearchStrategy[tuple[int, bytes]]:
    """(seed index, mutant) pairs: real inputs edited 1..``max_edits`` times, and with
    ``raw`` also plain random bytes (index -1), which reach the outermost checks."""
    edited = _mutated(seeds, max_edits)
    if not raw:
        return edited
    return st.one_of(edited, st.binary(max_size=512).map(lambda b: (-1, b)))


@contextmanager
def recording(target: str, data: bytes, *, suffix: str = ".bin") -> Iterator[None]:
    """Write ``data`` under ``fuzz/crashes/<target>/`` if the block raises, then re-raise."""
    try:
        yield
    except BaseException:
        folder = CRASH_DIR / target
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{hashlib.sha256(data).hexdigest()[:16]}{suffix}").write_bytes(data)
        raise


class Tally:
    """Every input a target was fed, by outcome; written to ``fuzz/runs/<target>.json``.

    Counted here rather than read from hypothesis's statistics, which pytest-xdist does not
    carry back to the controller; these count every call, replays and shrinks included.
    """

    def __init__(self, target: str) -> None:
        self.target = target
        self.outcomes: Counter[str] = Counter()

    def add(self, outcome: str) -> None:
        """Count one input and tell hypothesis (its statistics, when not under xdist)."""
        self.outcomes[outcome] += 1
        event(outcome)

    def write(self) -> None:
        RUNS_DIR.mkdir(parents=True, exist_ok=True)
        total = sum(self.outcomes.values())
        (RUNS_DIR / f"{self.target}.json").write_text(json.dumps(
            {"target": self.target, "inputs": total, "outcomes": dict(self.outcomes)},
            indent=1, sort_keys=True) + "\n")
