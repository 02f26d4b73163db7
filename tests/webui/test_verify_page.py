"""The verification page: the CLI's report for uploaded PDFs, and its downloads."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import PASSWORD, ROOT, Clock, csrf, post, tampered
from flask import Flask
from flask.testing import FlaskClient

from pdfsign.accounts import Role
from pdfsign.config import Settings
from tsa.pki import Pki
from verify import load_trust_settings, verify_pdf
from webui import create_app

_LINK = re.compile(r'href="(/verify/reports/[^"]+?)\.json"')


def _upload(client: FlaskClient, files: list[tuple[bytes, str]]) -> object:
    token = csrf(client, "/verify")
    return client.post("/verify", content_type="multipart/form-data", data={
        "csrf_token": token, "files": [(io.BytesIO(data), name) for data, name in files]})


@pytest.fixture
def auditor(client: FlaskClient, sign_in: Callable[..., FlaskClient]) -> FlaskClient:
    """A signed-in auditor."""
    return sign_in(client, "auditor01", Role.AUDITOR)


def test_a_valid_and_an_altered_file_get_the_cli_report(auditor: FlaskClient, app: Flask,
                                                        signed_pdf: bytes, clock: Clock) -> None:
    clock.freeze()  # the page and the HTML download below are made at the same moment
    answer = _upload(auditor, [(signed_pdf, "good.pdf"), (tampered(signed_pdf), "bad.pdf")])
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert 'data-verdicts="valid invalid-integrity"' in page
    # The same run rendered as `pdfsign verify --format html` writes it (``render_run``): not
    # verified a second time, which could meet another worker's PKI server half-way.
    cli_html = auditor.get(f"{_LINK.search(page).group(1)}.html").get_data(as_text=True)
    assert cli_html.startswith("<!DOCTYPE html>")
    body = cli_html.split("<body>", 1)[1].rsplit("</body>", 1)[0].strip()
    assert body in page  # the very report `pdfsign verify --format html` writes
    assert "matrix" in page  # the validity at each reference time


def test_the_report_downloads_as_json_pdf_and_signed_pdf(home: Path, clock: Clock,
                                                         pki: Pki, signed_pdf: bytes,
                                                         make_user: Callable[..., str],
                                                         pki_url_server: str) -> None:
    """The signed report is an ES-T: checked here with the PKI's services answering."""
    app = create_app(Settings.load(home=home, env={}, pin=pki.signer("staff").pin),
                     clock=clock)
    client = app.test_client()
    initial = make_user("auditor01", Role.AUDITOR)
    post(client, "/login", {"user_id": "auditor01", "password": initial})
    post(client, "/password", {"current_password": initial, "new_password": PASSWORD,
                               "confirm_password": PASSWORD})
    page = _upload(client, [(signed_pdf, "good.pdf")]).get_data(as_text=True)
    base = _LINK.search(page).group(1)
    report = json.loads(client.get(f"{base}.json").data)
    assert [d["verdict"] for d in report["documents"]] == ["valid"]
    pdf = client.get(f"{base}.pdf")
    assert pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF-")
    assert "attachment" in pdf.headers["Content-Disposition"]
    signed = client.get(f"{base}.signed.pdf").data
    assert signed.startswith(b"%PDF-"), signed[:2000]
    roots = load_trust_settings(trust=[ROOT / "fixtures/pki/root.pem"])
    checked = verify_pdf(signed, path="report.pdf", settings=roots, at=clock())
    assert checked.verdict.value == "valid"
    assert client.get(f"{base}.exe").status_code == 404


def test_a_report_is_only_for_its_uploader_and_only_for_an_hour(
        auditor: FlaskClient, app: Flask, signed_pdf: bytes, clock: Clock,
        sign_in: Callable[..., FlaskClient]) -> None:
    base = _LINK.search(_upload(auditor, [(signed_pdf, "good.pdf")]).get_data(
        as_text=True)).group(1)
    other = sign_in(app.test_client(), "auditor02", Role.AUDITOR)
    assert other.get(f"{base}.json").status_code == 404
    assert auditor.get(f"{base}.json").status_code == 200
    clock.advance(dt.timedelta(minutes=25))
    auditor.get("/verify")  # keep the session alive
    clock.advance(dt.timedelta(minutes=25))
    auditor.get("/verify")
    clock.advance(dt.timedelta(minutes=11))
    assert auditor.get(f"{base}.json").status_code == 404


def test_no_file_is_an_error_beside_the_field(auditor: FlaskClient) -> None:
    token = csrf(auditor, "/verify")
    answer = auditor.post("/verify", data={"csrf_token": token},
                          content_type="multipart/form-data")
    assert answer.status_code == 400
    assert 'id="e-files"' in answer.get_data(as_text=True)
