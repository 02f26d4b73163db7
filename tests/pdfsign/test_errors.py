"""The one error table: every known error's message, exit code, HTTP status and reason token."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pdfsign.cli import root
from pdfsign.errors import ConflictError, InputError, describe
from pdfsign.registry import AgreementWindowError, AlreadyIssuedError, FileStateError
from tsa.errors import PkiError
from verify.errors import VerifyError


@pytest.mark.parametrize(("error", "expected"), [
    (AgreementWindowError("ended", field="bank_code"), (5, 409, "agreement-window", "bank_code")),
    (AlreadyIssuedError("again", field="file_id"), (5, 409, "already-issued", "file_id")),
    (FileStateError("invalidated", field="state"), (5, 409, "state", "state")),
    (ConflictError("busy"), (5, 409, "conflict", None)),
    (InputError("bad", field="amount"), (3, 400, "invalid-input", "amount")),
    (PkiError("no pki.json", field="pki_dir"), (7, 500, "configuration", "pki_dir")),
    (VerifyError("not a PDF", field="bytes 0-4"), (3, 400, "invalid-input", "bytes 0-4")),
])
def test_refusals_that_share_an_exit_code_differ_in_reason(
        error: Exception, expected: tuple[int, int, str, str | None]) -> None:
    problem = describe(error)
    assert problem is not None
    assert (problem.exit_code, problem.http_status, problem.reason, problem.field) == expected
    assert problem.to_json()["error"] == {"reason": expected[2], "field": expected[3],
                                          "message": str(error), "exit_code": expected[0]}


def test_unknown_errors_are_not_described() -> None:
    assert describe(KeyError("x")) is None


def test_json_commands_print_their_error_as_json(tmp_path: Path) -> None:
    env = {"PDFSIGN_HOME": str(tmp_path / "home")}
    result = CliRunner().invoke(root, ["history", "NOPE", "--json"], env=env)
    assert result.exit_code == 4
    assert json.loads(result.stdout) == {"error": {
        "reason": "unknown-file", "field": "file_id", "exit_code": 4,
        "message": "file_id: no file NOPE in the registry"}}
    assert "error: file_id: no file NOPE" in result.stderr
    plain = CliRunner().invoke(root, ["history", "NOPE"], env=env)
    assert (plain.exit_code, plain.stdout) == (4, "")
