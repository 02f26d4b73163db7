"""JUnit XML for CI pipelines: one testcase per file, a failure with the reason when not ok."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from verify.report import VerificationRun

__all__ = ["render_junit"]


def render_junit(run: VerificationRun) -> str:
    """One ``<testsuite name="pdfsign verify">`` with a ``<testcase>`` per file, in input order."""
    failures = sum(1 for d in run.documents if not d.ok)
    suites = ET.Element("testsuites", tests=str(len(run.documents)), failures=str(failures))
    suite = ET.SubElement(suites, "testsuite", name="pdfsign verify",
                          tests=str(len(run.documents)), failures=str(failures), errors="0",
                          skipped="0", timestamp=run.validated_at.isoformat())
    for d in run.documents:
        case = ET.SubElement(suite, "testcase", classname="pdfsign.verify", name=d.path, time="0")
        if d.ok:
            continue
        level = d.level.value if d.level else "none"
        if d.verdict.value == "valid":
            required = d.required.value if d.required else "-"
            why = f"level {level} does not meet the required {required}"
        else:
            why = d.reason or d.subindication or d.verdict.value
        failure = ET.SubElement(case, "failure", type=d.verdict.value,
                                message=f"{d.verdict.value}: {why}")
        failure.text = (f"verdict={d.verdict.value} level={level} indication={d.indication} "
                        f"subindication={d.subindication}\n{why}")
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
