"""The bulk download tool's side of the API over a real HTTP server: the head office's
password sign-in (``/bulk/session``) and its feed (``/bulk/files``), oldest first, by cursor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from api_support import error_of, get, post_json
from conftest import PASSWORD, Clock

from pdfsign.accounts import Role, Scope, change_password, create_token
from pdfsign.registry import NewFile, Registry, set_bank

HEAD, BRANCH, OTHER_HEAD = "14234500001", "14234500201", "14555500001"


def _account(registry: Registry, make_user: Callable[..., str], clock: Clock, user_id: str,
             role: Role, *, changed: bool = True) -> str:
    """Make the account; its password, changed from the initial one unless ``changed`` is off."""
    initial = make_user(user_id, role)
    if not changed:
        return initial
    change_password(registry, user_id, current=initial, new=PASSWORD, at=clock())
    return PASSWORD


@pytest.fixture
def uploads(registry: Registry, clock: Clock) -> list[str]:
    """Five files of bank 2345 (branches 002 and 003) uploaded a minute apart, one of bank
    5555, and one moved from 2345 to 5555; the 2345 files' IDs in upload order."""
    start = clock() - dt.timedelta(hours=1)
    for code in ("2345", "5555"):
        set_bank(registry, code=code, name=f"銀行{code}", start=dt.date(2026, 1, 1),
                 actor="test", at=start)
    ids = []
    for n, (bank, branch) in enumerate([("2345", "002"), ("2345", "003"), ("5555", "001"),
                                        ("2345", "002"), ("2345", "003"), ("2345", "002"),
                                        ("2345", "003")], start=1):
        new = NewFile(file_id=f"14_{bank}{branch}_{n:09d}_{2026000000 + n:010d}_000",
                      kind="guarantee", association_code="14", bank_code=bank,
                      branch_code=branch, customer_number=f"{n:09d}",
                      guarantee_number=f"{2026000000 + n:010d}", change_number="000",
                      customer_name=f"顧客{n}", guarantee_date=dt.date(2026, 11, 1))
        registry.issue(new, lambda *_: b"%PDF-1.7\n%%EOF\n", actor="test",
                       at=start + dt.timedelta(minutes=n))
        if bank == "2345":
            ids.append(new.file_id)
    registry.transfer(ids[-1], bank_code="5555", branch_code="001", actor="test", at=clock())
    return ids[:-1]


def _session(server: str, user_id: str, password: str) -> Any:
    return post_json(server, "/api/v1/bulk/session", None,
                     {"user_id": user_id, "password": password})


def test_a_head_office_signs_in_and_reads_its_feed_oldest_first(
        server: str, registry: Registry, make_user: Callable[..., str], clock: Clock,
        uploads: list[str]) -> None:
    password = _account(registry, make_user, clock, HEAD, Role.BANK_HEAD)
    signed_in = _session(server, HEAD, password)
    assert signed_in.status_code == 201, signed_in.text
    token = signed_in.json()["token"]
    expires = dt.datetime.fromisoformat(signed_in.json()["expires_at"])
    assert dt.timedelta(minutes=59) < expires - clock() <= dt.timedelta(hours=1)
    feed = get(server, "/api/v1/bulk/files", token).json()
    assert [f["file_id"] for f in feed["files"]] == uploads  # the moved file is gone
    assert feed["next"] is None
    assert abs(dt.datetime.fromisoformat(feed["as_of"]) - clock()) < dt.timedelta(seconds=5)
    later = get(server, "/api/v1/bulk/files", token,
                params={"since": feed["files"][2]["uploaded_at"]}).json()
    assert [f["file_id"] for f in later["files"]] == uploads[2:]


def test_the_cursor_pages_through_without_gaps_or_repeats(
        server: str, registry: Registry, make_user: Callable[..., str], clock: Clock,
        uploads: list[str]) -> None:
    make_user(HEAD, Role.BANK_HEAD)
    token = create_token(registry, HEAD, scope=Scope.READ, expires_days=1, actor="test",
                         at=clock())[1]
    seen, after = [], ""
    while True:
        page = get(server, "/api/v1/bulk/files", token, params={"limit": 2, "after": after})
        assert page.status_code == 200, page.text
        seen += [f["file_id"] for f in page.json()["files"]]
        if (after := page.json()["next"]) is None:
            break
    assert seen == uploads
    for params, field in (({"after": "!!"}, "after"), ({"limit": 0}, "limit"),
                          ({"limit": 501}, "limit"), ({"since": "today"}, "since")):
        error = error_of(get(server, "/api/v1/bulk/files", token, params=params), 400)
        assert error["field"] == field


@pytest.mark.parametrize(("user_id", "role", "status", "reason"), [
    (BRANCH, Role.BANK_BRANCH, 403, "branch-user"),
    ("auditor01", Role.AUDITOR, 403, "permission-denied"),
])
def test_only_a_head_office_may_pull(server: str, registry: Registry,
                                     make_user: Callable[..., str], clock: Clock, user_id: str,
                                     role: Role, status: int, reason: str) -> None:
    password = _account(registry, make_user, clock, user_id, role)
    assert error_of(_session(server, user_id, password), status)["reason"] == reason
    personal = create_token(registry, user_id, scope=Scope.READ, expires_days=1,
                            actor="test", at=clock())[1]
    assert error_of(get(server, "/api/v1/bulk/files", personal), status)["reason"] == reason


def test_a_refused_password_says_why_and_counts_to_the_lock(
        server: str, registry: Registry, make_user: Callable[..., str], clock: Clock) -> None:
    initial = _account(registry, make_user, clock, HEAD, Role.BANK_HEAD, changed=False)
    unchanged = error_of(_session(server, HEAD, initial), 401)
    assert "initial" in unchanged["message"]
    for _ in range(4):
        assert error_of(_session(server, HEAD, "Wrong2026x"), 401)["reason"] == \
            "authentication-failed"
    assert error_of(_session(server, HEAD, "Wrong2026x"), 423)["reason"] == "account-locked"
    assert error_of(_session(server, HEAD, initial), 423)["reason"] == "account-locked"
    for body, field in (({"user_id": HEAD}, "password"), ({"password": "x"}, "user_id")):
        error = error_of(post_json(server, "/api/v1/bulk/session", None, body), 400)
        assert error["field"] == field
