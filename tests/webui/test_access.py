"""Every endpoint checks who asks: anonymous visitors are sent to sign in, and each role
gets 403 where it has no right — a table of role × endpoint, walked from ``app.url_map``."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from pdfsign.accounts import Role
from webui.access import PUBLIC_ENDPOINTS

ALL = frozenset(Role)
STAFF = frozenset({Role.ADMIN, Role.ISSUER, Role.AUDITOR})
ADMIN = frozenset({Role.ADMIN})
ISSUERS = frozenset({Role.ADMIN, Role.ISSUER})
BANKS = frozenset({Role.BANK_HEAD, Role.BANK_BRANCH})
#: Reached only in the middle of signing in (a full session is sent on, never refused).
STEP_ONLY = "step"

#: endpoint → the roles that may open it.  A new endpoint must be added here.
EXPECTED: dict[str, frozenset[Role] | str] = {
    "home": ALL,
    "auth.second_factor": STEP_ONLY,
    "auth.logout": ALL,
    "auth.password": ALL,
    "auth.tokens": ALL,
    "auth.revoke_token": ALL,
    "auth.enrol": STAFF,
    "auth.enrol_qr": STAFF,
    "admin.users": ADMIN,
    "admin.user": ADMIN,
    "admin.reset_password": ADMIN,
    "admin.user_action": ADMIN,
    "admin.tokens": ADMIN,
    "admin.revoke_token": ADMIN,
    "admin.banks": ADMIN,
    "admin.audit": ADMIN,
    "admin.signers": ADMIN,
    "admin.signer_action": ADMIN,
    "admin.signer_pin": ADMIN,
    "verify.page": STAFF,
    "verify.download": STAFF,
    "issue.kinds": ISSUERS,
    "issue.form": ISSUERS,
    "issue.preview": ISSUERS,
    "issue.preview_image": ISSUERS,
    "issue.rebase": ISSUERS,
    "files.index": STAFF,
    "files.download_zip": STAFF,
    "files.file": STAFF,
    "files.version_pdf": STAFF,
    "files.verify_version": STAFF,
    "files.act": ISSUERS,
    "issue.batches": STAFF,
    "issue.batch_upload": ISSUERS,
    "issue.batch": STAFF,
    "issue.batch_results": STAFF,
    "issue.batch_resume": ISSUERS,
    "bank.index": BANKS,
    "bank.download": BANKS,
    "bank.download_zip": BANKS,
    "bank.settings": BANKS,
    "webhooks.index": ALL,
    "webhooks.remove": ALL,
}
USER_IDS = {Role.ADMIN: "admin01", Role.ISSUER: "issuer01", Role.AUDITOR: "auditor01",
            Role.BANK_HEAD: "14234500001", Role.BANK_BRANCH: "14234500101"}
_VALUES = {"user_id": "target01", "action": "lock", "token": "x" * 43, "suffix": "json",
           "filename": "web/web.css", "kind": "guarantee", "file_id": "14_2345002_000000001_"
           "0000000001_000", "number": 1, "job_id": "0123456789abcdef", "fmt": "csv", "token_id": 1,
           "webhook_id": 1}
_PER_ENDPOINT: dict[str, dict[str, object]] = {"files.act": {"action": "repaid"}}


def _requests(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, URL) for every rule, GET where it has one."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint not in _pages(app):
            continue
        method = "GET" if "GET" in rule.methods else "POST"
        values = _VALUES | _PER_ENDPOINT.get(rule.endpoint, {})
        url = rule.build({arg: values[arg] for arg in rule.arguments})
        assert url is not None
        found.append((rule.endpoint, method, url[1]))
    return found


@pytest.fixture
def no_csrf(app: Flask) -> Flask:
    """Role checks are what is tested here; the CSRF wall has its own tests."""
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def _pages(app: Flask) -> set[str]:
    """The endpoints of pages (the JSON API checks its bearer tokens: ``test_api.py``)."""
    return {rule.endpoint for rule in app.url_map.iter_rules()
            if not rule.endpoint.startswith("api.")}


def test_the_table_names_every_endpoint(app: Flask) -> None:
    assert _pages(app) - PUBLIC_ENDPOINTS == set(EXPECTED)


def test_every_guarded_view_declares_its_roles(app: Flask) -> None:
    for endpoint in set(EXPECTED):
        assert getattr(app.view_functions[endpoint], "roles", None) is not None, endpoint


def test_anonymous_requests_are_sent_to_sign_in(no_csrf: Flask) -> None:
    client = no_csrf.test_client()
    for endpoint, method, url in _requests(no_csrf):
        if endpoint in PUBLIC_ENDPOINTS:
            continue
        answer = client.open(url, method=method)
        assert answer.status_code == 302, (endpoint, answer.status_code)
        assert answer.headers["Location"].startswith("/login"), endpoint


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_is_refused_where_it_has_no_right(
        no_csrf: Flask, role: Role, sign_in: Callable[..., FlaskClient],
        make_user: Callable[..., str]) -> None:
    make_user("target01", Role.ISSUER)
    extra = {} if role.is_staff else {}
    client = sign_in(no_csrf.test_client(), USER_IDS[role], role, **extra)
    seen = {}
    for endpoint, method, url in _requests(no_csrf):
        if endpoint in PUBLIC_ENDPOINTS:
            continue
        status = client.open(url, method=method).status_code
        seen[endpoint] = status
        allowed = EXPECTED[endpoint]
        if allowed == STEP_ONLY:
            assert status == 302, endpoint  # sent on to the app, not a sign-in step
        elif role in allowed:
            assert status not in (401, 403), (endpoint, status)
            assert status != 302 or endpoint in ("home", "auth.logout", "admin.user_action"), \
                (endpoint, status)
        else:
            assert status == 403, (endpoint, status)
    assert len(seen) == len(EXPECTED)


def test_public_endpoints_answer_without_sign_in(client: FlaskClient) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/login").status_code == 200
    assert client.get("/static/web/web.css").status_code == 200
    assert client.get("/static/fonts/ipaexm.ttf").status_code == 200


def test_only_the_named_static_files_are_served(client: FlaskClient) -> None:
    for name in ("guarantee.html", "fonts/IPA_Font_License_Agreement_v1.0.txt", "../README.md",
                 "web/../../pyproject.toml", "web/layout.html"):
        assert client.get(f"/static/{name}").status_code == 404, name
