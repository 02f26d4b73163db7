"""The figures the suite reports, their goals, and ``results.json``.

Every key of the "Speed" issue's goal table is in :data:`GOALS`.  A figure that could not be
measured stays ``null`` in ``results.json`` with the reason beside it; nothing is estimated.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks.measure import Summary

__all__ = ["GOALS", "Goal", "Measured", "Results"]


@dataclass(frozen=True)
class Goal:
    """What a figure is and the value it should reach on the reference machine (2 cores)."""

    title: str
    unit: str
    #: ``"<="`` (lower is better) or ``">="`` (higher is better).
    op: str
    target: float

    def met(self, value: float) -> bool:
        """Whether ``value`` reaches the goal."""
        compare: Callable[[float, float], bool] = operator.le if self.op == "<=" else operator.ge
        return compare(value, self.target)


GOALS: dict[str, Goal] = {
    "render_ms": Goal("render a one-page certificate, warm", "ms", "<=", 65),
    "sign_es_t_ms": Goal("sign ES-T, warm, in-process TSA", "ms", "<=", 15),
    "sign_es_a_ms": Goal("sign ES-A, warm, in-process TSA", "ms", "<=", 25),
    "issue_docs_per_s": Goal("issue (render + ES-A + store), 2 workers", "docs/s", ">=", 20),
    "issue_speedup_vs_cli": Goal("issue vs pyHanko CLI per document", "x", ">=", 20),
    "verify_es_a_ms": Goal("verify one ES-A file, full LTV, warm", "ms", "<=", 45),
    "verify_files_per_s": Goal("verify a folder of ES-A files, 2 workers", "files/s", ">=", 30),
    "verify_speedup_vs_cli": Goal("verify vs pyhanko sign adesverify per file", "x", ">=", 15),
    "tsa_responses_per_s": Goal("HTTP TSA on loopback, concurrent clients", "resp/s", ">=", 300),
    "tsa_p99_ms": Goal("HTTP TSA 99th-percentile latency", "ms", "<=", 25),
    "issue_rss_growth_mb": Goal("RSS growth of one issuing worker", "MiB", "<=", 10),
    "es_a_size_kb": Goal("size of a signed ES-A guarantee certificate", "KiB", "<=", 80),
    "renew_ms": Goal("renew one ES-A (archive time-stamp), warm, in-process TSA", "ms", "<=",
                     25),
    "verify_vs_pyhanko_lta_ratio": Goal("verify_pdf against pyHanko's bare B-LTA validation, "
                                        "offline, same file and process", "x", "<=", 1.0),
    "verify_folder_scaling": Goal("verify a folder, 2 workers against 1", "x", ">=", 1.8),
}


@dataclass(frozen=True)
class Measured:
    """One measured figure: the value reported under its key, and how it was obtained."""

    value: float
    #: Median/min/max over repeats, when the value is a median of several samples.
    summary: Summary | None = None
    #: How it was measured (counts, concurrency, caveats), printed beside the value.
    note: str = ""


class Results:
    """The run's figures, filled in group by group, then printed and written out."""

    def __init__(self) -> None:
        self._measured: dict[str, Measured] = {}
        self._missing: dict[str, str] = {}

    def record(self, key: str, value: float, *, summary: Summary | None = None,
               note: str = "") -> None:
        """Keep ``value`` under ``key`` (a :data:`GOALS` key or an extra figure)."""
        self._measured[key] = Measured(value, summary, note)
        self._missing.pop(key, None)

    def not_measured(self, key: str, reason: str) -> None:
        """Mark ``key`` as not measured in this run, saying why (it stays ``null``)."""
        if key not in self._measured:
            self._missing[key] = reason

    def get(self, key: str) -> float | None:
        """The value measured under ``key``, if any."""
        found = self._measured.get(key)
        return None if found is None else found.value

    def lines(self) -> list[str]:
        """The human-readable table: every goal key first, then the extra figures."""
        extra = [k for k in self._measured if k not in GOALS]
        return [self._line(key) for key in [*GOALS, *extra]]

    def _line(self, key: str) -> str:
        goal = GOALS.get(key)
        found = self._measured.get(key)
        if found is None:
            reason = self._missing.get(key, "this group was not run")
            return f"{key:<32} not measured: {reason}"
        text = f"{key:<32} {found.value:>8.1f}"
        if found.summary is not None and found.summary.count > 1:
            text += (f"  (median of {found.summary.count}; min {found.summary.minimum:.1f},"
                     f" max {found.summary.maximum:.1f})")
        if goal is not None:
            verdict = "met" if goal.met(found.value) else "NOT met"
            text += f"  goal {goal.op} {goal.target:g} {goal.unit}: {verdict}"
        return text + (f"  [{found.note}]" if found.note else "")

    def to_json(self, *, machine: dict[str, Any]) -> dict[str, Any]:
        """The ``results.json`` document: every goal key (number or ``null``) plus details."""
        figures: dict[str, Any] = {key: self.get(key) for key in GOALS}
        figures.update({k: m.value for k, m in self._measured.items() if k not in GOALS})
        details = {key: {**asdict(m), "goal": asdict(GOALS[key]) if key in GOALS else None}
                   for key, m in self._measured.items()}
        missing = {key: self._missing.get(key, "this group was not run")
                   for key in GOALS if key not in self._measured}
        return {**figures, "details": details, "not_measured": missing, "machine": machine}

    def write(self, path: Path, *, machine: dict[str, Any]) -> None:
        """Write :meth:`to_json` to ``path`` (UTF-8, indented, keys in goal order)."""
        path.write_text(json.dumps(self.to_json(machine=machine), ensure_ascii=False,
                                   indent=2) + "\n", encoding="utf-8")
