"""Web UI fixtures: a fresh installation per test, its Flask test client, and signed samples.

- ``home`` — a data directory whose ``config.toml`` trusts the test root (TEST KEYS ONLY).
- ``clock`` — the clock the app judges sessions and lockouts by (the wall clock, movable).
- ``app`` / ``client`` — ``create_app`` over ``home`` and its test client.
- ``registry`` / ``server`` — the app's registry; the app served on a loopback port.
- ``make_user`` — create an account (as ``pdfsign user add`` does); returns its password.
- ``sign_in`` — sign a client in, changing the initial password, to a full session.
- ``signed_pdf`` — an ES-A PDF signed by the product with the embedded TSA (one per session).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from nginx_support import Proxy, running_proxy

from pdfsign.accounts import Role, add_user
from pdfsign.config import Settings
from pdfsign.registry import Registry
from pdfsign.render.pdf import write_pdf
from pdfsign.signing import Level, load_signer, sign_pdf, signing_services
from tsa.pki import Pki
from webui import create_app
from webui.serving import ServerThread

ROOT = Path(__file__).resolve().parents[2]
#: What every test account's password becomes after the forced change.
PASSWORD = "Changed2026"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Clock:
    """The wall clock, which a test can move forward by hand.

    It keeps ticking (the embedded TSA stamps with the wall clock, and a report must not be
    made before the time-stamps it judges); :meth:`advance` adds to its lead.
    """

    def __init__(self) -> None:
        self.lead = dt.timedelta()
        self.frozen: dt.datetime | None = None

    def __call__(self) -> dt.datetime:
        return self.frozen or dt.datetime.now(dt.UTC) + self.lead

    def freeze(self) -> dt.datetime:
        """Stop the clock now (for comparing two renderings of one moment); return the time."""
        self.frozen = self()
        return self.frozen

    def advance(self, delta: dt.timedelta) -> None:
        """Move the clock forward."""
        self.lead += delta


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A new installation trusting the test root."""
    folder = tmp_path / "home"
    folder.mkdir()
    (folder / "config.toml").write_text(
        f'trust = ["{ROOT / "fixtures/pki/root.pem"}"]\n', encoding="utf-8")
    return folder


@pytest.fixture
def clock() -> Clock:
    """The app's clock."""
    return Clock()


@pytest.fixture
def app(home: Path, clock: Clock) -> Flask:
    """The web app over ``home``."""
    flask_app = create_app(Settings.load(home=home, env={}), clock=clock)
    flask_app.config["TESTING"] = True
    return flask_app


@pytest.fixture
def registry(app: Flask) -> Registry:
    """The app's registry."""
    found: Registry = app.extensions["pdfsign"].registry
    return found


@pytest.fixture
def server(app: Flask) -> Iterator[str]:
    """The app served by waitress on a free loopback port; its base URL."""
    with ServerThread(app) as running:
        yield running.url


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser-like client (keeps cookies)."""
    return app.test_client()


def csrf(client: FlaskClient, path: str) -> str:
    """The CSRF token of the form on ``path``."""
    page = client.get(path)
    found = _CSRF.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {path} ({page.status_code})"
    return found.group(1)


def post(client: FlaskClient, path: str, data: dict[str, object], *,
         form_page: str | None = None, **kwargs: object) -> object:
    """POST a form the way a browser does: with the token of the page that shows it."""
    token = csrf(client, form_page or path)
    return client.post(path, data={"csrf_token": token, **data}, **kwargs)


@pytest.fixture
def make_user(app: Flask, clock: Clock) -> Callable[..., str]:
    """``make_user(user_id, role, **extra)`` → its initial password."""
    def make(user_id: str, role: Role | str, **extra: str) -> str:
        registry = app.extensions["pdfsign"].registry
        return add_user(registry, user_id, role=Role(role) if isinstance(role, str) else role,
                        name=extra.pop("name", f"{user_id} 様"), actor="test", at=clock(),
                        **extra).initial_password
    return make


@pytest.fixture
def sign_in(make_user: Callable[..., str]) -> Callable[..., FlaskClient]:
    """``sign_in(client, user_id, role)``: create the account and reach a full session."""
    def run(client: FlaskClient, user_id: str, role: Role | str, **extra: str) -> FlaskClient:
        initial = make_user(user_id, role, **extra)
        answer = post(client, "/login", {"user_id": user_id, "password": initial})
        assert answer.status_code == 302
        assert answer.headers["Location"] == "/password"
        changed = post(client, "/password", {"current_password": initial,
                                             "new_password": PASSWORD,
                                             "confirm_password": PASSWORD})
        assert changed.status_code == 302, changed.get_data(as_text=True)
        return client
    return run


def tampered(pdf: bytes) -> bytes:
    """A byte of the signed content changed (the page text, well before the signature)."""
    at = pdf.index(b"stream") + 20
    return pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1:]


@pytest.fixture(scope="session")
def signed_pdf(pki: Pki) -> bytes:
    """An ES-A signed by the product (staff signer, embedded TSA): it carries its own
    revocation data, so it verifies valid with no service running."""
    services = signing_services(pki_dir=pki.directory, state_dir=None)
    entry = pki.signer("staff")
    plain = write_pdf("<p>検証サンプル / verification sample</p>", document_styles=False)
    return sign_pdf(plain, signer=load_signer(entry.p12, entry.pin), level=Level.ES_A,
                    timestamper=services.timestamper,
                    validation_context_factory=services.validation_context,
                    at=dt.datetime.now(dt.UTC), field_name="Signature1", reason="検証",
                    location=None)


@pytest.fixture(scope="session")
def nginx_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the ``proxy`` fixture's nginx keeps its configuration, logs and secret."""
    return tmp_path_factory.mktemp("nginx")


@pytest.fixture(scope="session")
def proxy(nginx_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    """nginx with client certificates before an app behind it (:mod:`nginx_support`)."""
    with running_proxy(nginx_folder, tmp_path_factory) as running:
        yield running
