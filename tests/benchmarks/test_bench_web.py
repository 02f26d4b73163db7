"""The web-issue figure measures a real issue through the web stack, and its baseline."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from benchmarks.results import Results
from benchmarks.web import measure_web_issue
from benchmarks.workbench import Workbench
from pdfsign.config import Settings
from pdfsign.registry import AuditQuery, Registry, audit_page


def test_each_repeat_issues_a_guarantee_through_the_pin_form(tmp_path: Path) -> None:
    results = Results()
    bench = Workbench(work=tmp_path)
    measure_web_issue(bench, results, repeats=2, at=dt.datetime.now(dt.UTC))
    web, core = results.get("web_issue_ms"), results.get("web_issue_core_ms")
    assert web is not None
    assert core is not None
    assert results.get("web_issue_overhead") == web / core
    registry = Registry.open(Settings.load(home=tmp_path / "web-issue", env={}))
    issued = audit_page(registry, AuditQuery(action="issue"))
    assert issued.total == 6  # a warm-up and 2 measured, through the web and in-process
    assert {e.actor for e in issued.entries} == {"bench01", "bench"}
