"""Mutual TLS through a real nginx on loopback (``proxy``: :mod:`nginx_support`): who gets in,
who is refused and how, and that no client can forge the headers the app believes — not through
nginx, and not straight to the app from 127.0.0.1, where nginx connects from too.

nginx's refusals, as observed (nginx 1.22, OpenSSL 3): the TLS handshake completes and nginx
answers 400 itself, without reaching the app; its error log names the reason at level info.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest
import requests
from mtls_support import BRANCH, HEAD, WHOAMI
from nginx_support import Proxy, logged_since

from webui.client_certs import CERT_HEADER, PROXY_HEADER, VERIFY_HEADER

# -- who gets in -------------------------------------------------------------------------------

@pytest.mark.parametrize(("client", "user", "role"), [("head", HEAD, "bank-head"),
                                                      ("branch", BRANCH, "bank-branch")])
def test_a_client_certificate_of_the_test_pki_maps_to_its_bank_user(
        proxy: Proxy, client: str, user: str, role: str) -> None:
    answer = proxy.get(proxy.mtls, client)
    assert answer.status_code == 200, answer.text
    assert {k: answer.json()[k] for k in ("user", "role", "verify")} == {
        "user": user, "role": role, "verify": "SUCCESS"}


@pytest.mark.parametrize("client", ["unknown", "locked", "deactivated", "staff"])
def test_a_verified_certificate_without_a_usable_bank_user_is_refused_by_the_app(
        proxy: Proxy, client: str) -> None:
    answer = proxy.get(proxy.mtls, client)
    assert answer.status_code == 401
    assert answer.json()["reason"] == "authentication-failed"
    assert "names no usable bank user" in answer.json()["message"]


# -- who nginx refuses -------------------------------------------------------------------------

@pytest.mark.parametrize(("client", "body", "logged"), [
    (None, "No required SSL certificate was sent", "client sent no required SSL certificate"),
    ("revoked", "The SSL certificate error", "(23:certificate revoked)"),
    ("foreign", "The SSL certificate error", "client SSL certificate verify error"),
    ("other-ca", "The SSL certificate error", "(3:unable to get certificate CRL)"),
])
def test_nginx_refuses_no_revoked_and_foreign_certificates_with_400(
        proxy: Proxy, client: str | None, body: str, logged: str) -> None:
    """"other-ca" is the issuing CA's staff signer: the same root, but not the client CA; it
    fails for want of that CA's CRL (nginx loads only the client CA's and the root's).
    "foreign" sends its own root along; OpenSSL reports the chain's last error (the missing
    CRL here, "unable to verify the first certificate" for the leaf alone), so only the
    refusal is asserted."""
    mark = proxy.error_log.stat().st_size
    answer = proxy.get(proxy.mtls, client)
    assert answer.status_code == 400
    assert body in answer.text
    assert "application/json" not in answer.headers.get("Content-Type", "")  # not the app
    assert logged in logged_since(proxy, mark)


def test_the_mtls_server_passes_only_the_api(proxy: Proxy) -> None:
    answer = requests.get(proxy.mtls + "/login", cert=proxy.pki.clients["head"].pair,
                          verify=str(proxy.pki.root), timeout=10)
    assert answer.status_code == 404


# -- forged headers ----------------------------------------------------------------------------

def _straight_to_the_app(proxy: Proxy, secret: str | None) -> requests.Response:
    """A local process's request from 127.0.0.1, nginx's address: a head office's forged
    certificate headers, with ``secret`` as nginx's (``None``: without)."""
    forged = {VERIFY_HEADER: "SUCCESS", CERT_HEADER: proxy.pki.clients["head"].header()}
    if secret is not None:
        forged[PROXY_HEADER] = secret
    return requests.get(proxy.app + WHOAMI, headers=forged, timeout=10)


@pytest.mark.parametrize("secret", [None, "", "another"])
def test_forged_headers_sent_straight_to_the_app_are_ignored(proxy: Proxy,
                                                             secret: str | None) -> None:
    """From the trusted address, but without nginx's secret: the headers count for nothing."""
    sent = secrets.token_hex(32) if secret == "another" else secret
    answer = _straight_to_the_app(proxy, sent)
    assert answer.status_code == 401
    assert answer.json()["user"] is None
    assert answer.json()["verify"] == "SUCCESS"  # it arrived, and was ignored


def test_only_the_secret_tells_nginx_from_a_local_process(proxy: Proxy) -> None:
    """The same request with the secret is believed: the peer was trusted all along."""
    answer = _straight_to_the_app(proxy, proxy.secret)
    assert answer.status_code == 200
    assert answer.json()["user"] == HEAD


def test_the_readme_makes_one_secret_in_two_files_for_their_owner_only(
        proxy: Proxy, nginx_folder: Path) -> None:
    snippet = nginx_folder / "snippets" / "pdfsign-proxy-secret.conf"
    assert snippet.read_text() == f'proxy_set_header {PROXY_HEADER} "{proxy.secret}";\n'
    assert re.fullmatch(r"[0-9a-f]{64}", proxy.secret)
    assert {p.stat().st_mode & 0o777 for p in (snippet, proxy.secret_file)} == {0o600}


def test_forged_headers_through_nginx_are_overwritten(proxy: Proxy) -> None:
    """The branch's certificate with a head office's certificate in the forged headers, and a
    secret of the client's own, which nginx replaces with the app's."""
    forged = {VERIFY_HEADER: "SUCCESS", CERT_HEADER: proxy.pki.clients["head"].header(),
              "X-SSL-Client_Cert": proxy.pki.clients["head"].header(),
              PROXY_HEADER: secrets.token_hex(32)}
    answer = proxy.get(proxy.mtls, "branch", **forged)
    assert answer.status_code == 200
    assert answer.json()["user"] == BRANCH


def test_forged_headers_on_the_server_without_client_certificates_are_overwritten(
        proxy: Proxy) -> None:
    forged = {VERIFY_HEADER: "SUCCESS", CERT_HEADER: proxy.pki.clients["head"].header()}
    answer = proxy.get(proxy.web, None, **forged)
    assert answer.status_code == 401
    assert answer.json()["user"] is None
    assert answer.json()["verify"] == "NONE"


def test_the_server_without_client_certificates_serves_the_web_ui(proxy: Proxy) -> None:
    answer = requests.get(proxy.web + "/healthz", verify=str(proxy.pki.root), timeout=10)
    assert answer.status_code == 200
    assert answer.text == "ok\n"
