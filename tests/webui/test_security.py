"""The walls of every request: headers, CSRF, cookies, upload limits, error pages, secrets."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import PASSWORD, Clock, csrf, post
from flask import Flask
from flask.testing import FlaskClient

from pdfsign.accounts import Role
from pdfsign.config import Settings
from webui import create_app
from webui.security import CSP

HEADERS = {"Content-Security-Policy": CSP, "X-Frame-Options": "DENY",
           "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


def test_csp_forbids_inline_script_and_framing() -> None:
    directives = dict(part.strip().split(" ", 1) for part in CSP.split(";"))
    assert directives["default-src"] == "'none'"
    assert "script-src" not in directives  # falls back to 'none': no script at all
    assert "'unsafe-inline'" not in CSP
    assert directives["frame-ancestors"] == "'none'"


@pytest.mark.parametrize("path", ["/login", "/healthz", "/static/web/web.css", "/nowhere",
                                  "/verify"])
def test_every_answer_carries_the_security_headers(client: FlaskClient, path: str) -> None:
    answer = client.get(path)
    for name, value in HEADERS.items():
        assert answer.headers.get(name) == value, (path, name)


def test_pages_are_not_cached(client: FlaskClient) -> None:
    assert client.get("/login").headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/login", "/lang"])
def test_a_post_without_the_csrf_token_is_refused(client: FlaskClient, path: str) -> None:
    answer = client.post(path, data={"user_id": "x", "password": "y", "lang": "en"})
    assert answer.status_code == 400
    assert "CSRF" in answer.get_data(as_text=True)


def test_a_signed_in_post_without_the_token_changes_nothing(
        client: FlaskClient, sign_in: Callable[..., FlaskClient]) -> None:
    sign_in(client, "admin01", Role.ADMIN)
    answer = client.post("/admin/users", data={"user_id": "forged01", "role": "admin",
                                               "name": "Forged"})
    assert answer.status_code == 400
    assert "forged01" not in client.get("/admin/users").get_data(as_text=True)


def test_the_session_cookie_is_httponly_lax_and_secure_over_tls(
        app: Flask, make_user: Callable[..., str]) -> None:
    initial = make_user("auditor01", Role.AUDITOR)
    for base, secure in (("http://localhost", False), ("https://localhost", True)):
        client = app.test_client()
        token = csrf(client, "/login") if not secure else _https_csrf(client)
        answer = client.post("/login", base_url=base, headers={"Referer": f"{base}/login"},
                             data={"csrf_token": token, "user_id": "auditor01",
                                   "password": initial})  # over TLS, Flask-WTF checks Referer
        cookie = answer.headers["Set-Cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
        assert ("Secure" in cookie) is secure


def _https_csrf(client: FlaskClient) -> str:
    page = client.get("/login", base_url="https://localhost").get_data(as_text=True)
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def test_the_secret_key_is_made_once_in_the_database_for_every_node(
        home: Path, tmp_path: Path, clock: Clock) -> None:
    first = create_app(Settings.load(home=home, env={}), clock=clock).secret_key
    assert isinstance(first, bytes)
    assert len(first) == 32
    assert not (home / "web-secret.key").exists()  # nothing on the node
    # another node: its own home, the same database
    other = tmp_path / "node-b"
    database = f"sqlite:///{home / 'registry.sqlite3'}"
    second = create_app(Settings.load(home=other, env={"PDFSIGN_DATABASE_URL": database}),
                        clock=clock).secret_key
    assert second == first


def test_an_older_installations_key_file_is_adopted(tmp_path: Path, clock: Clock) -> None:
    home = tmp_path / "old"
    home.mkdir()
    old = bytes(range(40))
    (home / "web-secret.key").write_bytes(old)
    assert create_app(Settings.load(home=home, env={}), clock=clock).secret_key == old
    (home / "web-secret.key").write_bytes(bytes(40))  # read only while the database has none
    assert create_app(Settings.load(home=home, env={}), clock=clock).secret_key == old


def _upload(client: FlaskClient, files: list[tuple[bytes, str]]) -> object:
    token = csrf(client, "/verify")
    return client.post("/verify", content_type="multipart/form-data", data={
        "csrf_token": token, "files": [(io.BytesIO(data), name) for data, name in files]})


@pytest.fixture
def small_limit_app(home: Path, clock: Clock) -> Flask:
    """An installation that accepts files of at most 1 MB."""
    return create_app(Settings.load(home=home, env={}, upload_max_mb=1), clock=clock)


def test_a_file_over_the_limit_is_refused_naming_it(
        small_limit_app: Flask, sign_in: Callable[..., FlaskClient],
        make_user: Callable[..., str], signed_pdf: bytes) -> None:
    client = small_limit_app.test_client()
    initial = make_user("auditor01", Role.AUDITOR)  # the fixture's app shares the home
    post(client, "/login", {"user_id": "auditor01", "password": initial})
    post(client, "/password", {"current_password": initial, "new_password": PASSWORD,
                               "confirm_password": PASSWORD})
    big = b"%PDF-1.7\n" + b"0" * (1024 * 1024 + 10)
    answer = _upload(client, [(signed_pdf, "ok.pdf"), (big, "big.pdf")])
    assert answer.status_code == 413
    text = answer.get_data(as_text=True)
    assert "big.pdf" in text
    assert "1 MB" in text


def test_a_file_that_is_not_a_pdf_is_refused(client: FlaskClient,
                                             sign_in: Callable[..., FlaskClient]) -> None:
    sign_in(client, "auditor01", Role.AUDITOR)
    answer = _upload(client, [(b"PK\x03\x04 a zip file", "invoice.xlsx")])
    assert answer.status_code == 415
    assert "invoice.xlsx" in answer.get_data(as_text=True)


def test_an_unexpected_error_is_a_page_without_a_traceback(home: Path, clock: Clock,
                                                            caplog: pytest.LogCaptureFixture
                                                            ) -> None:
    app = create_app(Settings.load(home=home, env={}), clock=clock)

    def broken() -> str:
        raise ZeroDivisionError("secret internals")

    app.add_url_rule("/broken", "broken", broken)
    answer = app.test_client().get("/broken")
    text = answer.get_data(as_text=True)
    assert answer.status_code == 500
    assert "Traceback" not in text
    assert "secret internals" not in text
    assert "ZeroDivisionError" in caplog.text  # the administrator finds it in the log


def test_passwords_and_codes_never_reach_a_log(client: FlaskClient, app: Flask,
                                               make_user: Callable[..., str],
                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    initial = make_user("admin01", Role.ADMIN)
    post(client, "/login", {"user_id": "admin01", "password": "Wrong98765"})
    post(client, "/login", {"user_id": "admin01", "password": initial})
    post(client, "/password", {"current_password": initial, "new_password": PASSWORD,
                               "confirm_password": PASSWORD})
    created = post(client, "/admin/users", {"user_id": "auditor01", "role": "auditor",
                                             "name": "監査 花子"})
    shown = created.get_data(as_text=True).split('id="initial-password">')[1].split("<")[0]
    session_cookie = client.get_cookie("pdfsign_session")
    assert session_cookie is not None
    for secret in (initial, "Wrong98765", PASSWORD, shown, session_cookie.value):
        assert secret not in caplog.text


def test_values_are_escaped_on_the_page(client: FlaskClient,
                                        sign_in: Callable[..., FlaskClient],
                                        make_user: Callable[..., str]) -> None:
    sign_in(client, "admin01", Role.ADMIN)
    make_user("auditor01", Role.AUDITOR, name="<script>alert(1)</script>")
    page = client.get("/admin/users").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
