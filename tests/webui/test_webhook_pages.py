"""The webhooks page: a user registers, lists and removes their own (the secret shown once); an
administrator manages anyone's; errors land beside their field; every change is audited."""

from __future__ import annotations

import re
from collections.abc import Callable

from conftest import post
from flask import Flask
from flask.testing import FlaskClient

from pdfsign.accounts import Role
from pdfsign.notify.webhooks import EVENTS, add_webhook, list_webhooks
from pdfsign.registry import AuditQuery, Registry, audit_page

HEAD = "14234500001"
_SECRET = re.compile(r'id="webhook-secret">(whsec_[^<]+)<')


def registry_of(app: Flask) -> Registry:
    registry: Registry = app.extensions["pdfsign"].registry
    return registry


def test_a_user_adds_lists_and_removes_their_own(
        app: Flask, client: FlaskClient, sign_in: Callable[..., FlaskClient],
        make_user: Callable[..., str]) -> None:
    sign_in(client, HEAD, Role.BANK_HEAD)
    make_user("issuer01", Role.ISSUER)
    theirs, _ = add_webhook(registry_of(app), "issuer01", "http://127.0.0.1:9/theirs", EVENTS,
                            actor="test", at=app.extensions["pdfsign"].now())
    assert "登録されたWebhookはありません" in client.get("/webhooks").get_data(as_text=True)

    added = post(client, "/webhooks", {"url": "https://ci.example/hook",
                                       "events": ["issued", "transferred"],
                                       "user_id": "issuer01"})  # ignored: not an administrator
    page = added.get_data(as_text=True)
    assert added.status_code == 201
    secret = _SECRET.search(page)
    assert secret is not None
    [mine] = list_webhooks(registry_of(app), HEAD)
    assert (mine.url, mine.events) == ("https://ci.example/hook", ("issued", "transferred"))

    listing = client.get("/webhooks").get_data(as_text=True)
    assert "https://ci.example/hook" in listing
    assert secret.group(1) not in listing
    assert "/theirs" not in listing  # another user's
    refused = post(client, f"/webhooks/{theirs.id}/remove", {}, form_page="/webhooks")
    assert refused.status_code == 404
    removed = post(client, f"/webhooks/{mine.id}/remove", {}, form_page="/webhooks")
    assert removed.status_code == 302
    assert list_webhooks(registry_of(app)) == [theirs]
    actors = {(e.action, e.actor) for e in audit_page(registry_of(app), AuditQuery()).entries}
    assert {("webhook-add", HEAD), ("webhook-remove", HEAD)} <= actors


def test_errors_are_shown_beside_their_field(client: FlaskClient,
                                             sign_in: Callable[..., FlaskClient]) -> None:
    sign_in(client, HEAD, Role.BANK_HEAD)
    bad_url = post(client, "/webhooks", {"url": "ftp://127.0.0.1/x", "events": ["issued"]})
    assert bad_url.status_code == 400
    assert re.search(r'id="e-url">[^<]*http:// or https://', bad_url.get_data(as_text=True))
    no_event = post(client, "/webhooks", {"url": "https://ci.example/hook"})
    assert no_event.status_code == 400
    assert re.search(r'id="e-events">[^<]*at least one', no_event.get_data(as_text=True))


def test_an_administrator_manages_anyones(
        app: Flask, client: FlaskClient, sign_in: Callable[..., FlaskClient],
        make_user: Callable[..., str]) -> None:
    sign_in(client, "admin01", Role.ADMIN)
    make_user(HEAD, Role.BANK_HEAD)
    added = post(client, "/webhooks", {"user_id": HEAD, "url": "http://127.0.0.1:9/bank",
                                       "events": ["issued"]})
    assert added.status_code == 201
    [hook] = list_webhooks(registry_of(app))
    assert hook.user_id == HEAD
    assert hook.created_by == "admin01"
    listing = client.get("/webhooks").get_data(as_text=True)
    assert f"<td>{HEAD}</td>" in listing  # the owner column
    unknown = post(client, "/webhooks", {"user_id": "nobody", "url": "http://127.0.0.1:9/x",
                                         "events": ["issued"]})
    assert unknown.status_code == 400
    assert re.search(r'id="e-user_id">[^<]*no user nobody', unknown.get_data(as_text=True))
    assert post(client, f"/webhooks/{hook.id}/remove", {}, form_page="/webhooks"
                ).status_code == 302
    assert list_webhooks(registry_of(app)) == []


def test_forms_need_their_csrf_token(client: FlaskClient,
                                     sign_in: Callable[..., FlaskClient]) -> None:
    sign_in(client, HEAD, Role.BANK_HEAD)
    answer = client.post("/webhooks", data={"url": "https://ci.example/h", "events": "issued"})
    assert answer.status_code == 400
    assert "フォームの有効期限が切れました" in answer.get_data(as_text=True)
    assert list_webhooks(registry_of(client.application)) == []
