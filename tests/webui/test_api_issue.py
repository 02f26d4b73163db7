"""Issuing through the API (staff tokens of scope ``issue``) over a real HTTP server, and the
JSON errors of paths and methods the API does not have."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
import requests
from api_support import error_of, get, post_json
from conftest import Clock
from issuing_support import FILE_ID, GUARANTEE, PIN, with_bank

from pdfsign.accounts import Role, Scope, create_token
from pdfsign.registry import Registry
from pdfsign.registry.errors import UnknownFileError


@pytest.fixture
def issuer_token(registry: Registry, make_user: Callable[..., str], clock: Clock) -> str:
    """An issuer's ``issue`` token, bank 2345 (the sample's) under agreement."""
    with_bank(registry, clock())
    make_user("issuer01", Role.ISSUER)
    return create_token(registry, "issuer01", scope=Scope.ISSUE, expires_days=1, actor="test",
                        at=clock())[1]


def _issue(server: str, token: str, body: dict[str, Any], **headers: str) -> requests.Response:
    return post_json(server, "/api/v1/files", token, body, **headers)


def _corrected(name: str) -> dict[str, Any]:
    data = copy.deepcopy(GUARANTEE)
    data["debtor_name"] = name
    return data


def test_an_issue_answers_the_cli_json_and_the_file_is_there(
        server: str, issuer_token: str, registry: Registry) -> None:
    answer = _issue(server, issuer_token, {"data": GUARANTEE, "pin": PIN})
    assert answer.status_code == 201, answer.text
    version = answer.json()
    stored = registry.history(FILE_ID)[0].to_json()
    assert version == stored  # what `pdfsign issue --json` prints: VersionInfo.to_json()
    assert (version["file_id"], version["number"], version["issue_count"]) == (FILE_ID, 1, 1)
    assert version["actor"] == "issuer01"
    assert answer.headers["Location"].endswith(f"/api/v1/files/{FILE_ID}")
    pdf = get(server, f"/api/v1/files/{FILE_ID}.pdf", issuer_token)
    assert error_of(pdf, 403)["field"] == "scope"  # an issue token cannot download


def test_an_idempotency_key_issues_once(server: str, issuer_token: str,
                                        registry: Registry) -> None:
    first, again = (_issue(server, issuer_token, {"data": GUARANTEE, "pin": PIN},
                           **{"Idempotency-Key": "job-7/row-1"}) for _ in range(2))
    assert first.json() == again.json()
    assert len(registry.history(FILE_ID)) == 1


def test_a_reissue_counts_up_and_refuses_a_stale_version(server: str, issuer_token: str,
                                                        registry: Registry) -> None:
    assert _issue(server, issuer_token, {"data": GUARANTEE, "pin": PIN}).status_code == 201
    path = f"/api/v1/files/{FILE_ID}/versions"
    second = post_json(server, path, issuer_token,
                       {"data": _corrected("株式会社 訂正後"), "pin": PIN, "if_version": 1})
    assert second.status_code == 201, second.text
    assert (second.json()["number"], second.json()["issue_count"]) == (2, 2)
    stale = post_json(server, path, issuer_token,
                      {"data": _corrected("株式会社 古い画面"), "pin": PIN, "if_version": 1})
    assert error_of(stale, 409)["reason"] == "changed-meanwhile"
    assert [v.number for v in registry.history(FILE_ID)] == [1, 2]
    unknown = post_json(server, "/api/v1/files/14_2345002_000000009_2026009999_000/versions",
                        issuer_token, {"data": GUARANTEE, "pin": PIN})
    assert error_of(unknown, 404)["reason"] == "unknown-file"


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"data": GUARANTEE, "pin": "WrongPin2026"}, 403, "pin"),
    ({"data": GUARANTEE, "pin": PIN, "level": "es-a"}, 400, "level"),
    ({"pin": PIN}, 400, "data"),
    ({"data": [], "pin": PIN}, 400, "data"),
    ({"data": GUARANTEE, "pin": 1234}, 400, "pin"),
    ({"data": {**GUARANTEE, "guarantee_number": "x"}, "pin": PIN}, 400, "guarantee_number"),
])
def test_a_refused_issue_names_the_field_and_writes_nothing(
        server: str, issuer_token: str, registry: Registry, body: dict[str, Any],
        status: int, field: str) -> None:
    error = error_of(_issue(server, issuer_token, body), status)
    assert field in (error["field"] or ""), error
    with pytest.raises(UnknownFileError):
        registry.file(FILE_ID)


def test_a_body_that_is_not_one_json_object_is_refused(server: str, issuer_token: str) -> None:
    headers = {"Authorization": f"Bearer {issuer_token}"}
    for data, content_type, status, field in (
            (b'{"data": ', "application/json", 400, "body"),
            (b"\xff{}", "application/json", 400, "body"),
            (b"[1]", "application/json", 400, "body"),
            (b"{}", "text/plain", 415, None)):
        answer = requests.post(server + "/api/v1/files", data=data, timeout=30,
                               headers=headers | {"Content-Type": content_type})
        assert error_of(answer, status)["field"] == field


def test_only_an_issue_token_of_staff_who_issue_may_issue(
        server: str, registry: Registry, make_user: Callable[..., str], clock: Clock) -> None:
    make_user("14234500001", Role.BANK_HEAD)
    bank = create_token(registry, "14234500001", scope=Scope.READ, expires_days=1,
                        actor="test", at=clock())[1]
    error = error_of(_issue(server, bank, {"data": GUARANTEE, "pin": PIN}), 403)
    assert (error["reason"], error["field"]) == ("permission-denied", "scope")


def test_unknown_paths_and_methods_under_the_api_are_json(server: str) -> None:
    assert error_of(requests.get(server + "/api/v1/nothing", timeout=30), 404)["reason"] == \
        "not-found"
    assert error_of(requests.delete(server + "/api/v1/files", timeout=30), 405)["reason"] == \
        "method-not-allowed"
    page = requests.get(server + "/nothing", timeout=30)  # outside the API: the HTML page
    assert (page.status_code, page.headers["Content-Type"].split(";")[0]) == (404, "text/html")
