"""``pdfsign render``: data → PDF, --schema, bad data rejected with exit 3 and no traceback."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pdfsign.cli import root

SAMPLES_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "samples"
PDFSIGN = Path(sys.executable).with_name("pdfsign")


def _sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLES_DIR / f"{name}.json").read_text("utf-8"))
    return data


def test_console_script_renders_the_seed_invoice(tmp_path: Path) -> None:
    out = tmp_path / "invoice.pdf"
    done = subprocess.run([str(PDFSIGN), "render", str(SAMPLES_DIR / "invoice-seed.json"),
                           "-o", str(out), "--at", "2026-11-22T10:00:00+09:00"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    for value in ("31,800", "3,180", "34,980"):
        assert value in text


def test_same_at_gives_identical_files(tmp_path: Path) -> None:
    runner = CliRunner()
    outputs = []
    for n in (1, 2):
        out = tmp_path / f"{n}.pdf"
        result = runner.invoke(root, ["render", str(SAMPLES_DIR / "guarantee.json"), "-o",
                                      str(out), "--at", "2026-11-22T01:00:00Z"])
        assert result.exit_code == 0, result.output
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


def test_schema_prints_json_schema() -> None:
    result = CliRunner().invoke(root, ["render", "--schema", "invoice"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["properties"]["lines"]["maxItems"] == 25


def _reg(d: dict[str, Any]) -> None:
    d["registration_number"] = "T9234567890124"


def _line26(d: dict[str, Any]) -> None:
    d["lines"].append(d["lines"][0])


def _rate5(d: dict[str, Any]) -> None:
    d["lines"][3]["tax_rate"] = 5


@pytest.mark.parametrize(("sample", "mutate", "field"), [
    ("invoice-25-lines", _reg, "registration_number"),
    ("invoice-25-lines", _line26, "lines"),
    ("invoice-25-lines", _rate5, "lines[3].tax_rate"),
    ("guarantee", lambda d: d.update(customer_number="1234567890"), "customer_number"),
    ("guarantee", lambda d: d.update(loan_amount=-5), "loan_amount"),
    ("guarantee", lambda d: d.pop("debtor_name"), "debtor_name"),
])
def test_bad_data_exits_3_naming_the_field(tmp_path: Path, sample: str, mutate: Any,
                                           field: str) -> None:
    data = _sample(sample)
    mutate(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    out = tmp_path / "out.pdf"
    result = CliRunner().invoke(root, ["render", str(path), "-o", str(out)])
    assert result.exit_code == 3
    assert f"error: {field}: " in result.stderr
    assert " / " in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert not out.exists()


def test_invalid_json_and_bad_time_exit_3(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{", "utf-8")
    result = CliRunner().invoke(root, ["render", str(broken), "-o", str(tmp_path / "o.pdf")])
    assert result.exit_code == 3
    assert "invalid JSON" in result.stderr
    result = CliRunner().invoke(root, ["render", str(SAMPLES_DIR / "guarantee.json"), "-o",
                                       str(tmp_path / "o.pdf"), "--at", "2026-11-22T10:00"])
    assert result.exit_code == 3
    assert "--at" in result.stderr


@pytest.mark.parametrize("args", [
    ["render"], ["render", "--schema", "receipt"],
    ["render", "--schema", "invoice", str(SAMPLES_DIR / "invoice-seed.json")],
])
def test_usage_errors_exit_2(args: list[str]) -> None:
    assert CliRunner().invoke(root, args).exit_code == 2


def test_json_output_describes_the_written_pdf(tmp_path: Path) -> None:
    out = tmp_path / "slip.pdf"
    result = CliRunner().invoke(root, ["render", str(SAMPLES_DIR / "test-slip.json"), "-o",
                                       str(out), "--at", "2026-11-22T10:00:00+09:00", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["output"], report["kind"], report["title"]) == (
        str(out), "test-slip", "保証書テスト送信票")
    assert report["size"] == out.stat().st_size
    assert report["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
