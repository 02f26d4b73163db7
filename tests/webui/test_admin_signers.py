"""The administration's signer pages: the list with locks and certificates ending within 30 days,
locking and unlocking (a locked signer is refused on the issuing pages too, 423), and the PIN
change under the PIN rule — the same functions and messages as ``pdfsign signer`` and
``pdfsign keys set-pin``."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import Clock, post
from flask import Flask
from flask.testing import FlaskClient
from softhsm_support import Hsm

from pdfsign.accounts import Role
from pdfsign.batch_jobs import BatchJobs
from pdfsign.config import Settings
from pdfsign.errors import WrongPinError
from pdfsign.keys import PIN_RULE, open_signer
from pdfsign.keys.manage import certify
from pdfsign.keys.tokens import generate_key, user_login
from pdfsign.registry import Registry
from pdfsign.registry.models import AuditRow
from pdfsign.signing import Pkcs11Uri, load_signer
from pdfsign.signing.token_sessions import LOGINS
from webui import create_app

FILE_PIN, NEW_PIN = "TestPin2026", "Renewed2026"


@pytest.fixture(autouse=True)
def no_login_left_behind() -> Iterator[None]:
    yield
    assert LOGINS.held() == 0


@pytest.fixture
def pki_copy(hsm: Hsm, tmp_path: Path) -> Path:
    """The session PKI copied: the PIN page rewrites a signer's file."""
    folder = tmp_path / "pki"
    shutil.copytree(hsm.pki_dir, folder)
    return folder


@pytest.fixture
def app(home: Path, clock: Clock, hsm: Hsm, pki_copy: Path) -> Flask:
    """The web app over ``home``, its PKI folder the copy, tokens through SoftHSM2."""
    (home / "config.toml").write_text(
        f'trust = ["{pki_copy / "root.pem"}"]\npki_dir = "{pki_copy}"\n'
        f'pkcs11_module = "{hsm.module}"\n', encoding="utf-8")
    flask_app = create_app(Settings.load(home=home, env={}), clock=clock)
    flask_app.config["TESTING"] = True
    return flask_app


@pytest.fixture
def admin(app: Flask, sign_in: Callable[..., FlaskClient]) -> FlaskClient:
    return sign_in(app.test_client(), "admin01", Role.ADMIN)


def _settings(app: Flask) -> Settings:
    found: Settings = app.extensions["pdfsign"].settings
    return found


def test_the_list_flags_certificates_ending_within_30_days(
        app: Flask, admin: FlaskClient, registry: Registry, hsm: Hsm) -> None:
    token, label = Pkcs11Uri(token=hsm.token), f"soon-{id(app):x}"
    login = user_login(token, hsm.pin, guard=None, module=hsm.module)
    try:
        uri = str(generate_key(login, token=token, label=label, kind="ec"))
    finally:
        login.close()
    certify(hsm.pki_dir, uri, common_name="期限間近 五郎", unit=None,
            at=dt.datetime.now(dt.UTC), module=hsm.module, lifetime=dt.timedelta(days=20))
    open_signer(_settings(app), registry, pin=hsm.pin, actor="issuer01",
                at=dt.datetime.now(dt.UTC), signer=uri).close()  # seen once: in the registry
    page = admin.get("/admin/signers").get_data(as_text=True)
    notice = page[page.index('id="expiring"'):page.index('id="signers"')]
    assert uri in notice
    assert "expired" in notice  # the PKI folder's expired signer
    assert "staff-ec" not in notice  # five years left
    row = next(line for line in page[page.index('id="signers"'):].split("<tr") if uri in line)
    assert "期限間近 五郎" in row
    assert "30日以内に期限切れ" in row
    assert f"pkcs11:token={hsm.token}" in row  # whose PIN it shares


def test_a_locked_signer_is_refused_on_the_issuing_pages_until_unlocked(
        app: Flask, admin: FlaskClient, sign_in: Callable[..., FlaskClient],
        registry: Registry) -> None:
    locked = post(admin, "/admin/signers/lock", {"signer": "staff"}, form_page="/admin/signers")
    assert locked.status_code == 302  # type: ignore[attr-defined]
    listing = admin.get("/admin/signers").get_data(as_text=True)
    row = next(line for line in listing.split("<tr") if "<code>staff</code>" in line)
    assert "ロック中" in row
    assert "(admin01)" in row
    issuer = sign_in(app.test_client(), "issuer01", Role.ISSUER)

    def upload() -> object:
        return post(issuer, "/batches", {"file": (io.BytesIO(b'{"kind": "x"}\n'),
                                                  "rows.jsonl"), "pin": FILE_PIN},
                    form_page="/batches", content_type="multipart/form-data")

    refused = upload()
    assert refused.status_code == 423  # type: ignore[attr-defined]
    body = refused.get_data(as_text=True)  # type: ignore[attr-defined]
    assert re.search(r'class="error"[^>]*>[^<]*staff はロックされています。管理者に', body)
    post(admin, "/admin/signers/unlock", {"signer": "staff"}, form_page="/admin/signers")
    started = upload()
    assert started.status_code == 303  # type: ignore[attr-defined]
    job_id = started.headers["Location"].rsplit("/", 1)[-1]  # type: ignore[attr-defined]
    jobs, deadline = BatchJobs(_settings(app), registry), time.monotonic() + 120
    while jobs.get(job_id).active:  # its process ends before the test's folder goes
        assert time.monotonic() < deadline, "the batch process did not end"
        time.sleep(0.2)
    with registry.reading() as session:
        actions = [(row.actor, row.action) for row in session.query(AuditRow)
                   .filter(AuditRow.action.in_(["signer-locked", "signer-unlocked",
                                                "signer-refused"]))
                   .order_by(AuditRow.seq)]
    assert actions == [("admin01", "signer-locked"), ("issuer01", "signer-refused"),
                       ("admin01", "signer-unlocked")]


def test_the_pin_page_applies_the_rule_and_changes_the_pin(app: Flask, admin: FlaskClient,
                                                           pki_copy: Path) -> None:
    page = "/admin/signers/pin?signer=staff"
    shown = admin.get(page).get_data(as_text=True)
    assert '<option value="staff" selected>' in shown

    def change(current: str, new: str, confirm: str) -> object:
        return post(admin, "/admin/signers/pin", {"signer": "staff", "current_pin": current,
                                                  "new_pin": new, "confirm_pin": confirm},
                    form_page=page)

    for (current, new, confirm), (status, field, says) in [
        ((FILE_PIN, "short1A", "short1A"), (400, "new_pin", PIN_RULE)),
        ((FILE_PIN, NEW_PIN, "Renewed2027"), (400, "confirm_pin", "the two new PINs differ")),
        (("Wrong2026", NEW_PIN, NEW_PIN), (403, "current_pin", "signing PIN is wrong")),
    ]:
        refused = change(current, new, confirm)
        assert refused.status_code == status  # type: ignore[attr-defined]
        text = refused.get_data(as_text=True)  # type: ignore[attr-defined]
        assert says in text[text.index(f'id="e-{field}"'):]
        assert NEW_PIN not in text
    done = change(FILE_PIN, NEW_PIN, NEW_PIN)
    assert done.status_code == 302  # type: ignore[attr-defined]
    assert "署名PINを変更しました。" in admin.get("/admin/signers").get_data(as_text=True)
    p12 = pki_copy / "signers" / "staff.p12"
    load_signer(p12, NEW_PIN).close()
    with pytest.raises(WrongPinError):
        load_signer(p12, FILE_PIN)
