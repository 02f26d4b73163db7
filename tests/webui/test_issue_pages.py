"""Issuing in the browser: form, refusals beside their field, preview, PIN, re-issue, changed
meanwhile, copy from an earlier document, the invoice's line editor."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest
from conftest import Clock, csrf, post
from flask import Flask
from flask.testing import FlaskClient
from issuing_support import (
    FILE_ID,
    GUARANTEE,
    INVOICE,
    draft_of,
    issue_through_the_form,
    sign,
    submit_form,
    text_of,
    with_bank,
)
from markupsafe import escape

from pdfsign.accounts import Role
from pdfsign.documents import parse_document
from pdfsign.errors import InputError
from pdfsign.registry import UnknownFileError


@pytest.fixture
def issuer(client: FlaskClient, sign_in: Callable[..., FlaskClient], app: Flask,
           clock: Clock) -> FlaskClient:
    """A signed-in issuer in an installation that has the samples' bank."""
    with_bank(app.extensions["pdfsign"].registry, clock())
    return sign_in(client, "issuer01", Role.ISSUER)


def test_a_guarantee_is_previewed_then_issued_with_the_pin(issuer: FlaskClient,
                                                           app: Flask) -> None:
    preview = draft_of(submit_form(issuer, "guarantee", GUARANTEE))
    page = issuer.get(preview)
    assert text_of(page, "preview-file-id") == FILE_ID
    assert text_of(page, "preview-issue-count") == "1"
    image = issuer.get(f"{preview}/page.png")
    assert image.mimetype == "image/png"
    assert image.data.startswith(b"\x89PNG")
    wrong = sign(issuer, preview, pin="Wrong2026")
    assert wrong.status_code == 403
    assert 'id="e-pin"' in wrong.get_data(as_text=True)
    registry = app.extensions["pdfsign"].registry
    with pytest.raises(UnknownFileError):  # a wrong PIN issues nothing
        registry.file(FILE_ID)
    done = sign(issuer, preview)
    assert done.headers["Location"] == f"/files/{FILE_ID}"
    file_page = issuer.get(done.headers["Location"])
    assert text_of(file_page, "file-issue-count") == "1"
    assert registry.file(FILE_ID).issue_count == 1
    assert issuer.get(preview).status_code == 404  # the draft is gone once issued


def test_a_refused_field_is_shown_beside_itself_in_the_domain_words(
        issuer: FlaskClient) -> None:
    bad = copy.deepcopy(GUARANTEE)
    bad["customer_number"] = "12345678901"
    answer = submit_form(issuer, "guarantee", bad)
    assert answer.status_code == 400
    with pytest.raises(InputError) as caught:
        parse_document(bad)
    page = answer.get_data(as_text=True)
    assert caught.value.field == "customer_number"
    assert f'id="e-customer_number">{escape(caught.value.message)}' in page
    assert 'value="12345678901"' in page  # what was typed is kept
    assert bad["debtor_name"] in page


def test_a_reissue_counts_up_and_keeps_both_versions(issuer: FlaskClient) -> None:
    file_page = issue_through_the_form(issuer)
    form = issuer.get(f"/issue/guarantee?reissue={FILE_ID}").get_data(as_text=True)
    assert "発行回数は2" in form
    corrected = copy.deepcopy(GUARANTEE) | {"debtor_name": "株式会社みらい商事（訂正）"}
    preview = draft_of(submit_form(issuer, "guarantee", corrected, query=f"?reissue={FILE_ID}",
                                   extra={"_file_id": FILE_ID, "_expected_version": "1"}))
    assert text_of(issuer.get(preview), "preview-issue-count") == "2"
    assert sign(issuer, preview).status_code == 302
    page = issuer.get(file_page)
    assert text_of(page, "file-issue-count") == "2"
    for number in (1, 2):
        pdf = issuer.get(f"{file_page}/versions/{number}.pdf")
        assert pdf.data.startswith(b"%PDF-")
        report = issuer.get(f"{file_page}/versions/{number}/verify").get_data(as_text=True)
        assert 'data-verdicts="valid"' in report, number


def test_two_staff_reissuing_at_once_the_second_is_told_and_keeps_its_typing(
        issuer: FlaskClient, app: Flask, sign_in: Callable[..., FlaskClient]) -> None:
    issue_through_the_form(issuer)
    other = sign_in(app.test_client(), "issuer02", Role.ISSUER)
    opened = {"_file_id": FILE_ID, "_expected_version": "1"}
    mine = draft_of(submit_form(issuer, "guarantee", GUARANTEE | {"debtor_name": "甲"},
                                query=f"?reissue={FILE_ID}", extra=opened))
    theirs = draft_of(submit_form(other, "guarantee", GUARANTEE | {"debtor_name": "乙"},
                                  query=f"?reissue={FILE_ID}", extra=opened))
    assert sign(issuer, mine).status_code == 302
    late = sign(other, theirs)
    assert late.status_code == 409
    assert "now issue count 2" in text_of(late, "changed-message")
    registry = app.extensions["pdfsign"].registry
    assert [v.number for v in registry.history(FILE_ID)] == [1, 2]  # nothing lost or added
    rebased = post(other, f"{theirs}/rebase", {}, form_page=theirs)
    form = other.get(rebased.headers["Location"]).get_data(as_text=True)
    assert 'value="乙"' in form  # the second one's typing is still there
    assert 'name="_expected_version" value="2"' in form


def test_a_form_can_start_from_a_copy(issuer: FlaskClient) -> None:
    issue_through_the_form(issuer)
    page = issuer.get(f"/issue/guarantee?from={FILE_ID}").get_data(as_text=True)
    assert f'value="{GUARANTEE["debtor_name"]}"' in page
    assert 'name="_file_id"' not in page  # a copy is a new document, not a re-issue


def test_the_invoice_line_editor_and_its_totals(issuer: FlaskClient, app: Flask) -> None:
    token = csrf(issuer, "/issue/invoice")
    more = issuer.post("/issue/invoice", data={"csrf_token": token, "action": "more-lines"})
    assert more.status_code == 200
    assert more.get_data(as_text=True).count('name="lines[') > 5 * 4
    preview = draft_of(submit_form(issuer, "invoice", INVOICE))
    page = issuer.get(preview).get_data(as_text=True)
    for figure in ("31,800", "3,180", "34,980"):
        assert figure in page, figure
    done = sign(issuer, preview)
    file_id = done.headers["Location"].removeprefix("/files/")
    info = app.extensions["pdfsign"].registry.file(file_id)
    assert (info.kind, info.current_version) == ("invoice", 1)


def test_auditors_may_not_issue(client: FlaskClient, sign_in: Callable[..., FlaskClient]
                                ) -> None:
    sign_in(client, "auditor01", Role.AUDITOR)
    assert client.get("/issue/guarantee").status_code == 403
    assert client.get("/issue").status_code == 403


def test_an_unknown_kind_is_not_a_form(issuer: FlaskClient) -> None:
    assert issuer.get("/issue/invalidation").status_code == 404
    assert issuer.get("/issue/nonsense").status_code == 404
