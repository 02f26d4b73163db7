"""The administration pages: users, banks, the audit trail — the CLI's rules and words."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from pathlib import Path

from conftest import PASSWORD, Clock, post
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from pdfsign.accounts import Role, add_user
from pdfsign.errors import InputError
from pdfsign.registry import set_bank


def _admin(client: FlaskClient, sign_in: Callable[..., FlaskClient]) -> FlaskClient:
    return sign_in(client, "admin01", Role.ADMIN)


def _shown_password(answer: object) -> str:
    return answer.get_data(as_text=True).split('id="initial-password">')[1].split("<")[0]


def test_an_administrator_creates_an_auditor_who_can_then_sign_in(
        client: FlaskClient, sign_in: Callable[..., FlaskClient], app: Flask) -> None:
    _admin(client, sign_in)
    created = post(client, "/admin/users", {"user_id": "auditor01", "role": "auditor",
                                             "name": "監査 花子", "email": "hanako@example.jp"})
    assert created.status_code == 201
    initial = _shown_password(created)
    assert "auditor01" in client.get("/admin/users").get_data(as_text=True)
    auditor = app.test_client()
    first = post(auditor, "/login", {"user_id": "auditor01", "password": initial})
    assert first.headers["Location"] == "/password"


def test_a_bad_user_id_is_shown_beside_its_field_in_the_cli_words(
        client: FlaskClient, sign_in: Callable[..., FlaskClient], app: Flask) -> None:
    _admin(client, sign_in)
    answer = post(client, "/admin/users", {"user_id": "1423450000", "role": "bank-head",
                                            "name": "本部"})
    assert answer.status_code == 400
    registry = app.extensions["pdfsign"].registry
    try:
        add_user(registry, "1423450000", role=Role.BANK_HEAD, name="本部", actor="t", at=None)
    except InputError as exc:
        core_message = exc.message
    shown = f'<p class="error" id="e-user_id">{escape(core_message)}</p>'
    assert shown in answer.get_data(as_text=True)


def test_reset_lock_unlock_and_deactivate(client: FlaskClient, app: Flask,
                                          sign_in: Callable[..., FlaskClient]) -> None:
    _admin(client, sign_in)
    auditor = sign_in(app.test_client(), "auditor01", Role.AUDITOR)
    page = "/admin/users/auditor01"
    post(client, f"{page}/lock", {}, form_page=page)
    assert auditor.get("/verify").status_code == 302  # a lock ends the session at once
    refused = post(app.test_client(), "/login", {"user_id": "auditor01", "password": PASSWORD})
    assert refused.status_code == 423
    assert "管理者に解除を依頼" in refused.get_data(as_text=True)
    post(client, f"{page}/unlock", {}, form_page=page)
    assert post(app.test_client(), "/login", {"user_id": "auditor01",
                                              "password": PASSWORD}).status_code == 302
    reset = post(client, f"{page}/reset-password", {}, form_page=page)
    fresh = _shown_password(reset)
    assert post(app.test_client(), "/login", {"user_id": "auditor01",
                                              "password": PASSWORD}).status_code == 401
    forced = post(app.test_client(), "/login", {"user_id": "auditor01", "password": fresh})
    assert forced.headers["Location"] == "/password"
    post(client, f"{page}/deactivate", {}, form_page=page)
    gone = post(app.test_client(), "/login", {"user_id": "auditor01", "password": fresh})
    assert gone.status_code == 401  # the generic words: deactivation is not announced


def test_an_edit_changes_name_and_role(client: FlaskClient, app: Flask,
                                       sign_in: Callable[..., FlaskClient],
                                       make_user: Callable[..., str]) -> None:
    _admin(client, sign_in)
    make_user("issuer01", Role.ISSUER)
    saved = post(client, "/admin/users/issuer01", {"name": "発行 次郎", "role": "auditor",
                                                   "email": ""})
    assert saved.status_code == 302
    page = client.get("/admin/users/issuer01").get_data(as_text=True)
    assert "発行 次郎" in page
    assert "保存しました" in page
    bad = post(client, "/admin/users/issuer01", {"name": "", "role": "auditor"})
    assert bad.status_code == 400
    assert 'id="e-name"' in bad.get_data(as_text=True)


def test_banks_are_set_with_the_cli_rules(client: FlaskClient,
                                          sign_in: Callable[..., FlaskClient]) -> None:
    _admin(client, sign_in)
    done = post(client, "/admin/banks", {"code": "2345", "name": "みらい銀行",
                                         "start": "2026-01-01", "end": ""})
    assert done.status_code == 302
    assert "みらい銀行" in client.get("/admin/banks").get_data(as_text=True)
    backwards = post(client, "/admin/banks", {"code": "2345", "name": "みらい銀行",
                                              "start": "2026-05-01", "end": "2026-01-01"})
    assert backwards.status_code == 400
    assert 'id="e-end"' in backwards.get_data(as_text=True)
    bad_day = post(client, "/admin/banks", {"code": "2345", "name": "x", "start": "2026-02-30"})
    assert "YYYY-MM-DD" in bad_day.get_data(as_text=True)


def test_the_audit_trail_is_filtered_paged_and_its_chain_checked(
        client: FlaskClient, sign_in: Callable[..., FlaskClient], home: Path, app: Flask,
        clock: Clock) -> None:
    _admin(client, sign_in)
    for n in range(60):
        set_bank(app.extensions["pdfsign"].registry, code=f"{1000 + n}", name=f"銀行{n}",
                 start=dt.date(2026, 1, 1), actor="cli", at=clock())
    page = client.get("/admin/audit?action=bank").get_data(as_text=True)
    assert "60 件" in page
    assert "ページ 1 / 2" in page
    assert "監査ログの連鎖は健全です" in page
    second = client.get("/admin/audit?action=bank&page=2").get_data(as_text=True)
    assert "ページ 2 / 2" in second
    mine = client.get("/admin/audit?actor=admin01&action=signin").get_data(as_text=True)
    assert "1 件" in mine
    with sqlite3.connect(home / "registry.sqlite3") as db:
        db.execute("UPDATE audit SET actor = 'someone-else' WHERE seq = 3")
    altered = client.get("/admin/audit").get_data(as_text=True)
    assert "監査ログが改ざんされています" in altered
    assert "seq 3" in altered
