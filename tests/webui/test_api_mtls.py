"""The JSON API and the bulk download tool behind nginx with client certificates
(``proxy``: :mod:`nginx_support`): a certificate is a read token of its bank user, a token or
password of another user beside it is refused, and ``pdfsign fetch`` pulls with a PKCS#12."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import PASSWORD
from mtls_support import BRANCH, HEAD
from mtls_support import PASSWORD as CERT_PASSWORD
from nginx_support import Proxy

from pdfsign.accounts import Scope, change_password, create_token, reset_password
from pdfsign.fetch.run import run as fetch
from pdfsign.registry import NewFile, set_bank

FILE_ID = "14_2345002_000000001_2026000001_000"


@pytest.fixture(scope="module")
def bank(proxy: Proxy) -> Proxy:
    """One file of bank 2345's branch 002, and the head office's password changed."""
    at = dt.datetime.now(dt.UTC)
    set_bank(proxy.registry, code="2345", name="みらい銀行", start=dt.date(2026, 1, 1),
             actor="test", at=at)
    proxy.registry.issue(NewFile(
        file_id=FILE_ID, kind="guarantee", association_code="14", bank_code="2345",
        branch_code="002", customer_number="000000001", guarantee_number="2026000001",
        change_number="000", customer_name="顧客", guarantee_date=dt.date(2026, 11, 1)),
        lambda *_: b"%PDF-1.7\n% mtls\n%%EOF\n", actor="test", at=at)
    initial = reset_password(proxy.registry, HEAD, actor="test", at=at).initial_password
    change_password(proxy.registry, HEAD, current=initial, new=PASSWORD, at=at)
    return proxy


def _api(proxy: Proxy, method: str, path: str, client: str | None, *,
         token: str | None = None, headers: dict[str, str] | None = None,
         **kwargs: Any) -> requests.Response:
    headers = (headers or {}) | ({"Authorization": f"Bearer {token}"} if token else {})
    cert = proxy.pki.clients[client].pair if client else None
    return requests.request(method, proxy.mtls + path, cert=cert, headers=headers,
                            verify=str(proxy.pki.root), timeout=30, **kwargs)


def _token(proxy: Proxy, user_id: str) -> str:
    return create_token(proxy.registry, user_id, scope=Scope.READ, expires_days=1,
                        actor="test", at=dt.datetime.now(dt.UTC))[1]


def test_a_client_certificate_alone_reads_what_its_bank_user_may_see(bank: Proxy) -> None:
    for client in ("head", "branch"):
        listed = _api(bank, "GET", "/api/v1/files", client)
        assert listed.status_code == 200, listed.text
        assert [f["file_id"] for f in listed.json()["files"]] == [FILE_ID]
    pdf = _api(bank, "GET", f"/api/v1/files/{FILE_ID}.pdf", "head")
    assert pdf.content == b"%PDF-1.7\n% mtls\n%%EOF\n"
    verify = _api(bank, "POST", "/api/v1/verify", "head", data=b"%PDF-1.7\n",
                  headers={"Content-Type": "application/pdf"})
    assert verify.status_code == 403  # a certificate is the read scope only


def test_a_token_beside_a_certificate_must_be_the_same_users(bank: Proxy) -> None:
    assert _api(bank, "GET", "/api/v1/files", "head", token=_token(bank, HEAD)).status_code \
        == 200
    other = _api(bank, "GET", "/api/v1/files", "head", token=_token(bank, BRANCH))
    assert other.status_code == 401
    assert other.json()["error"]["reason"] == "authentication-failed"
    assert "different users" in other.json()["error"]["message"]


def test_the_bulk_sign_in_needs_the_certificates_user(bank: Proxy) -> None:
    body = {"user_id": HEAD, "password": PASSWORD}
    assert _api(bank, "POST", "/api/v1/bulk/session", "head", json=body).status_code == 201
    other = _api(bank, "POST", "/api/v1/bulk/session", "branch", json=body)
    assert other.status_code == 401
    assert other.json()["error"]["field"] == "user_id"


def test_pdfsign_fetch_pulls_through_nginx_with_a_pkcs12(bank: Proxy, tmp_path: Path) -> None:
    out, logs = tmp_path / "out", tmp_path / "log"
    out.mkdir()
    logs.mkdir()
    config = tmp_path / "pdfsign-fetch.toml"
    config.write_text(
        f'service_url = "{bank.mtls}"\nuser_id = "{HEAD}"\npassword = "{PASSWORD}"\n'
        f'output_dir = "{out}"\nlog_dir = "{logs}"\n'
        f'client_cert = "{bank.pki.directory.parent / "head.p12"}"\n'
        f'client_cert_password = "{CERT_PASSWORD.decode()}"\n'
        f'ca_file = "{bank.pki.root}"\nretry_count = 0\n', encoding="utf-8")
    said = io.StringIO()
    assert fetch(config, stderr=said) == 0, said.getvalue()
    lines = [line.split(" [", 1)[1] for line in said.getvalue().splitlines()]
    assert lines == [f"INFO] download [1] {FILE_ID}", "INFO] done"]
    assert (out / f"{FILE_ID}.pdf").read_bytes() == b"%PDF-1.7\n% mtls\n%%EOF\n"
