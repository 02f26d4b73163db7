"""The registry pages: the file page and its actions by role and state, search and ZIP."""

from __future__ import annotations

import copy
import csv
import io
import zipfile
from collections.abc import Callable

import pytest
from conftest import Clock, csrf, post
from flask import Flask
from flask.testing import FlaskClient
from issuing_support import FILE_ID, GUARANTEE, PIN, issue_through_the_form, text_of, with_bank

from pdfsign.accounts import Role

PAGE = f"/files/{FILE_ID}"


@pytest.fixture
def issuer(client: FlaskClient, sign_in: Callable[..., FlaskClient], app: Flask,
           clock: Clock) -> FlaskClient:
    """A signed-in issuer; the guarantee sample is issued."""
    with_bank(app.extensions["pdfsign"].registry, clock())
    sign_in(client, "issuer01", Role.ISSUER)
    issue_through_the_form(client)
    return client


def _act(client: FlaskClient, action: str, fields: dict[str, str]) -> object:
    return post(client, f"{PAGE}/{action}", {"expected_version": "1", **fields},
                form_page=PAGE)


def test_invalidate_with_the_pin_makes_the_notice_current(issuer: FlaskClient,
                                                           app: Flask) -> None:
    wrong = _act(issuer, "invalidate", {"reason": "cancelled", "pin": "Wrong2026",
                                        "signer": "staff"})
    assert wrong.status_code == 403
    assert 'id="e-invalidate-pin"' in wrong.get_data(as_text=True)
    done = _act(issuer, "invalidate", {"reason": "cancelled", "pin": PIN, "signer": "staff"})
    assert done.status_code == 302
    page = issuer.get(PAGE)
    assert text_of(page, "file-version") == "2"
    assert "無効通知書" in page.get_data(as_text=True)
    info = app.extensions["pdfsign"].registry.file(FILE_ID)
    assert info.state == "invalidated"
    assert 'id="reissue-link"' not in page.get_data(as_text=True)  # no actions once invalid


def test_an_action_on_a_page_that_went_stale_is_refused(issuer: FlaskClient,
                                                        app: Flask) -> None:
    assert _act(issuer, "transfer", {"bank_code": "2345", "branch_code": "003"}
                ).status_code == 302
    registry = app.extensions["pdfsign"].registry
    registry.reissue(FILE_ID, lambda info, count: registry.pdf(FILE_ID)[1], actor="other",
                     at=app.extensions["pdfsign"].now())  # someone else, meanwhile: v2
    stale = _act(issuer, "repaid", {"on": "2026-12-01"})
    assert stale.status_code == 409
    assert "changed meanwhile" in stale.get_data(as_text=True)
    assert registry.file(FILE_ID).state == "active"


def test_lifecycle_refusals_name_their_field(issuer: FlaskClient) -> None:
    unknown = _act(issuer, "transfer", {"bank_code": "9999", "branch_code": "001"})
    assert unknown.status_code == 400
    assert 'id="e-transfer-bank_code"' in unknown.get_data(as_text=True)
    no_day = _act(issuer, "repaid", {"on": ""})
    assert 'id="e-repaid-on"' in no_day.get_data(as_text=True)
    assert _act(issuer, "subrogate", {"on": "2026-12-01"}).status_code == 302
    page = issuer.get(PAGE).get_data(as_text=True)
    assert "代位弁済" in page
    assert "まで閲覧可" in page


def test_auditors_read_everything_and_change_nothing(issuer: FlaskClient, app: Flask,
                                                     sign_in: Callable[..., FlaskClient]
                                                     ) -> None:
    auditor = sign_in(app.test_client(), "auditor01", Role.AUDITOR)
    page = auditor.get(PAGE)
    assert page.status_code == 200
    assert 'id="reissue-link"' not in page.get_data(as_text=True)
    assert auditor.get(f"{PAGE}/versions/1.pdf").data.startswith(b"%PDF-")
    token = csrf(auditor, PAGE)
    refused = auditor.post(f"{PAGE}/repaid", data={"csrf_token": token, "on": "2026-12-01",
                                                   "expected_version": "1"})
    assert refused.status_code == 403
    assert app.extensions["pdfsign"].registry.file(FILE_ID).state == "active"


def test_history_lists_every_version_with_its_time_stamp(issuer: FlaskClient) -> None:
    page = issuer.get(PAGE).get_data(as_text=True)
    history = page.split('id="history"')[1]
    assert history.count("<tr") == 2  # the header and version 1
    assert "issuer01" in history
    assert f"{PAGE}/versions/1/verify" in history


def test_search_filters_sorts_and_downloads_a_zip_with_its_list(
        issuer: FlaskClient, app: Flask) -> None:
    other = copy.deepcopy(GUARANTEE) | {"customer_number": "000000777",
                                        "debtor_name": "有限会社ほしぞら"}
    issue_through_the_form(issuer, data=other)
    everything = issuer.get("/files")
    assert "2 件" in text_of(everything, "result-count")
    by_name = issuer.get("/files?customer_name=ほしぞら")
    assert "1 件" in text_of(by_name, "result-count")
    by_number = issuer.get("/files?customer_number=777")  # zero-padded like the CLI
    assert "1 件" in text_of(by_number, "result-count")
    sorted_page = issuer.get("/files?sort=customer_number").get_data(as_text=True)
    assert sorted_page.index("000000777") < sorted_page.index(FILE_ID)
    bad = issuer.get("/files?guarantee_from=2026-02-30")
    assert bad.status_code == 400
    assert 'id="e-guarantee_from"' in bad.get_data(as_text=True)
    token = csrf(issuer, "/files")
    chosen = issuer.post("/files/zip", data={"csrf_token": token, "file_id": [FILE_ID]})
    archive = zipfile.ZipFile(io.BytesIO(chosen.data))
    assert archive.namelist() == [f"{FILE_ID}.pdf", "files.csv"]
    listed = list(csv.DictReader(io.StringIO(archive.read("files.csv").decode("utf-8-sig"))))
    assert [row["file_id"] for row in listed] == [FILE_ID]
    every = issuer.post("/files/zip", data={"csrf_token": token, "all": "1",
                                            "customer_name": "ほしぞら"})
    assert len(zipfile.ZipFile(io.BytesIO(every.data)).namelist()) == 2  # one PDF + list
    nothing = issuer.post("/files/zip", data={"csrf_token": token})
    assert nothing.status_code == 400
