"""The README's CI pipeline examples, run as they are written: verify a folder with
``pdfsign verify --format junit`` and with the API, and fail on anything not valid."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, Clock, tampered

from pdfsign.accounts import Role, Scope, create_token
from pdfsign.registry import Registry

_BLOCK = re.compile(r"<!-- pipeline: (\w+) -->\n```sh\n(.*?)```", re.DOTALL)
BLOCKS = dict(_BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8")))


@pytest.fixture
def job(tmp_path: Path) -> Path:
    """A CI job's working folder with the trust root beside ``dist/``."""
    (tmp_path / "dist").mkdir()
    shutil.copy(ROOT / "fixtures/pki/root.pem", tmp_path / "root.pem")
    return tmp_path


def _run(block: str, job: Path, **env: str) -> subprocess.CompletedProcess[str]:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    return subprocess.run(["bash", "-e", "-c", BLOCKS[block]], cwd=job, text=True,
                          capture_output=True, timeout=300,
                          env={**os.environ, "PATH": path, **env}, check=False)


def test_the_readme_has_both_examples() -> None:
    assert set(BLOCKS) == {"cli", "api"}


@pytest.mark.parametrize("block", ["cli", "api"])
def test_a_pipeline_passes_valid_files_and_fails_on_a_tampered_one(
        block: str, job: Path, signed_pdf: bytes, server: str, registry: Registry,
        make_user: Callable[..., str], clock: Clock) -> None:
    make_user("ci01", Role.AUDITOR)
    token = create_token(registry, "ci01", scope=Scope.VERIFY, expires_days=1, actor="test",
                         at=clock())[1]
    env = {"PDFSIGN_URL": server, "PDFSIGN_TOKEN": token}
    for name in ("a.pdf", "b.pdf"):
        (job / "dist" / name).write_bytes(signed_pdf)
    passed = _run(block, job, **env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    (job / "dist" / "c.pdf").write_bytes(tampered(signed_pdf))
    failed = _run(block, job, **env)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    if block == "cli":
        junit = (job / "signatures.xml").read_text(encoding="utf-8")
        assert junit.count("<testcase") == 3
        assert junit.count("<failure") == 1
    else:
        assert failed.stdout.strip().splitlines() == ["not valid: dist/c.pdf"]
