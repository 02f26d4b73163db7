"""The JSON API through a real HTTP server (waitress on 127.0.0.1) and ``requests``: bearer
tokens, scopes, what a bank sees, downloads, verification, the OpenAPI document, the limits."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import requests
from api_support import error_of, get
from conftest import ROOT, Clock
from flask import Flask

from pdfsign.accounts import Role, Scope, create_token, lock, revoke_token
from pdfsign.config import Settings
from pdfsign.registry import NewFile, Registry, set_bank
from webui import create_app
from webui.api.openapi import document

REPORT_SCHEMA = json.loads((ROOT / "verify" / "report.schema.json").read_text(encoding="utf-8"))
DAY = dt.date(2026, 10, 1)
#: name → (bank, branch); "moved" is transferred from 2345/002 to 5555/001 after issue.
FILES = {"a-002": ("2345", "002"), "a-003": ("2345", "003"), "other": ("5555", "001"),
         "moved": ("2345", "002")}
USERS = {"auditor01": Role.AUDITOR, "issuer01": Role.ISSUER, "14234500001": Role.BANK_HEAD,
         "14234500201": Role.BANK_BRANCH, "14555500001": Role.BANK_HEAD}
SEES = {"auditor01": set(FILES), "14234500001": {"a-002", "a-003"},
        "14234500201": {"a-002"}, "14555500001": {"other", "moved"}}


@pytest.fixture
def app(home: Path, clock: Clock) -> Flask:
    """The web app (``create_app`` registers the API) with 1 MB uploads."""
    with (home / "config.toml").open("a", encoding="utf-8") as config:
        config.write("upload_max_mb = 1\n")
    return create_app(Settings.load(home=home, env={}), clock=clock)


@pytest.fixture
def token(registry: Registry, make_user: Callable[..., str],
          clock: Clock) -> Callable[..., str]:
    """``token(user_id, scope="read", days=30)``: the user (made on first use) and its token."""
    made: set[str] = set()

    def make(user_id: str, scope: str = "read", days: int = 30) -> str:
        if user_id not in made:
            make_user(user_id, USERS[user_id])
            made.add(user_id)
        return create_token(registry, user_id, scope=Scope(scope), expires_days=days,
                            actor="test", at=clock())[1]
    return make


def _pdf(label: str) -> Callable[..., bytes]:
    def produce(*_: object) -> bytes:
        return f"%PDF-1.7\n% {label}\n%%EOF\n".encode()
    return produce


@pytest.fixture
def files(registry: Registry, clock: Clock) -> dict[str, str]:
    """:data:`FILES`, uploaded an hour apart (``a-002`` first); name → file ID.

    ``a-002`` is re-issued: its current version is 2.
    """
    at = clock() - dt.timedelta(hours=10)
    for code in ("2345", "5555"):
        set_bank(registry, code=code, name=f"銀行{code}", start=dt.date(2026, 1, 1), actor="t",
                 at=at)
    ids = {}
    for n, (name, (bank, branch)) in enumerate(FILES.items(), start=1):
        new = NewFile(file_id=f"14_{bank}{branch}_{n:09d}_{1000000000 + n:010d}_000",
                      kind="guarantee", association_code="14", bank_code=bank,
                      branch_code=branch, customer_number=f"{n:09d}",
                      guarantee_number=f"{1000000000 + n:010d}", change_number="000",
                      customer_name=f"顧客{n}", guarantee_date=DAY)
        registry.issue(new, _pdf(f"{name} v1"), actor="t", at=at + dt.timedelta(hours=n))
        ids[name] = new.file_id
    registry.transfer(ids["moved"], bank_code="5555", branch_code="001", actor="t", at=clock())
    registry.reissue(ids["a-002"], _pdf("a-002 v2"), actor="t", at=clock())
    return ids


# -- authentication ----------------------------------------------------------------------------

def test_a_bearer_token_lets_a_script_in(server: str, token: Callable[..., str],
                                         files: dict[str, str]) -> None:
    answer = get(server, "/api/v1/files", token("auditor01"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["page"], body["pages"], body["total"], body["capped"]) == (1, 1, 4, False)
    assert {f["file_id"] for f in body["files"]} == set(files.values())


@pytest.mark.parametrize("case", ["none", "basic", "wrong", "expired", "revoked", "locked"])
def test_a_refused_token_is_401_with_one_reason(server: str, token: Callable[..., str],
                                                registry: Registry, clock: Clock,
                                                case: str) -> None:
    text: str | None = token("auditor01", days=1)
    if case == "none":
        text = None
    elif case == "wrong":
        text = "pst_" + "x" * 43
    elif case == "expired":
        clock.advance(dt.timedelta(days=1, seconds=1))
    elif case == "revoked":
        revoke_token(registry, 1, actor="test", at=clock())
    elif case == "locked":
        lock(registry, "auditor01", actor="test", at=clock())
    headers = {"Authorization": f"Basic {text}"} if case == "basic" else {}
    answer = (requests.get(server + "/api/v1/files", headers=headers, timeout=30)
              if case == "basic" else get(server, "/api/v1/files", text))
    assert error_of(answer, 401)["reason"] == "authentication-failed"
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_session_cookie_is_no_credential(server: str, app: Flask,
                                           sign_in: Callable[..., Any]) -> None:
    """A signed-in browser's cookie reaches nothing in the API (and so needs no CSRF token)."""
    browser = sign_in(app.test_client(), "auditor01", Role.AUDITOR)
    cookie = browser.get_cookie("pdfsign_session")
    assert cookie is not None
    answer = requests.get(server + "/api/v1/files", cookies={"pdfsign_session": cookie.value},
                          timeout=30)
    assert error_of(answer, 401)["field"] == "token"


@pytest.mark.parametrize(("user_id", "scope", "method", "path"), [
    ("auditor01", "read", "POST", "/api/v1/verify"),
    ("auditor01", "verify", "GET", "/api/v1/files"),
    ("issuer01", "issue", "GET", "/api/v1/files/x.pdf"),
    ("issuer01", "issue", "POST", "/api/v1/verify"),
])
def test_a_scope_that_does_not_permit_is_403(server: str, token: Callable[..., str],
                                             user_id: str, scope: str, method: str,
                                             path: str) -> None:
    answer = requests.request(method, server + path, timeout=30, data=b"%PDF-1.7\n",
                              headers={"Authorization": f"Bearer {token(user_id, scope)}",
                                       "Content-Type": "application/pdf"})
    error = error_of(answer, 403)
    assert (error["reason"], error["field"]) == ("permission-denied", "scope")


# -- files -------------------------------------------------------------------------------------

@pytest.mark.parametrize("user_id", sorted(SEES))
def test_each_caller_sees_only_its_files(server: str, token: Callable[..., str],
                                         files: dict[str, str], user_id: str) -> None:
    text = token(user_id)
    listed = get(server, "/api/v1/files", text).json()
    assert {f["file_id"] for f in listed["files"]} == {files[n] for n in SEES[user_id]}
    assert listed["total"] == len(SEES[user_id])
    for name, file_id in files.items():
        meta, pdf = (get(server, f"/api/v1/files/{file_id}{suffix}", text)
                     for suffix in ("", ".pdf"))
        if name in SEES[user_id]:
            assert meta.json()["file_id"] == file_id
            assert pdf.headers["Content-Type"] == "application/pdf"
        else:  # told exactly as if it did not exist
            assert error_of(meta, 404) == error_of(pdf, 404)
            assert error_of(meta, 404)["reason"] == "unknown-file"


def test_a_download_is_the_current_version(server: str, token: Callable[..., str],
                                           files: dict[str, str]) -> None:
    for user_id in ("auditor01", "14234500201"):
        answer = get(server, f"/api/v1/files/{files['a-002']}.pdf", token(user_id))
        assert answer.content == b"%PDF-1.7\n% a-002 v2\n%%EOF\n"
        assert answer.headers["X-Pdfsign-Version"] == "2"
        assert f'filename="{files["a-002"]}.pdf"' in answer.headers["Content-Disposition"]
    meta = get(server, f"/api/v1/files/{files['a-002']}", token("auditor01")).json()
    assert (meta["current_version"], meta["issue_count"]) == (2, 2)


def test_since_and_the_search_filters(server: str, token: Callable[..., str],
                                      files: dict[str, str], clock: Clock) -> None:
    text = token("auditor01")
    third = get(server, f"/api/v1/files/{files['other']}", text).json()["uploaded_at"]
    newer = get(server, "/api/v1/files", text, params={"since": third}).json()
    # newest first; a re-issue is a new upload (a-002's version 2), a transfer is not
    assert [f["file_id"] for f in newer["files"]] == [files["a-002"], files["moved"],
                                                       files["other"]]
    assert (newer["total"], newer["pages"]) == (3, 1)
    filtered = get(server, "/api/v1/files", text, params={"since": third, "bank_code": "5555"})
    assert filtered.json()["total"] == 2  # "moved" is now at 5555
    assert get(server, "/api/v1/files", text, params={"bank_code": "2345"}).json()["total"] == 2
    later = (clock() + dt.timedelta(minutes=1)).isoformat()
    assert get(server, "/api/v1/files", text, params={"since": later}).json()["files"] == []


@pytest.mark.parametrize(("params", "field"), [({"since": "2026-12-01T00:00:00"}, "since"),
                                               ({"since": "yesterday"}, "since"),
                                               ({"customer_number": "12x"}, "customer_number"),
                                               ({"page": "0"}, "page")])
def test_a_bad_filter_is_400_naming_it(server: str, token: Callable[..., str],
                                       params: dict[str, str], field: str) -> None:
    error = error_of(get(server, "/api/v1/files", token("auditor01"), params=params), 400)
    assert (error["reason"], error["field"]) == ("invalid-input", field)


# -- verification ------------------------------------------------------------------------------

def _verify(server: str, text: str, body: bytes | Iterator[bytes],
            content_type: str = "application/pdf") -> requests.Response:
    return requests.post(server + "/api/v1/verify", data=body, timeout=120, params={
        "name": "sample.pdf"}, headers={"Authorization": f"Bearer {text}",
                                        "Content-Type": content_type})


def test_verify_answers_the_cli_json_report(server: str, token: Callable[..., str],
                                            signed_pdf: bytes) -> None:
    answer = _verify(server, token("auditor01", "verify"), signed_pdf)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    jsonschema.validate(report, REPORT_SCHEMA)
    assert report["ok"] is True
    assert [d["path"] for d in report["documents"]] == ["sample.pdf"]


def test_verify_refuses_what_is_not_a_pdf(server: str, token: Callable[..., str]) -> None:
    text = token("auditor01", "verify")
    assert error_of(_verify(server, text, b"%PDF-1.7\n", "text/plain"), 415)["reason"] == \
        "unsupported-media-type"
    assert error_of(_verify(server, text, b"hello"), 415)["reason"] == "unsupported-media-type"


def test_an_oversize_body_is_413_before_verification(server: str,
                                                     token: Callable[..., str]) -> None:
    text = token("auditor01", "verify")
    body = b"%PDF-1.7\n" + b"0" * (1024 * 1024)  # 1 MB + 9 bytes; the limit is 1 MB
    error = error_of(_verify(server, text, body), 413)
    assert error["reason"] == "too-large"
    assert "1 MB" in error["message"]
    chunked = (part for part in (body[:4096], body[4096:]))  # no Content-Length: counted
    assert error_of(_verify(server, text, chunked), 413)["reason"] == "too-large"


# -- the document ------------------------------------------------------------------------------

def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def test_every_route_is_in_the_openapi_document_and_back(server: str, app: Flask) -> None:
    served = requests.get(server + "/api/v1/openapi.json", timeout=30)
    assert served.status_code == 200
    assert served.json() == document()
    paths = document()["paths"]
    routes: dict[tuple[str, str], Scope | None] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            view = app.view_functions[rule.endpoint]
            assert rule.endpoint.startswith("api."), rule.rule
            assert hasattr(view, "scope"), rule.rule
            for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
                routes[(_openapi_path(rule.rule), method.lower())] = view.scope
    described = {(path, method): op["x-pdfsign-scope"] for path, item in paths.items()
                 for method, op in item.items()}
    assert described == {key: None if scope is None else scope.value
                         for key, scope in routes.items()}
    for path, item in paths.items():
        for op in item.values():
            assert ("security" in op) is (op["x-pdfsign-scope"] is not None), path
            for param in op.get("parameters", []):
                assert param["in"] != "path" or "{" + param["name"] + "}" in path
    assert document()["openapi"] == "3.1.0"
