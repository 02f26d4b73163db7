"""``pdfsign user`` end to end through the real CLI (click's runner, a real data directory)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from pdfsign.accounts import AccountPolicy, Stage, authenticate, check_password
from pdfsign.cli import root
from pdfsign.config import Settings
from pdfsign.errors import AccountLockedError, AuthenticationError
from pdfsign.registry import Registry
from pdfsign.registry.models import AuditRow

SHOWN_ONCE = re.compile(r"initial password: (\S+) \(must be changed at first sign-in\)")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An empty data directory."""
    return tmp_path / "home"


def run(home: Path, *args: str) -> Result:
    """Invoke ``pdfsign ARGS --home HOME`` as the administrator ``admin01``."""
    return CliRunner().invoke(root, [*args, "--home", str(home)],
                              env={"PDFSIGN_ACTOR": "admin01"}, catch_exceptions=False)


def as_json(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def sign_in(home: Path, user_id: str, password: str) -> Stage:
    """Sign in through the core (as the web UI does) against the registry the CLI wrote.

    :raises AuthenticationError: refused.
    """
    registry = Registry.open(Settings.load(home=home, env={}))
    try:
        # a minute on, so the CLI's own clock (it stamped the password) is surely behind
        at = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
        return authenticate(registry, AccountPolicy(), user_id, password, at=at).stage
    finally:
        registry.db.dispose()


def add(home: Path, user_id: str, *args: str) -> str:
    """``user add --json``; return the initial password."""
    shown = as_json(run(home, "user", "add", user_id, *args, "--json"))
    password = shown["initial_password"]
    assert isinstance(password, str)
    return password


def test_add_prints_the_initial_password_once_as_json(home: Path) -> None:
    result = run(home, "user", "add", "admin02", "--role", "admin", "--name", "管理 次郎",
                 "--json")
    shown = as_json(result)
    assert set(shown) == {"user_id", "initial_password"}
    assert shown["user_id"] == "admin02"
    check_password(shown["initial_password"])
    assert result.stderr == ""
    assert sign_in(home, "admin02", shown["initial_password"]) is Stage.PASSWORD


def test_add_says_what_it_created_in_one_line(home: Path) -> None:
    result = run(home, "user", "add", "14234500201", "--role", "bank-branch", "--name",
                 "営業店 花子", "--email", "hanako@example.jp", "--bank", "2345",
                 "--branch", "002")
    assert result.exit_code == 0, result.output
    match = SHOWN_ONCE.search(result.stdout)
    assert match is not None
    assert result.stdout == (f"created 14234500201 (bank-branch); initial password: "
                             f"{match[1]} (must be changed at first sign-in)\n")
    assert sign_in(home, "14234500201", match[1]) is Stage.PASSWORD


def test_the_password_is_never_logged(home: Path) -> None:
    result = CliRunner().invoke(root, ["--verbose", "user", "add", "admin02", "--role", "admin",
                                       "--name", "管理", "--home", str(home)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    match = SHOWN_ONCE.search(result.stdout)
    assert match is not None
    assert match[1] not in result.stderr
    audit = as_json(run(home, "audit", "verify", "--json"))
    assert audit["ok"]


def test_a_taken_id_is_a_conflict(home: Path) -> None:
    add(home, "admin02", "--role", "admin", "--name", "一人目")
    again = run(home, "user", "add", "admin02", "--role", "auditor", "--name", "二人目")
    assert again.exit_code == 5
    assert "user admin02 already exists" in again.stderr
    assert again.stdout == ""  # no password for a refused account
    as_script = run(home, "user", "add", "admin02", "--role", "auditor", "--name", "二人目",
                    "--json")
    assert json.loads(as_script.stdout)["error"]["reason"] == "conflict"


@pytest.mark.parametrize(("args", "code", "field", "reason"), [
    (["1423450020", "--role", "bank-branch"], 3, "user_id", "must be exactly 11 digits"),
    (["142345002011", "--role", "bank-head"], 3, "user_id", "must be exactly 11 digits"),
    (["14234500201", "--role", "bank-head"], 3, "user_id",
     "a head-office user's branch is 000 (got 002)"),
    (["14234500001", "--role", "bank-branch"], 3, "user_id", "a branch user's branch is not 000"),
    (["14234500201", "--role", "bank-branch", "--bank", "9999"], 3, "bank",
     "does not match the code in the user ID (2345)"),
    (["admin02", "--role", "admin", "--bank", "2345"], 3, "bank", "staff accounts have no bank"),
    (["Admin02", "--role", "admin"], 3, "user_id", "a staff ID has 3-32 characters"),
    (["admin02", "--role", "root"], 3, "--role",
     "must be one of admin, issuer, auditor, bank-head, bank-branch, not 'root'"),
    (["admin02", "--role", "admin", "--email", "nobody"], 3, "email", "not an e-mail address"),
])
def test_bad_input_is_refused_with_the_cores_message(home: Path, args: list[str], code: int,
                                                     field: str, reason: str) -> None:
    refused = run(home, "user", "add", *args, "--name", "試験", "--json")
    assert refused.exit_code == code
    assert reason in refused.stderr
    error = json.loads(refused.stdout)["error"]
    assert (error["field"], error["reason"]) == (field, "invalid-input")
    assert as_json(run(home, "user", "list", "--json")) == []


def test_list_shows_every_user_and_its_flags(home: Path) -> None:
    assert run(home, "user", "list").stdout == "no users\n"
    add(home, "issuer01", "--role", "issuer", "--name", "発行 一郎", "--email", "i@example.jp")
    add(home, "14234500001", "--role", "bank-head", "--name", "本部 花子")
    run(home, "user", "lock", "issuer01")
    listed = as_json(run(home, "user", "list", "--json"))
    assert [u["user_id"] for u in listed] == ["14234500001", "issuer01"]
    assert listed[1] | {"password_changed_at": None, "created_at": None} == {
        "user_id": "issuer01", "name": "発行 一郎", "role": "issuer", "email": "i@example.jp",
        "bank": None, "branch": None, "locked": True, "active": True, "lang": "ja",
        "must_change_password": True, "second_factor": False, "password_changed_at": None,
        "created_at": None, "notify": True}
    assert (listed[0]["bank"], listed[0]["branch"]) == ("2345", "000")
    assert run(home, "user", "list").stdout.splitlines() == [
        "14234500001  bank-head  本部 花子  must-change",
        "issuer01  issuer  発行 一郎  locked must-change"]


def test_lock_and_unlock(home: Path) -> None:
    password = add(home, "issuer01", "--role", "issuer", "--name", "発行 一郎")
    locked = as_json(run(home, "user", "lock", "issuer01", "--json"))
    assert (locked["user_id"], locked["locked"]) == ("issuer01", True)
    with pytest.raises(AccountLockedError, match="ask an administrator"):
        sign_in(home, "issuer01", password)
    unlocked = run(home, "user", "unlock", "issuer01")
    assert (unlocked.exit_code, unlocked.stdout) == (0, "unlocked issuer01\n")
    assert sign_in(home, "issuer01", password) is Stage.PASSWORD
    assert run(home, "user", "lock", "issuer01").stdout == "locked issuer01\n"


def test_reset_password_prints_a_new_one_once(home: Path) -> None:
    first = add(home, "issuer01", "--role", "issuer", "--name", "発行 一郎")
    shown = as_json(run(home, "user", "reset-password", "issuer01", "--json"))
    assert set(shown) == {"user_id", "initial_password"}
    assert shown["user_id"] == "issuer01"
    assert shown["initial_password"] != first
    with pytest.raises(AuthenticationError):
        sign_in(home, "issuer01", first)
    assert sign_in(home, "issuer01", shown["initial_password"]) is Stage.PASSWORD
    human = run(home, "user", "reset-password", "issuer01")
    match = SHOWN_ONCE.search(human.stdout)
    assert match is not None
    assert human.stdout == (f"reset the password of issuer01; initial password: {match[1]} "
                            "(must be changed at first sign-in)\n")


@pytest.mark.parametrize("command", ["lock", "unlock", "reset-password"])
def test_an_unknown_user_is_not_found(home: Path, command: str) -> None:
    missing = run(home, "user", command, "nobody")
    assert missing.exit_code == 4
    assert "no user nobody" in missing.stderr


def test_the_administrator_is_the_audited_actor(home: Path) -> None:
    add(home, "issuer01", "--role", "issuer", "--name", "発行 一郎")
    run(home, "user", "lock", "issuer01")
    run(home, "user", "unlock", "issuer01")
    run(home, "user", "reset-password", "issuer01")
    registry = Registry.open(Settings.load(home=home, env={}))
    try:
        with registry.reading() as session:
            rows = session.execute(select(AuditRow).order_by(AuditRow.seq)).scalars().all()
            trail = [(r.actor, r.action, json.loads(r.detail)["user_id"]) for r in rows]
        assert registry.verify_audit().ok
    finally:
        registry.db.dispose()
    assert trail == [("admin01", action, "issuer01")
                     for action in ("user-add", "lock", "unlock", "password-reset")]
