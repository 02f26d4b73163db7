"""Delivery through the web: an issue writes the bank's notification, whose distribution link
downloads the file without signing in — until the file is re-issued, or the link expires."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from conftest import Clock, post
from flask import Flask
from flask.testing import FlaskClient
from issuing_support import FILE_ID, GUARANTEE, draft_of, issue_through_the_form, sign, submit_form

from pdfsign.accounts import Role
from pdfsign.notify import email_for, list_outbox
from pdfsign.notify.tables import OutboxRow
from pdfsign.registry import set_bank

_LINK = re.compile(r"http://127\.0\.0\.1:8080(/d/[A-Za-z0-9_-]+)")


@pytest.fixture
def distributing(app: Flask, clock: Clock, make_user: Callable[..., str],
                 sign_in: Callable[..., FlaskClient], client: FlaskClient) -> FlaskClient:
    """Bank 2345 in distribution mode with a branch user who gets mail; an issuer signed in."""
    registry = app.extensions["pdfsign"].registry
    set_bank(registry, code="2345", name="みらい銀行", start=dt.date(2026, 1, 1),
             mode="distribution", actor="t", at=clock())
    make_user("14234500201", Role.BANK_BRANCH, email="honmachi@mirai.example")
    return sign_in(client, "issuer01", Role.ISSUER)


def _link_of_newest_mail(app: Flask) -> str:
    registry, settings = app.extensions["pdfsign"].registry, app.extensions["pdfsign"].settings
    newest = list_outbox(registry, file_id=FILE_ID)[-1]
    with registry.reading() as session:
        row = session.get(OutboxRow, newest.id)
        assert row is not None
        body = email_for(row, settings).get_body().get_content()
    found = _LINK.search(body)
    assert found, body
    return found.group(1)


def test_the_link_works_until_the_file_is_reissued(distributing: FlaskClient, app: Flask
                                                    ) -> None:
    issue_through_the_form(distributing)
    mails = list_outbox(app.extensions["pdfsign"].registry, file_id=FILE_ID)
    assert [(m.recipient, m.version) for m in mails] == [("honmachi@mirai.example", 1)]
    assert mails[0].subject.endswith(f"(1_{FILE_ID}_1)")
    link = _link_of_newest_mail(app)
    anonymous = app.test_client()
    got = anonymous.get(link)
    assert got.status_code == 200
    assert got.data.startswith(b"%PDF-")
    assert got.headers["Referrer-Policy"] == "no-referrer"
    opened = {"_file_id": FILE_ID, "_expected_version": "1"}
    sign(distributing, draft_of(submit_form(distributing, "guarantee", GUARANTEE,
                                            query=f"?reissue={FILE_ID}", extra=opened)))
    gone = anonymous.get(link)
    assert gone.status_code == 410
    assert FILE_ID not in gone.get_data(as_text=True)  # the page leaks nothing
    assert anonymous.get(_link_of_newest_mail(app)).status_code == 200  # the new mail's link


def test_the_link_expires(distributing: FlaskClient, app: Flask, clock: Clock) -> None:
    issue_through_the_form(distributing)
    link = _link_of_newest_mail(app)
    clock.advance(dt.timedelta(days=7, minutes=1))
    assert app.test_client().get(link).status_code == 410


def test_an_administrator_sets_the_delivery_mode(app: Flask, clock: Clock,
                                                 sign_in: Callable[..., FlaskClient]) -> None:
    admin = sign_in(app.test_client(), "admin01", Role.ADMIN)
    post(admin, "/admin/banks", {"code": "2345", "name": "みらい銀行", "start": "2026-01-01",
                                 "mode": "distribution"})
    banks = admin.get("/admin/banks").get_data(as_text=True)
    assert "<td>配信（メールに直接リンク）</td>" in banks  # the table, not the form
    post(admin, "/admin/banks", {"code": "2345", "name": "みらい銀行", "start": "2026-02-01",
                                 "mode": ""})  # a new window keeps the mode
    assert "<td>配信（メールに直接リンク）</td>" in admin.get("/admin/banks").get_data(as_text=True)
