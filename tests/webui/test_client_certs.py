"""``client_user``: which requests may speak for a client certificate, the checks the app
makes again, and the bank user it maps to — through the app, with the proxy's headers and
secret set on each request from 127.0.0.1 (``test_nginx_mtls.py`` runs the same behind a real
nginx)."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Clock
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID
from flask import Flask
from flask.testing import FlaskClient
from mtls_support import (
    BRANCH,
    CLIENTS,
    HEAD,
    WHOAMI,
    Client,
    MtlsPki,
    add_accounts,
    make_mtls_pki,
    with_whoami,
)
from werkzeug.middleware.proxy_fix import ProxyFix

from pdfsign.config import Settings
from pdfsign.errors import ConfigurationError
from pdfsign.registry import Registry
from tsa.certificates import LEAF, Issuer, certificate, key_usage, new_key, subject_name
from webui import create_app
from webui.client_certs import CERT_HEADER, PROXY_HEADER, VERIFY_HEADER

#: The proxy's address as the app sees it: nginx and every other local process share it.
PROXY = "127.0.0.1"


@pytest.fixture(scope="session")
def mtls_pki(tmp_path_factory: pytest.TempPathFactory) -> MtlsPki:
    return make_mtls_pki(tmp_path_factory.mktemp("client-pki"), at=dt.datetime.now(dt.UTC))


@pytest.fixture(scope="session")
def secret_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The secret shared with the proxy, one line as ``openssl rand -hex 32`` writes it."""
    path = tmp_path_factory.mktemp("proxy") / "proxy-secret"
    path.write_text(secrets.token_hex(32) + "\n")
    return path


@pytest.fixture(scope="session")
def secret(secret_file: Path) -> str:
    return secret_file.read_text().strip()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One installation for the module, with the accounts the test certificates name."""
    folder = tmp_path_factory.mktemp("home")
    add_accounts(Registry.open(Settings.load(home=folder, env={})), at=dt.datetime.now(dt.UTC))
    return folder


def _app(home: Path, clock: Clock, **settings: Any) -> Flask:
    return with_whoami(create_app(Settings.load(home=home, env={}, **settings), clock=clock))


def _behind_proxy(home: Path, clock: Clock, secret_file: Path, **settings: Any) -> Flask:
    """The app trusting :data:`PROXY` with the secret of ``secret_file``."""
    return _app(home, clock, trusted_proxies=(PROXY,), proxy_secret_file=str(secret_file),
                **settings)


@pytest.fixture
def app(home: Path, clock: Clock, mtls_pki: MtlsPki, secret_file: Path) -> Flask:
    """The app behind its proxy (one per test: the app is cheap, the accounts are not)."""
    return _behind_proxy(home, clock, secret_file, client_ca=str(mtls_pki.client_ca))


Ask = Callable[..., Any]


@pytest.fixture
def ask(client: FlaskClient, mtls_pki: MtlsPki, secret: str) -> Ask:
    """``ask(name, verify="SUCCESS", peer=PROXY, proxy=<the secret>)``: the test route with
    the named client's certificate in the proxy's headers (``name=None``: ``cert``, or no
    certificate header; ``proxy=None``: no secret header)."""
    def run(name: str | None, verify: str | None = "SUCCESS", peer: str = PROXY,
            cert: str | None = None, proxy: str | None = secret, **headers: str) -> Any:
        if verify is not None:
            headers[VERIFY_HEADER] = verify
        if name is not None:
            cert = mtls_pki.clients[name].header()
        if cert is not None:
            headers[CERT_HEADER] = cert
        if proxy is not None:
            headers[PROXY_HEADER] = proxy
        return client.get(WHOAMI, headers=headers, environ_base={"REMOTE_ADDR": peer})
    return run


# -- who it maps to ----------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "user", "role"), [("head", HEAD, "bank-head"),
                                                    ("branch", BRANCH, "bank-branch")])
def test_a_verified_certificate_from_the_proxy_maps_to_its_bank_user(
        ask: Ask, name: str, user: str, role: str) -> None:
    answer = ask(name)
    assert answer.status_code == 200
    assert (answer.json["user"], answer.json["role"]) == (user, role)


def test_no_usable_bank_user_is_refused_with_one_message(ask: Ask) -> None:
    """Unknown, locked, deactivated and staff: the same words but for the CN."""
    messages = set()
    for name in ("unknown", "locked", "deactivated", "staff"):
        answer = ask(name)
        assert answer.status_code == 401
        assert answer.json["reason"] == "authentication-failed"
        messages.add(answer.json["message"].replace(CLIENTS[name], "<cn>"))
    assert len(messages) == 1
    assert "names no usable bank user" in messages.pop()


# -- which requests may speak for a certificate ------------------------------------------------

#: Secrets a local process might send instead of the proxy's, made from the right one.
WRONG_SECRETS: dict[str, Callable[[str], str | None]] = {
    "none": lambda _: None, "empty": lambda _: "", "another": lambda _: secrets.token_hex(32),
    "shorter": lambda s: s[:-1], "longer": lambda s: s + "0", "upper": str.upper,
    "spaced": lambda s: f" {s}", "twice": lambda s: f"{s}, {s}",
    "non-ASCII": lambda s: s[:-1] + "あ"}


@pytest.mark.parametrize("wrong", list(WRONG_SECRETS))
def test_the_headers_count_only_with_the_proxys_secret(ask: Ask, secret: str,
                                                       wrong: str) -> None:
    """A local process connects from 127.0.0.1 as nginx does: without the secret, or with a
    wrong one, its forged headers count for nothing."""
    assert ask("head").status_code == 200
    answer = ask("head", proxy=WRONG_SECRETS[wrong](secret))
    assert answer.status_code == 401
    assert answer.json == {"user": None, "verify": "SUCCESS"}


def test_a_forged_request_is_logged_without_the_secret(ask: Ask, secret: str,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    wrong = secrets.token_hex(32)
    with caplog.at_level(logging.WARNING, logger="webui.client_certs"):
        assert ask("head", proxy=wrong).status_code == 401
        assert ask("head", verify=None, proxy=None).status_code == 401  # nothing forged
        assert ask("head").status_code == 200
    assert [r.getMessage() for r in caplog.records] == [
        f"ignored {VERIFY_HEADER} from 127.0.0.1: the request carries no or a wrong "
        f"{PROXY_HEADER}"]
    assert secret not in caplog.text
    assert wrong not in caplog.text


def _whoami(flask_app: Flask, pki: MtlsPki, secret: str) -> Any:
    """The test route, asked from :data:`PROXY` as the proxy asks it for "head"."""
    return flask_app.test_client().get(WHOAMI, environ_base={"REMOTE_ADDR": PROXY}, headers={
        VERIFY_HEADER: "SUCCESS", CERT_HEADER: pki.clients["head"].header(),
        PROXY_HEADER: secret})


def test_by_default_no_proxy_is_trusted(home: Path, clock: Clock, mtls_pki: MtlsPki,
                                        secret: str) -> None:
    """The default ``trusted_proxies`` is empty: even the right secret from 127.0.0.1 does
    not make a peer the proxy."""
    answer = _whoami(_app(home, clock), mtls_pki, secret)
    assert answer.status_code == 401
    assert answer.json["user"] is None


@pytest.mark.parametrize("verify", ["NONE", "FAILED:certificate revoked", "success", "",
                                    "SUCCESS, SUCCESS", None])
def test_anything_but_success_means_no_certificate(ask: Ask, verify: str | None) -> None:
    answer = ask("head", verify=verify)
    assert answer.status_code == 401
    assert answer.json["user"] is None
    assert "reason" not in answer.json


def test_a_proxy_fix_does_not_make_the_client_a_trusted_proxy(app: Flask, ask: Ask) -> None:
    """With X-Forwarded-For applied, the peer that counts is still the one that connected: the
    proxy's request for a client it cannot name counts; a request from a peer without an
    address that names the proxy does not, even with the secret."""
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1)  # type: ignore[method-assign]
    assert ask("head", **{"X-Forwarded-For": "unknown"}).status_code == 200
    spoofed = ask("head", peer="", **{"X-Forwarded-For": PROXY})
    assert spoofed.status_code == 401
    assert spoofed.json["user"] is None


# -- the checks the app makes again ------------------------------------------------------------

@pytest.mark.parametrize("name", ["other-ca", "foreign"])
def test_a_certificate_of_another_ca_is_refused(ask: Ask, name: str) -> None:
    """nginx would have refused both already; the app does not rest on that."""
    answer = ask(name)
    assert answer.status_code == 401
    assert "not issued by the configured client CA" in answer.json["message"]


@pytest.mark.parametrize("lead", [dt.timedelta(days=366), dt.timedelta(days=-2)])
def test_the_certificate_is_judged_at_the_app_clock(ask: Ask, clock: Clock,
                                                    lead: dt.timedelta) -> None:
    assert ask("head").status_code == 200
    clock.advance(lead)
    answer = ask("head")
    assert answer.status_code == 401
    assert "not valid at" in answer.json["message"]


def _client_ca_issuer(pki: MtlsPki) -> Issuer:
    key = serialization.load_pem_private_key(
        pki.client_ca.with_suffix(".key.pem").read_bytes(), None)
    return Issuer(x509.load_pem_x509_certificate(pki.client_ca.read_bytes()), key,  # type: ignore[arg-type]
                  "http://127.0.0.1:3161/crl/client-ca.crl", None)


def test_a_certificate_for_another_purpose_is_refused(ask: Ask, mtls_pki: MtlsPki,
                                                      tmp_path: Path) -> None:
    """Issued by the client CA for HEAD, but for TLS servers only (EKU serverAuth)."""
    now = dt.datetime.now(dt.UTC)
    cert = certificate(subject_name(HEAD), new_key("ec"), _client_ca_issuer(mtls_pki),
                       not_before=now - dt.timedelta(days=1), not_after=now + dt.timedelta(days=1),
                       extensions=[LEAF, (key_usage(sign=True), True), (x509.ExtendedKeyUsage(
                           [ExtendedKeyUsageOID.SERVER_AUTH]), False)])
    pem = tmp_path / "server-only.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    answer = ask(None, cert=Client(pem, pem).header())
    assert answer.status_code == 401
    assert "not for client authentication" in answer.json["message"]


@pytest.mark.parametrize("value", ["", "garbage", "-----BEGIN CERTIFICATE-----%0Axx%0A"
                                   "-----END CERTIFICATE-----", "%E3%81%82"])
def test_an_unreadable_certificate_from_the_proxy_is_refused(ask: Ask, value: str) -> None:
    answer = ask(None, cert=value)
    assert answer.status_code == 401
    assert "no readable client certificate" in answer.json["message"]


def test_the_client_ca_file_may_hold_several_cas(home: Path, clock: Clock, mtls_pki: MtlsPki,
                                                 secret_file: Path, secret: str,
                                                 tmp_path: Path) -> None:
    """A client CA rollover: the old and the new CA side by side."""
    bundle = tmp_path / "client-cas.pem"
    bundle.write_bytes(mtls_pki.root.read_bytes() + mtls_pki.client_ca.read_bytes())
    answer = _whoami(_behind_proxy(home, clock, secret_file, client_ca=str(bundle)),
                     mtls_pki, secret)
    assert answer.status_code == 200
    assert answer.json["user"] == HEAD


def test_an_unreadable_client_ca_stops_the_start(home: Path, clock: Clock,
                                                 secret_file: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot read the client CA"):
        _behind_proxy(home, clock, secret_file, client_ca=str(home / "missing.pem"))


# -- the proxy's secret ------------------------------------------------------------------------

_BASE64URL = "A+/=_-" + "x" * 26  # 32 characters, of every kind a secret may hold


_UNUSABLE = "must be one line of at least 32 letters, digits or +/=_-"


@pytest.mark.parametrize(("content", "words"), [
    (None, "cannot read the proxy secret"),
    ("0123456789abcdef0123456789abcde\n", _UNUSABLE),  # 31 characters
    (_BASE64URL[:20] + " " + _BASE64URL[20:], _UNUSABLE),
    (_BASE64URL + "\n" + _BASE64URL, _UNUSABLE),
    (_BASE64URL + '"', _UNUSABLE),
    (_BASE64URL + "$x", _UNUSABLE),
    ("あ" * 32, _UNUSABLE),
])
def test_an_unusable_proxy_secret_stops_the_start(
        home: Path, clock: Clock, mtls_pki: MtlsPki, tmp_path: Path, content: str | None,
        words: str) -> None:
    """Refused when the app is made (not at a bank's first request), naming the setting,
    never showing the secret."""
    path = tmp_path / "proxy-secret"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigurationError) as refused:
        _behind_proxy(home, clock, path, client_ca=str(mtls_pki.client_ca))
    assert refused.value.field == "proxy_secret_file"
    assert words in refused.value.message
    if content is not None:
        assert content.strip()[:20] not in str(refused.value)


def test_a_secret_of_32_characters_of_base64url_will_do(home: Path, clock: Clock,
                                                       mtls_pki: MtlsPki, tmp_path: Path) -> None:
    path = tmp_path / "proxy-secret"
    path.write_text(f"  {_BASE64URL}\r\n")
    flask_app = _behind_proxy(home, clock, path, client_ca=str(mtls_pki.client_ca))
    assert _whoami(flask_app, mtls_pki, _BASE64URL).json["user"] == HEAD


# -- settings ----------------------------------------------------------------------------------

def test_the_proxy_settings_come_from_the_file_and_the_environment(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('trusted_proxies = ["127.0.0.1"]\n'
                                          'client_ca = "/etc/pdfsign/client-ca.pem"\n'
                                          'proxy_secret_file = "/etc/pdfsign/proxy-secret"\n')
    loaded = Settings.load(home=tmp_path, env={})
    assert (loaded.trusted_proxies, loaded.client_ca, loaded.proxy_secret_file) == (
        ("127.0.0.1",), "/etc/pdfsign/client-ca.pem", "/etc/pdfsign/proxy-secret")
    from_env = Settings.load(home=tmp_path / "elsewhere", env={
        "PDFSIGN_TRUSTED_PROXIES": " 127.0.0.1 ,", "PDFSIGN_CLIENT_CA": "/run/ca.pem",
        "PDFSIGN_PROXY_SECRET_FILE": "/run/proxy-secret"})
    assert (from_env.trusted_proxies, from_env.client_ca, from_env.proxy_secret_file) == (
        ("127.0.0.1",), "/run/ca.pem", "/run/proxy-secret")


@pytest.mark.parametrize(("values", "field", "words"), [
    ({"trusted_proxies": ("localhost",), "client_ca": "ca.pem", "proxy_secret_file": "s"},
     "trusted_proxies", "must be IP addresses"),
    ({"trusted_proxies": ("127.0.0.1",), "proxy_secret_file": "s"}, "client_ca",
     "trusted_proxies needs client_ca"),
    ({"trusted_proxies": ("127.0.0.1",), "client_ca": "ca.pem"}, "proxy_secret_file",
     "trusted_proxies needs proxy_secret_file"),
])
def test_proxy_settings_that_contradict_fail_at_load(tmp_path: Path, values: dict[str, Any],
                                                     field: str, words: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        Settings.load(home=tmp_path, env={}, **values)
    assert raised.value.field == field
    assert words in raised.value.message
