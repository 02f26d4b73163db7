"""verify.formats.junit: one testcase per file, parsed with junitparser."""

from __future__ import annotations

from pathlib import Path

from junitparser import Failure, JUnitXml
from verify_samples import EXPECTED

from verify import VerificationRun
from verify.formats import render_junit


def test_one_testcase_per_file_with_failures(run_all: VerificationRun, tmp_path: Path) -> None:
    out = tmp_path / "report.xml"
    out.write_text(render_junit(run_all), encoding="utf-8")
    xml = JUnitXml.fromfile(str(out))
    (suite,) = list(xml)
    cases = list(suite)
    assert [Path(c.name).stem for c in cases] == list(EXPECTED)
    for case, (verdict, _) in zip(cases, EXPECTED.values(), strict=True):
        failures = [r for r in case.result if isinstance(r, Failure)]
        if verdict == "valid":
            assert failures == []
        else:
            assert len(failures) == 1
            assert failures[0].type == verdict
            assert failures[0].message.startswith(verdict)
    assert suite.failures == sum(1 for v, _ in EXPECTED.values() if v != "valid")
