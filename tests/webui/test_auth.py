"""Signing in through the web: forced change, lockout, second factor, sign-out, language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pyotp
from conftest import PASSWORD, Clock, csrf, post
from flask import Flask
from flask.testing import FlaskClient

from pdfsign.accounts import Role, add_user, get_user
from pdfsign.config import Settings
from webui import create_app

LOCKED = "ロックされています"
WRONG = "ユーザーIDまたはパスワードが正しくありません"


def _login(client: FlaskClient, user_id: str, password: str) -> object:
    return post(client, "/login", {"user_id": user_id, "password": password})


def test_an_initial_password_must_be_changed_before_anything_else(
        client: FlaskClient, make_user: Callable[..., str]) -> None:
    initial = make_user("auditor01", Role.AUDITOR)
    answer = _login(client, "auditor01", initial)
    assert answer.headers["Location"] == "/password"
    assert client.get("/verify").headers["Location"] == "/password"  # nothing else opens
    page = client.get("/password").get_data(as_text=True)
    assert "新しいパスワードを設定してください" in page
    weak = post(client, "/password", {"current_password": initial, "new_password": "short1",
                                      "confirm_password": "short1"})
    assert weak.status_code == 400
    assert "8〜16文字" in weak.get_data(as_text=True)  # the core's words, beside the field
    done = post(client, "/password", {"current_password": initial, "new_password": PASSWORD,
                                      "confirm_password": PASSWORD})
    assert done.headers["Location"] == "/"
    assert client.get("/verify").status_code == 200


def test_the_two_new_passwords_must_agree(client: FlaskClient,
                                          make_user: Callable[..., str]) -> None:
    initial = make_user("auditor01", Role.AUDITOR)
    _login(client, "auditor01", initial)
    answer = post(client, "/password", {"current_password": initial, "new_password": PASSWORD,
                                        "confirm_password": PASSWORD + "x"})
    assert answer.status_code == 400
    assert 'id="e-confirm_password"' in answer.get_data(as_text=True)


def test_five_failures_lock_and_the_words_never_tell_whether_the_id_exists(
        client: FlaskClient, make_user: Callable[..., str]) -> None:
    initial = make_user("issuer01", Role.ISSUER)
    for user_id in ("issuer01", "nobody99"):
        pages = [_login(client, user_id, "Wrong12345") for _ in range(5)]
        assert [p.status_code for p in pages] == [401] * 4 + [423]
        assert all(WRONG in p.get_data(as_text=True) for p in pages[:4])
        assert LOCKED in pages[4].get_data(as_text=True)
    refused = _login(client, "issuer01", initial)  # the right password is refused while locked
    assert refused.status_code == 423


def test_the_lock_lifts_after_its_time(client: FlaskClient, clock: Clock,
                                       make_user: Callable[..., str]) -> None:
    initial = make_user("issuer01", Role.ISSUER)
    for _ in range(5):
        _login(client, "issuer01", "Wrong12345")
    clock.advance(dt.timedelta(minutes=29))
    assert _login(client, "issuer01", initial).status_code == 423
    clock.advance(dt.timedelta(minutes=2))
    assert _login(client, "issuer01", initial).status_code == 302


def test_sign_in_makes_a_new_session_and_sign_out_ends_it(
        client: FlaskClient, make_user: Callable[..., str], app: Flask) -> None:
    client.get("/login")
    anonymous = client.get_cookie("pdfsign_session")
    initial = make_user("auditor01", Role.AUDITOR)
    _login(client, "auditor01", initial)
    first = client.get_cookie("pdfsign_session")
    assert anonymous is not None
    assert first is not None
    assert first.value != anonymous.value
    copy = app.test_client()
    copy.set_cookie("pdfsign_session", first.value)
    assert copy.get("/password").status_code == 200  # the cookie is the session...
    _login(client, "auditor01", initial)  # signing in again, half-way through
    second = client.get_cookie("pdfsign_session")
    assert second is not None
    assert second.value != first.value
    assert copy.get("/password").status_code == 302  # ...a new sign-in ends the old one...
    post(client, "/password", {"current_password": initial, "new_password": PASSWORD,
                               "confirm_password": PASSWORD})
    later = app.test_client()
    later.set_cookie("pdfsign_session", client.get_cookie("pdfsign_session").value)
    assert later.get("/verify").status_code == 200
    post(client, "/logout", {}, form_page="/verify")
    assert later.get("/verify").status_code == 302  # ...and so does signing out


def test_sessions_end_when_idle_and_after_the_absolute_limit(
        client: FlaskClient, sign_in: Callable[..., FlaskClient], clock: Clock,
        app: Flask) -> None:
    sign_in(client, "auditor01", Role.AUDITOR)
    clock.advance(dt.timedelta(minutes=29))
    assert client.get("/verify").status_code == 200
    clock.advance(dt.timedelta(minutes=31))
    assert client.get("/verify").headers["Location"].startswith("/login")
    busy = app.test_client()
    post(busy, "/login", {"user_id": "auditor01", "password": PASSWORD})
    for _ in range(25):  # active every 29 minutes, yet over 12 hours in all
        clock.advance(dt.timedelta(minutes=29))
        last = busy.get("/verify").status_code
    assert last == 302


def _secret(page: str) -> str:
    return page.split('class="secret">')[1].split("<")[0]


def test_a_required_second_factor_is_enrolled_then_asked_for(home: Path, clock: Clock) -> None:
    app = create_app(Settings.load(home=home, env={}, require_second_factor=["admin"]),
                     clock=clock)
    registry = app.extensions["pdfsign"].registry
    initial = add_user(registry, "admin01", role=Role.ADMIN, name="管理者", actor="test",
                       at=clock()).initial_password
    client = app.test_client()
    _login(client, "admin01", initial)
    changed = post(client, "/password", {"current_password": initial, "new_password": PASSWORD,
                                         "confirm_password": PASSWORD})
    assert changed.headers["Location"] == "/password/second-factor"
    assert client.get("/admin/users").headers["Location"] == "/password/second-factor"
    page = client.get("/password/second-factor").get_data(as_text=True)
    qr = client.get("/password/second-factor/qr.svg")
    assert qr.status_code == 200
    assert qr.mimetype == "image/svg+xml"
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    wrong = client.post("/password/second-factor", data={"csrf_token": token, "code": "000000"})
    assert wrong.status_code == 400
    assert _secret(wrong.get_data(as_text=True)) == _secret(page)
    code = pyotp.TOTP(_secret(page)).at(clock())
    done = client.post("/password/second-factor", data={"csrf_token": token, "code": code})
    assert done.status_code == 200
    assert "回復コード" in done.get_data(as_text=True)
    recovery = done.get_data(as_text=True).split("<li><code>")[1].split("<")[0]
    assert client.get("/admin/users").status_code == 200
    post(client, "/logout", {}, form_page="/admin/users")
    assert _login(client, "admin01", PASSWORD).headers["Location"] == "/login/second-factor"
    assert client.get("/admin/users").headers["Location"] == "/login/second-factor"
    replay = post(client, "/login/second-factor", {"code": code})
    assert replay.status_code == 401  # the enrolment's code is used up
    ok = post(client, "/login/second-factor", {"code": recovery})
    assert ok.headers["Location"] == "/"
    assert get_user(registry, "admin01").second_factor


def test_the_language_switch_is_remembered_per_user(
        client: FlaskClient, sign_in: Callable[..., FlaskClient], app: Flask) -> None:
    sign_in(client, "auditor01", Role.AUDITOR)
    post(client, "/lang", {"lang": "en", "next": "/verify"}, form_page="/verify")
    assert "PDFs to verify" in client.get("/verify").get_data(as_text=True)
    other = app.test_client()
    post(other, "/login", {"user_id": "auditor01", "password": PASSWORD})
    assert 'lang="en"' in other.get("/verify").get_data(as_text=True)


def test_next_never_leaves_the_site(client: FlaskClient,
                                    sign_in: Callable[..., FlaskClient]) -> None:
    sign_in(client, "auditor01", Role.AUDITOR)
    post(client, "/logout", {}, form_page="/verify")
    token = csrf(client, "/login")
    answer = client.post("/login?next=//evil.example/x",
                         data={"csrf_token": token, "user_id": "auditor01",
                               "password": PASSWORD})
    assert answer.headers["Location"] == "/"


def test_a_page_shown_once_has_no_language_switch_to_lose_it(
        client: FlaskClient, sign_in: Callable[..., FlaskClient]) -> None:
    sign_in(client, "admin01", Role.ADMIN)
    assert 'action="/lang"' in client.get("/admin/users").get_data(as_text=True)
    created = post(client, "/admin/users", {"user_id": "auditor01", "role": "auditor",
                                             "name": "監査 花子"})
    assert 'id="initial-password"' in created.get_data(as_text=True)
    assert 'action="/lang"' not in created.get_data(as_text=True)


def test_signing_out_keeps_the_language(client: FlaskClient,
                                        sign_in: Callable[..., FlaskClient]) -> None:
    sign_in(client, "auditor01", Role.AUDITOR)
    post(client, "/lang", {"lang": "en", "next": "/verify"}, form_page="/verify")
    post(client, "/logout", {}, form_page="/verify")
    assert 'lang="en"' in client.get("/login").get_data(as_text=True)
