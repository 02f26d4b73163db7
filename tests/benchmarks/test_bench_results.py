"""benchmarks.results: the goal table, the printed lines and results.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.measure import Summary
from benchmarks.results import GOALS, Goal, Results

#: The keys of the "Speed" issue's goal table, issue 11's ``renew_ms`` and issue 18's
#: two verification figures, which results.json must always carry.
ISSUE_KEYS = {"render_ms", "sign_es_t_ms", "sign_es_a_ms", "issue_docs_per_s",
              "issue_speedup_vs_cli", "verify_es_a_ms", "verify_files_per_s",
              "verify_speedup_vs_cli", "tsa_responses_per_s", "tsa_p99_ms",
              "issue_rss_growth_mb", "es_a_size_kb", "renew_ms",
              "verify_vs_pyhanko_lta_ratio", "verify_folder_scaling"}


def test_goals_are_exactly_the_issue_table() -> None:
    assert set(GOALS) == ISSUE_KEYS


@pytest.mark.parametrize(("goal", "value", "met"), [
    (Goal("t", "ms", "<=", 10), 10.0, True), (Goal("t", "ms", "<=", 10), 10.1, False),
    (Goal("t", "x", ">=", 20), 20.0, True), (Goal("t", "x", ">=", 20), 19.9, False),
])
def test_goal_met_compares_in_its_direction(goal: Goal, value: float, met: bool) -> None:
    assert goal.met(value) is met


def test_json_has_every_goal_key_null_with_its_reason_when_not_measured() -> None:
    results = Results()
    results.record("render_ms", 61.5, summary=Summary.of([60.0, 61.5, 70.0]))
    results.not_measured("tsa_p99_ms", "TSA load: the server did not start")
    document = results.to_json(machine={"cpus": 2})
    assert set(ISSUE_KEYS) <= set(document)
    assert document["render_ms"] == 61.5
    assert document["tsa_p99_ms"] is None
    assert document["not_measured"]["tsa_p99_ms"] == "TSA load: the server did not start"
    assert document["not_measured"]["sign_es_a_ms"] == "this group was not run"
    assert "render_ms" not in document["not_measured"]
    assert document["details"]["render_ms"]["summary"]["maximum"] == 70.0
    assert document["machine"] == {"cpus": 2}


def test_a_measurement_wins_over_an_earlier_or_later_not_measured() -> None:
    results = Results()
    results.not_measured("render_ms", "first attempt failed")
    results.record("render_ms", 50.0)
    results.not_measured("render_ms", "ignored: already measured")
    assert results.to_json(machine={})["render_ms"] == 50.0


def test_extra_figures_are_written_beside_the_goals() -> None:
    results = Results()
    results.record("tsa_token_ms", 1.5, note="embedded")
    document = results.to_json(machine={})
    assert document["tsa_token_ms"] == 1.5
    assert document["details"]["tsa_token_ms"]["goal"] is None


def test_lines_say_met_not_met_and_not_measured() -> None:
    results = Results()
    results.record("render_ms", 80.0, summary=Summary.of([70.0, 80.0, 90.0]))
    results.record("es_a_size_kb", 71.0)
    results.not_measured("tsa_p99_ms", "no server")
    lines = {line.split()[0]: line for line in results.lines()}
    assert "NOT met" in lines["render_ms"]
    assert "median of 3" in lines["render_ms"]
    assert lines["es_a_size_kb"].endswith("goal <= 80 KiB: met")
    assert "not measured: no server" in lines["tsa_p99_ms"]


def test_write_produces_utf8_json(tmp_path: Path) -> None:
    results = Results()
    results.record("render_ms", 60.0, note="保証書")
    out = tmp_path / "results.json"
    results.write(out, machine={"cpus": 2})
    assert json.loads(out.read_text(encoding="utf-8"))["details"]["render_ms"]["note"] == "保証書"
