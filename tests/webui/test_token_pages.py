"""The API tokens pages: a user's own (``/tokens``) and an administrator's for anyone."""

from __future__ import annotations

import re
from collections.abc import Callable

from conftest import post
from flask import Flask
from flask.testing import FlaskClient

from pdfsign.accounts import Role, list_tokens
from pdfsign.registry import Registry

_SHOWN = re.compile(r'<code id="new-token">(pst_[A-Za-z0-9_-]{43})</code>')


def _made(answer: object) -> str:
    body = answer.get_data(as_text=True)  # type: ignore[attr-defined]
    assert answer.status_code == 201, body  # type: ignore[attr-defined]
    found = _SHOWN.search(body)
    assert found, body
    return found.group(1)


def _api(app: Flask, token: str) -> int:
    return app.test_client().get("/api/v1/files",
                                 headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_user_makes_a_token_sees_it_once_and_revokes_it(
        app: Flask, client: FlaskClient, sign_in: Callable[..., FlaskClient],
        registry: Registry) -> None:
    sign_in(client, "14234500001", Role.BANK_HEAD)
    page = client.get("/tokens").get_data(as_text=True)
    assert '<option value="read">' in page
    assert '<option value="issue">' not in page  # a bank may hold read only
    assert 'type="number" value="90" required min="1" max="366">' in page
    token = _made(post(client, "/tokens", {"scope": "read", "expires": "30"}))
    assert _api(app, token) == 200
    listed = client.get("/tokens").get_data(as_text=True)
    assert token not in listed  # shown once, never again
    [info] = list_tokens(registry, "14234500001")
    assert (info.scope.value, (info.expires_at - info.created_at).days) == ("read", 30)
    revoked = post(client, f"/tokens/{info.id}/revoke", {}, form_page="/tokens")
    assert revoked.status_code == 302
    assert _api(app, token) == 401


def test_a_refused_token_form_names_the_field(client: FlaskClient,
                                              sign_in: Callable[..., FlaskClient]) -> None:
    sign_in(client, "auditor01", Role.AUDITOR)
    for data, field in (({"scope": "read", "expires": "400"}, "expires"),
                        ({"scope": "read", "expires": "ten"}, "expires"),
                        ({"scope": "admin", "expires": "10"}, "scope")):
        answer = post(client, "/tokens", data)
        assert answer.status_code == 400, data
        assert 'id="e-expires"' in answer.get_data(as_text=True) or field == "scope"
        assert "invalid" in answer.get_data(as_text=True)
    issue = post(client, "/tokens", {"scope": "issue", "expires": "10"})
    assert issue.status_code == 403  # an auditor may not hold an issue token


def test_an_administrator_manages_anyones_tokens(
        app: Flask, client: FlaskClient, sign_in: Callable[..., FlaskClient],
        make_user: Callable[..., str], registry: Registry) -> None:
    make_user("issuer01", Role.ISSUER)
    sign_in(client, "admin01", Role.ADMIN)
    assert 'href="/admin/users/issuer01/tokens"' in client.get(
        "/admin/users/issuer01").get_data(as_text=True)
    token = _made(post(client, "/admin/users/issuer01/tokens", {"scope": "issue"},
                       form_page="/admin/users/issuer01/tokens"))
    [info] = list_tokens(registry, "issuer01")
    assert (info.created_by, info.user_id, info.scope.value) == ("admin01", "issuer01", "issue")
    assert (info.expires_at - info.created_at).days == 90  # the default life
    assert token.startswith("pst_")
    revoked = post(client, f"/admin/users/issuer01/tokens/{info.id}/revoke", {},
                   form_page="/admin/users/issuer01/tokens")
    assert revoked.status_code == 302
    assert list_tokens(registry, "issuer01")[0].revoked_at is not None


def test_a_user_cannot_revoke_someone_elses_token(
        client: FlaskClient, sign_in: Callable[..., FlaskClient], app: Flask) -> None:
    other = app.test_client()
    sign_in(other, "auditor02", Role.AUDITOR)
    _made(post(other, "/tokens", {"scope": "verify"}))
    sign_in(client, "auditor01", Role.AUDITOR)
    refused = post(client, "/tokens/1/revoke", {}, form_page="/tokens")
    assert refused.status_code == 404
