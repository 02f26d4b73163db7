"""benchmarks.run: the whole suite on the quick plan, and the runner's bookkeeping."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.results import GOALS, Results
from benchmarks.run import Plan, _ratios, main

ROOT = Path(__file__).resolve().parents[2]


def test_plans_scale_the_work() -> None:
    quick, default, full = Plan.named("quick"), Plan.named("default"), Plan.named("full")
    assert quick.batch_rows < default.batch_rows
    assert quick.issue_seconds <= default.issue_seconds < full.issue_seconds
    assert default.verify_files == 500
    assert full.issue_documents >= 2 * 2000  # 2,000 issues for each of the 2 workers


def test_ratios_need_both_sides_of_the_same_run() -> None:
    results = Results()
    results.record("issue_docs_per_s", 24.0)
    results.record("issue_cli_docs_per_s", 1.2)
    results.record("verify_files_per_s", 30.0)
    _ratios(results)
    assert results.get("issue_speedup_vs_cli") == pytest.approx(20.0)
    assert results.get("verify_speedup_vs_cli") is None
    assert "verify_cli_files_per_s" in results.to_json(machine={})["not_measured"][
        "verify_speedup_vs_cli"]


def test_groups_not_run_stay_null_with_a_reason(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    assert main(["--plan", "quick", "--only", "rendering", "--out", str(out)]) == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    assert isinstance(document["render_ms"], float)
    assert document["render_ms"] > 0
    assert document["sign_es_a_ms"] is None
    assert document["not_measured"]["sign_es_a_ms"] == "this group was not run"
    assert document["machine"]["plan"] == "quick"
    assert document["machine"]["packages"]["pyhanko"].startswith("0.")


def test_a_group_whose_input_is_missing_is_not_measured_with_the_reason(
        tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    main(["--plan", "quick", "--only", "signing", "--out", str(out)])
    reason = json.loads(out.read_text(encoding="utf-8"))["not_measured"]["sign_es_t_ms"]
    assert reason.startswith("signing: RuntimeError: no rendered document")


@pytest.mark.slow
def test_quick_plan_measures_every_figure(tmp_path: Path, pki_url_server: str) -> None:
    """``make bench``'s run, in a process of its own as there: its signing group opens a
    SoftHSM2 token, and a PKCS#11 module once initialised stays bound to that token's
    configuration for the life of the process (the tests' own token comes later)."""
    out = tmp_path / "results.json"
    done = subprocess.run([sys.executable, "-m", "benchmarks.run", "--plan", "quick", "--out",
                           str(out)], cwd=ROOT, capture_output=True, text=True, timeout=1200,
                          check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["not_measured"] == {}
    for key in GOALS:
        assert isinstance(document[key], float), key
    growth = {"issue_rss_growth_mb"}  # may be 0 or negative over a handful of issues
    assert all(document[key] > 0 for key in set(GOALS) - growth)
