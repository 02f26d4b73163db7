"""The bulk download tool stands alone: only the standard library and relative imports, the
server's CSV columns, a wheel of its own that runs in a venv holding nothing else, and the
same run from ``pdfsign fetch``."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import Bank, csv_rows, pdf_bytes

from pdfsign.cli import root
from pdfsign.fetch import ExitCode
from pdfsign.fetch.output import CSV_COLUMNS
from pdfsign.fetch.settings import KEYS
from pdfsign.registry import CSV_COLUMNS as SERVER_CSV_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "pdfsign" / "fetch"
#: Imported only inside a function, and only for PKCS#12 files.
OPTIONAL = {"cryptography"}


def _imports(path: Path) -> list[tuple[str, int, bool]]:
    """(top-level module, relative level, at module level?) of each import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name.split(".")[0], 0, id(node) in top) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append(((node.module or "").split(".")[0], node.level, id(node) in top))
    return found


def test_the_tool_imports_only_the_standard_library() -> None:
    modules = sorted(TOOL.glob("*.py"))
    assert len(modules) >= 10
    outside = [(p.name, name) for p in modules for name, level, _ in _imports(p)
               if level == 0 and name not in sys.stdlib_module_names and name not in OPTIONAL]
    assert outside == []
    eager = [(p.name, name) for p in modules for name, level, at_top in _imports(p)
             if name in OPTIONAL and at_top]
    assert eager == []


def test_the_import_check_sees_a_third_party_import(tmp_path: Path) -> None:
    sample = tmp_path / "bad.py"
    sample.write_text("import requests\nfrom pdfsign.errors import X\nfrom . import y\n"
                      "def f():\n    import cryptography\n", encoding="utf-8")
    assert _imports(sample) == [("requests", 0, True), ("pdfsign", 0, True), ("", 1, True),
                                ("cryptography", 0, False)]


def test_the_list_has_the_servers_columns() -> None:
    assert CSV_COLUMNS == SERVER_CSV_COLUMNS


# -- the main command line -----------------------------------------------------------------------

def test_pdfsign_fetch_is_the_same_run(bank: Callable[[str], Bank],
                                       settings_for: Callable[..., Path]) -> None:
    mine = bank("1020")
    [file_id] = mine.issue(1)
    config = settings_for(mine.head)
    result = CliRunner().invoke(root, ["fetch", "--config", str(config)])
    assert result.exit_code == ExitCode.OK, result.output
    assert [line.split(" ", 2)[2] for line in result.stderr.splitlines()] == [
        f"[INFO] download [1] {file_id}", "[INFO] done"]
    assert (config.parent / "out" / f"{file_id}.pdf").read_bytes() == pdf_bytes(file_id, 1)
    missing = CliRunner().invoke(root, ["fetch", "--config", str(config.parent / "none.toml")])
    assert missing.exit_code == ExitCode.SETTINGS_FILE
    assert "[ERROR] settings file: not found:" in missing.stderr
    assert "Traceback" not in missing.output


# -- the distribution of its own -----------------------------------------------------------------

@pytest.fixture(scope="module")
def alone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``pdfsign-fetch`` built from a copy of the folder and installed with ``--no-deps`` in
    a venv of its own (no pdfsign, no cryptography); its ``bin/``."""
    work = tmp_path_factory.mktemp("pdfsign-fetch-dist")
    source = work / "src"
    shutil.copytree(TOOL, source, ignore=shutil.ignore_patterns("__pycache__", ".*"))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    subprocess.run([*pip, "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index",
                    "-w", str(work / "dist"), "."], cwd=source, check=True)
    [wheel] = (work / "dist").glob("pdfsign_fetch-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    subprocess.run([*pip, "--python", str(venv / "bin" / "python"), "install", "-q",
                    "--no-deps", "--no-index", str(wheel)], check=True)
    return venv / "bin"


def _isolated() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}


@pytest.mark.slow
def test_the_wheel_runs_alone_against_the_server(alone: Path, bank: Callable[[str], Bank],
                                                 settings_for: Callable[..., Path]) -> None:
    probe = subprocess.run([str(alone / "python"), "-c",
                            "import importlib.util as u, pdfsign_fetch; "
                            "print(u.find_spec('pdfsign'), u.find_spec('cryptography'))"],
                           cwd=alone, env=_isolated(), capture_output=True, text=True,
                           check=True)
    assert probe.stdout.split() == ["None", "None"]
    mine = bank("1021")
    ids = mine.issue(2)
    config = settings_for(mine.head)
    ran = subprocess.run([str(alone / "pdfsign-fetch"), "--config", str(config)],
                         cwd=alone, env=_isolated(), capture_output=True, text=True)
    assert ran.returncode == ExitCode.OK, ran.stderr
    assert [line.split(" ", 2)[2] for line in ran.stderr.splitlines()] == [
        f"[INFO] download [1] {ids[0]}", f"[INFO] download [2] {ids[1]}", "[INFO] done"]
    out = config.parent / "out"
    assert {p.stem: p.read_bytes() for p in out.glob("*.pdf")} == \
        {i: pdf_bytes(i, 1) for i in ids}
    [listed] = out.glob("files_*.csv")
    assert [row["file_id"] for row in csv_rows(listed)] == ids


@pytest.mark.slow
def test_the_wheel_alone_says_what_a_pkcs12_file_needs(alone: Path, tmp_path: Path) -> None:
    for name in ("out", "log"):
        (tmp_path / name).mkdir()
    (tmp_path / "client.p12").write_bytes(b"0\x82\x01\x00\x02\x01\x03")
    config = tmp_path / "fetch.toml"
    config.write_text('service_url = "https://127.0.0.1:1"\nuser_id = "14234500001"\n'
                      'password = "Passw0rd2026"\noutput_dir = "out"\nlog_dir = "log"\n'
                      'client_cert = "client.p12"\n', encoding="utf-8")
    ran = subprocess.run([str(alone / "pdfsign-fetch"), "--config", str(config)],
                         cwd=alone, env=_isolated(), capture_output=True, text=True)
    assert ran.returncode == ExitCode.CERTIFICATE_FILE
    [line] = [line.split(" ", 2)[2] for line in ran.stderr.splitlines()]
    assert line == (f"[ERROR] bad certificate file: {tmp_path / 'client.p12'}: a PKCS#12 "
                    f"file needs the Python package 'cryptography' (pip install "
                    f"'pdfsign-fetch[pkcs12]'), or convert it to PEM: openssl pkcs12 -in "
                    f"FILE.p12 -out FILE.pem")


def test_the_readme_example_has_every_key() -> None:
    """The README's settings example shows every key the tool reads (commented or not)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Bulk download tool", 1)[1].split("```toml\n", 1)[1]
    example = section.split("```", 1)[0]
    keys = {line.lstrip("# ").split(" = ", 1)[0] for line in example.splitlines()}
    assert keys == set(KEYS)
