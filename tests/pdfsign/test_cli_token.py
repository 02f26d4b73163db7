"""``pdfsign token`` end to end through the real CLI (click's runner, a real data directory)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from pdfsign.accounts import Scope, authenticate_token
from pdfsign.cli import root
from pdfsign.config import Settings
from pdfsign.errors import AuthenticationError
from pdfsign.registry import Registry


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A data directory with a staff issuer and a bank branch user."""
    folder = tmp_path / "home"
    for user_id, role in (("issuer01", "issuer"), ("14234500201", "bank-branch")):
        assert run(folder, "user", "add", user_id, "--role", role, "--name", "試験").exit_code == 0
    return folder


def run(home: Path, *args: str) -> Result:
    """Invoke ``pdfsign ARGS --home HOME`` as the administrator ``admin01``."""
    return CliRunner().invoke(root, [*args, "--home", str(home)],
                              env={"PDFSIGN_ACTOR": "admin01"}, catch_exceptions=False)


def as_json(result: Result, code: int = 0) -> Any:
    assert result.exit_code == code, result.output
    return json.loads(result.stdout)


def use(home: Path, token: str) -> tuple[str, Scope]:
    """Authenticate ``token`` through the core, as the API does.

    :raises AuthenticationError: refused.
    """
    registry = Registry.open(Settings.load(home=home, env={}))
    try:
        user, scope = authenticate_token(registry, token,
                                         at=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1))
        return user.user_id, scope
    finally:
        registry.db.dispose()


def test_create_prints_the_token_once_and_it_works(home: Path) -> None:
    shown = as_json(run(home, "token", "create", "issuer01", "--scope", "verify",
                        "--expires", "7", "--json"))
    assert shown["token"].startswith("pst_")
    assert isinstance(shown["id"], int)
    assert use(home, shown["token"]) == ("issuer01", Scope.VERIFY)
    listed = run(home, "token", "list", "--json")
    assert shown["token"] not in listed.stdout
    [entry] = as_json(listed)
    assert (entry["id"], entry["user_id"], entry["scope"], entry["created_by"]) == (
        shown["id"], "issuer01", "verify", "admin01")
    created, expires = (dt.datetime.fromisoformat(entry[k]) for k in ("created_at", "expires_at"))
    assert expires - created == dt.timedelta(days=7)
    assert expires == dt.datetime.fromisoformat(shown["expires_at"])


def test_the_human_output_shows_the_token_and_lists_without_it(home: Path) -> None:
    created = run(home, "token", "create", "14234500201", "--scope", "read")
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("pst_")
    assert "shown only now" in created.stdout
    listed = run(home, "token", "list", "14234500201")
    assert listed.stdout.startswith("1  14234500201  read  expires ")
    assert token not in listed.stdout
    assert run(home, "token", "list", "issuer01").stdout.strip() == "no tokens"


@pytest.mark.parametrize(("args", "code", "reason"), [
    (("14234500201", "--scope", "verify"), 6, "permission-denied"),
    (("issuer01", "--scope", "admin"), 3, "invalid-input"),
    (("issuer01", "--scope", "read", "--expires", "0"), 3, "invalid-input"),
    (("nobody01", "--scope", "read"), 4, "not-found"),
])
def test_create_refusals_have_their_code_and_reason(home: Path, args: tuple[str, ...],
                                                    code: int, reason: str) -> None:
    refused = as_json(run(home, "token", "create", *args, "--json"), code)
    assert refused["error"]["reason"] == reason
    assert as_json(run(home, "token", "list", "--json")) == []


def test_revoke_ends_the_token(home: Path) -> None:
    shown = as_json(run(home, "token", "create", "issuer01", "--scope", "read", "--json"))
    revoked = as_json(run(home, "token", "revoke", str(shown["id"]), "--json"))
    assert revoked["revoked_at"] is not None
    with pytest.raises(AuthenticationError):
        use(home, shown["token"])
    assert run(home, "token", "revoke", str(shown["id"])).exit_code == 5
    assert run(home, "token", "revoke", "999").exit_code == 4
    assert "revoked" in run(home, "token", "list").stdout
