"""The machines' pages in a real browser (issues 16, 17): API tokens, webhooks, the signers.

Each test has its own installation (conftest's ``app``, its PKI folder a copy of the test PKI:
the PIN page may rewrite a signer's file) served on 127.0.0.1, and people who sign in for
the first time through the forms (the forced password change included).  A token copied from
the page is used with ``requests`` as a script would; a webhook points at a real receiver on
127.0.0.1, and the secret copied from the page checks the signature of what it is sent.
Besides ``browser_support``'s watch (CSP, broken resources), every tab here must see no
console error, no page error and no request to any host but 127.0.0.1.  Some pages are saved
as full-page PNGs under ``tests/artifacts/screenshots/``.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from browser_support import (  # noqa: F401  (the fixtures: browser, open_tab, site)
    Tab,
    change_password,
    fixture_browser,
    fixture_open_tab,
    fixture_site,
    follow,
    path_of,
    press,
    sign_in,
)
from conftest import ROOT, Clock
from flask import Flask
from issuing_support import FILE_ID, GUARANTEE, PIN, with_bank
from playwright.sync_api import (
    BrowserContext,
    ConsoleMessage,
    Locator,
    Page,
    Request,
    Response,
)
from webhook_receiver import Receiver

from pdfsign import issuing
from pdfsign.accounts import Role, list_tokens
from pdfsign.keys import PIN_RULE
from pdfsign.notify.webhooks import (
    EVENT_HEADER,
    MAX_PER_USER,
    add_webhook,
    deliver_webhooks,
    list_webhooks,
    remove_webhook,
)
from pdfsign.registry import Registry
from pdfsign.signing import load_signer
from webui.i18n import jst
from webui.issue.forms import values_from_data

HEAD = "14234500001"
_TOKEN = re.compile(r"pst_[A-Za-z0-9_-]{43}")
_SECRET = re.compile(r"whsec_[A-Za-z0-9_-]{43}")
#: Kana, kanji and full-width forms: none may be left in an English page's own words.
_JAPANESE = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]")
#: The elements that hold the interface's words (not the data it shows).
_WORDS = ("main h1, main h2, main label, main legend, main th, main dt, main button, "
          "main p:not(.error)")
#: Longest a step may take (signing one document on a loaded machine included).
_PATIENCE_MS = 15_000
#: The refusal of a locked signer (``pdfsign/keys/guard.py``).
LOCKED = "staff はロックされています。管理者に解除を依頼してください"


# -- the installation -------------------------------------------------------------------------

@pytest.fixture
def home(home: Path, tmp_path: Path) -> Path:
    """conftest's installation, its PKI folder a copy of the test PKI (TEST KEYS ONLY)."""
    folder = tmp_path / "pki"
    shutil.copytree(ROOT / "fixtures" / "pki", folder)
    with (home / "config.toml").open("a", encoding="utf-8") as config:
        config.write(f'pki_dir = "{folder}"\n')
    return home


@pytest.fixture
def registry(registry: Registry, clock: Clock) -> Registry:
    """conftest's registry (this installation's), with the samples' bank."""
    with_bank(registry, clock())
    return registry


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on 127.0.0.1 that records what it is sent (and answers 200)."""
    started = Receiver()
    yield started
    started.stop()


@pytest.fixture
def issue_aside(app: Flask, registry: Registry) -> Iterator[Callable[[], str]]:
    """``issue_aside()``: issue the guarantee sample as issuer01 the way the web does, in a
    thread of its own (pyHanko cannot sign in this one while the browser is open)."""
    context = app.extensions["pdfsign"]

    def issue() -> str:
        issuer = context.issuer("", PIN, actor="issuer01")
        return str(issuing.issue(issuer, GUARANTEE, at=context.now()).file_id)

    with ThreadPoolExecutor(max_workers=1) as pool:
        yield lambda: pool.submit(issue).result()


# -- watched tabs and the people in them ------------------------------------------------------

@dataclass
class Watch:
    """What ``browser_support``'s watch does not look at: console errors, page errors, and
    requests to any host but 127.0.0.1."""

    #: (the console line's resource URL, the line) of every console error.
    console: list[tuple[str, str]] = field(default_factory=list)
    #: Pages (navigations) that answered 4xx/5xx: a refused form, as the tests expect.
    refused: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    off_host: list[str] = field(default_factory=list)

    def follow(self, context: BrowserContext) -> None:
        """Record what happens in ``context`` from now on."""
        context.on("console", self._on_console)
        context.on("weberror", lambda error: self.errors.append(str(error.error)))
        context.on("request", self._on_request)
        context.on("response", self._on_response)

    def problems(self) -> list[str]:
        """Everything wrong, once the contexts are closed.

        Chromium puts a "Failed to load resource" line on the console for a page that answers
        4xx (a refused form, which the tests check); those are not counted — a broken
        sub-resource is ``browser_support``'s to catch.
        """
        console = [f"console: {line} ({url})" for url, line in self.console
                   if not (line.startswith("Failed to load resource") and url in self.refused)]
        return console + [f"page error: {e}" for e in self.errors] + [
            f"off-host request: {url}" for url in self.off_host]

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console.append((message.location["url"], message.text))

    def _on_request(self, request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme not in ("data", "blob", "about") and parts.hostname != "127.0.0.1":
            self.off_host.append(request.url)

    def _on_response(self, response: Response) -> None:
        if response.status >= 400 and response.request.is_navigation_request():
            self.refused.add(response.url)


@pytest.fixture
def new_tab(open_tab: Callable[..., Tab]) -> Iterator[Callable[..., Tab]]:
    """``new_tab(java_script=True)``: ``open_tab``'s tab, also under a :class:`Watch` that
    must have seen nothing wrong by the end."""
    tabs: list[Tab] = []
    watch = Watch()

    def open_(*, java_script: bool = True) -> Tab:
        tab = open_tab(java_script=java_script)
        tab.context.set_default_timeout(_PATIENCE_MS)
        watch.follow(tab.context)
        tabs.append(tab)
        return tab

    yield open_
    for tab in tabs:
        tab.context.close()  # delivers what is still on its way (open_tab's close is then a no-op)
    assert watch.problems() == [], watch.problems()


@pytest.fixture
def person(new_tab: Callable[..., Tab], make_user: Callable[..., str]) -> Callable[..., Tab]:
    """``person(user_id, role, landing, java_script=True)``: a tab where that new user signed
    in for the first time, changed the initial password and reached ``landing``."""
    def open_(user_id: str, role: Role, landing: str, *, java_script: bool = True) -> Tab:
        initial = make_user(user_id, role)
        tab = new_tab(java_script=java_script)
        sign_in(tab, user_id, initial)
        assert path_of(tab.page) == "/password", tab.page.url
        change_password(tab, initial)
        assert path_of(tab.page) == landing, tab.page.url
        return tab
    return open_


# -- what a person sees and does --------------------------------------------------------------

def answered(page: Page, button: str, within: Locator | None = None) -> int:
    """Press ``button`` (in ``within``, else anywhere) and wait for the page it leads to;
    the HTTP status of the form's answer."""
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        (within or page).get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state("load")
    status: int = answer.value.status
    return status


def in_main(page: Page, link: str) -> None:
    """Follow the link ``link`` of the page's content (the navigation may have one alike)."""
    page.get_by_role("main").get_by_role("link", name=link, exact=True).click()
    page.wait_for_load_state("load")


def status_text(page: Page) -> str:
    """The page's status lines (a flash, a notice), joined."""
    return " ".join(page.get_by_role("status").all_inner_texts())


def interface_words(page: Page) -> list[str]:
    """The page's own words: headings, labels, table heads, buttons, paragraphs."""
    return [text.strip() for text in page.locator(_WORDS).all_inner_texts() if text.strip()]


def check_in_english(tab: Tab, heading: str, shot: str) -> None:
    """Switch to English: the same page, every word of it English."""
    page, before = tab.page, path_of(tab.page)
    press(page, "English")
    assert path_of(page) == before
    assert page.locator("html").get_attribute("lang") == "en"
    check_english(tab, heading, shot)


def check_english(tab: Tab, heading: str, shot: str) -> None:
    """The page is headed ``heading…`` and none of its own words is left in Japanese."""
    assert tab.page.get_by_role("heading", level=1).inner_text().startswith(heading)
    left = [text for text in interface_words(tab.page) if _JAPANESE.search(text)]
    assert left == [], left
    tab.shot(shot)


def field_of(page: Page, label: str) -> Locator:
    """The ``.field`` block holding the input labelled ``label``."""
    return page.locator(".field").filter(has=page.get_by_label(label, exact=True))


def check_error_beside(page: Page, label: str, message: str) -> None:
    """The form was refused for the field ``label``: ``message`` is in that field's block,
    the only invalid one, and the input points at it."""
    invalid = page.locator(".field.invalid")
    assert invalid.count() == 1
    block = field_of(page, label)
    assert block.get_attribute("class") == "field invalid"
    assert message in block.locator(".error").inner_text()
    control = page.get_by_label(label, exact=True)
    assert control.get_attribute("aria-invalid") == "true"
    described = control.get_attribute("aria-describedby")
    assert described is not None
    assert message in page.locator(f"#{described}").inner_text()


def offered(select: Locator) -> list[str]:
    """The values a ``<select>`` offers, in order."""
    return [str(option.get_attribute("value")) for option in select.locator("option").all()]


def row_of(page: Page, table: str, first_cell: str) -> Locator:
    """The row of table ``#table`` whose first cell reads ``first_cell``."""
    return page.locator(f"#{table} tbody tr").filter(
        has=page.locator("td:first-child code, td:first-child", has_text=re.compile(
            rf"^{re.escape(first_cell)}$")))


def api_status(site: str, token: str) -> int:
    """What ``GET /api/v1/files`` answers a script holding ``token`` (no proxy, no .netrc)."""
    with requests.Session() as http:
        http.trust_env = False
        return http.get(f"{site}/api/v1/files", headers={"Authorization": f"Bearer {token}"},
                        timeout=10).status_code


def type_the_form(page: Page) -> None:
    """Type the guarantee sample into the open issuing form, field by field."""
    for name, value in values_from_data(GUARANTEE).items():
        control = page.locator(f'[name="{name}"]')
        if control.count() == 0:  # (the issue count is the registry's, not asked for)
            continue
        if control.evaluate("element => element.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)


# -- the tests --------------------------------------------------------------------------------

def test_a_head_office_makes_a_read_token_uses_it_once_shown_and_revokes_it_without_js(
        person: Callable[..., Tab], registry: Registry, site: str) -> None:
    tab = person(HEAD, Role.BANK_HEAD, "/bank/files", java_script=False)
    page = tab.page
    follow(page, "APIトークン")
    assert path_of(page) == "/tokens"
    assert page.get_by_role("heading", level=1).inner_text() == "APIトークン"
    assert "トークンはありません。" in page.get_by_role("main").inner_text()
    scope = page.get_by_label("スコープ", exact=True)
    assert offered(scope) == ["read"]  # a bank may hold a read token only
    life = page.get_by_label("有効期間（日）", exact=True)
    assert life.input_value() == "90"
    scope.select_option("read")
    life.fill("30")
    assert answered(page, "作成する") == 201

    assert "このトークンは今だけ表示されます" in status_text(page)
    token = page.locator("#new-token").inner_text().strip()
    assert _TOKEN.fullmatch(token), token
    [info] = list_tokens(registry, HEAD)
    assert (info.scope.value, (info.expires_at - info.created_at).days) == ("read", 30)
    assert jst(info.expires_at) in page.locator("dl.shown").inner_text()
    tab.shot("token-shown")
    assert api_status(site, token) == 200

    in_main(page, f"APIトークン — {HEAD}")
    assert path_of(page) == "/tokens"
    assert token not in page.content()  # shown once, never again
    [info] = list_tokens(registry, HEAD)  # (its use is recorded)
    used = jst(info.last_used_at) if info.last_used_at else "—"
    row = row_of(page, "tokens", str(info.id))
    cells = row.locator("td").all_inner_texts()
    assert cells[1:6] == ["read", jst(info.created_at), jst(info.expires_at), used, "有効"]
    tab.shot("tokens-list")
    assert answered(page, "失効させる", within=row) == 302
    assert path_of(page) == "/tokens"
    assert "トークンを失効させました。" in status_text(page)
    assert row.locator("td").nth(5).inner_text() == "失効"
    assert row.get_by_role("button").count() == 0
    assert api_status(site, token) == 401
    check_in_english(tab, "API tokens", "tokens-list-en")
    assert row.locator("td").nth(5).inner_text() == "revoked"
    page.get_by_label("Life (days)", exact=True).fill("1")
    assert answered(page, "Create") == 201
    check_english(tab, "New token", "token-shown-en")


def test_an_administrator_makes_an_issue_token_for_an_issuer_of_ninety_days(
        person: Callable[..., Tab], make_user: Callable[..., str], registry: Registry) -> None:
    make_user("issuer01", Role.ISSUER, name="田中 次郎")
    tab = person("admin01", Role.ADMIN, "/verify")
    page = tab.page
    follow(page, "利用者管理")
    follow(page, "issuer01")
    assert path_of(page) == "/admin/users/issuer01"
    in_main(page, "APIトークン — issuer01")
    assert path_of(page) == "/admin/users/issuer01/tokens"
    assert page.get_by_role("heading", level=1).inner_text() == "APIトークン — issuer01 田中 次郎"
    scope = page.get_by_label("スコープ", exact=True)
    assert offered(scope) == ["read", "verify", "issue"]
    assert page.get_by_label("有効期間（日）", exact=True).input_value() == "90"
    scope.select_option("issue")
    assert answered(page, "作成する") == 201

    shown = page.locator("dl.shown").inner_text()
    [info] = list_tokens(registry, "issuer01")
    assert (info.user_id, info.created_by, info.scope.value) == ("issuer01", "admin01", "issue")
    assert (info.expires_at - info.created_at).days == 90  # the default life
    assert "issuer01" in shown
    assert jst(info.expires_at) in shown
    assert _TOKEN.fullmatch(page.locator("#new-token").inner_text().strip())
    tab.shot("admin-token-shown")
    in_main(page, "APIトークン — issuer01")
    assert path_of(page) == "/admin/users/issuer01/tokens"  # back to the issuer's, not one's own
    assert row_of(page, "tokens", str(info.id)).locator("td").nth(1).inner_text() == "issue"
    assert list_tokens(registry, "admin01") == []


def test_a_webhook_is_refused_a_bad_url_then_registered_signed_and_removed_without_js(
        person: Callable[..., Tab], registry: Registry, receiver: Receiver, clock: Clock,
        issue_aside: Callable[[], str]) -> None:
    tab = person("issuer01", Role.ISSUER, "/verify", java_script=False)
    page = tab.page
    follow(page, "Webhook")
    assert path_of(page) == "/webhooks"
    assert "登録されたWebhookはありません。" in page.get_by_role("main").inner_text()
    url = page.get_by_label("送信先URL", exact=True)
    url.fill("ftp://127.0.0.1/hook")
    page.get_by_label("発行", exact=True).check()
    assert answered(page, "Webhookを登録する") == 400
    check_error_beside(page, "送信先URL", "http:// または https:// で始まり")
    assert url.input_value() == "ftp://127.0.0.1/hook"  # as typed
    assert page.get_by_label("発行", exact=True).is_checked()
    tab.shot("webhook-url-error")

    url.fill(receiver.url("/hook"))
    page.get_by_label("再発行", exact=True).check()
    assert answered(page, "Webhookを登録する") == 201
    assert "このシークレットは今だけ表示されます" in status_text(page)
    secret = page.locator("#webhook-secret").inner_text().strip()
    assert _SECRET.fullmatch(secret), secret
    tab.shot("webhook-secret")
    in_main(page, "Webhookの一覧へ戻る")
    [hook] = list_webhooks(registry, "issuer01")
    assert hook.events == ("issued", "reissued")
    row = row_of(page, "webhooks", str(hook.id))
    assert row.locator("td").all_inner_texts()[1:3] == [receiver.url("/hook"), "発行, 再発行"]
    assert secret not in page.content()  # shown once
    tab.shot("webhooks")

    assert issue_aside() == FILE_ID
    assert deliver_webhooks(registry, clock=clock).sent == 1
    [sent] = receiver.received("/hook")
    assert sent.headers[EVENT_HEADER] == "issued"
    assert sent.signature_valid(secret)  # the secret as copied from the page
    assert f'"file_id":"{FILE_ID}"' in sent.body.decode()

    assert answered(page, "削除する", within=row) == 302
    assert "Webhookを削除しました。" in status_text(page)
    assert "登録されたWebhookはありません。" in page.get_by_role("main").inner_text()
    assert list_webhooks(registry, "issuer01") == []

    for number in range(MAX_PER_USER):
        add_webhook(registry, "issuer01", receiver.url(f"/other/{number}"), ["issued"],
                    actor="test", at=clock())
    page.reload()
    url.fill(receiver.url("/one-too-many"))
    page.get_by_label("発行", exact=True).check()
    assert answered(page, "Webhookを登録する") == 400
    assert f"Webhookは1人{MAX_PER_USER}件までです" in page.get_by_role("alert").inner_text()
    tab.shot("webhook-limit")
    page.goto("/webhooks")
    check_in_english(tab, "Webhooks", "webhooks-en")
    remove_webhook(registry, list_webhooks(registry, "issuer01")[0].id, actor="test", at=clock())
    page.get_by_label("URL", exact=True).fill(receiver.url("/hook"))
    page.get_by_label("issued", exact=True).check()
    assert answered(page, "Add a webhook") == 201
    check_english(tab, "Signing secret", "webhook-secret-en")


def test_a_locked_signer_refuses_the_issuer_until_unlocked_and_the_pin_rule_is_shown(
        person: Callable[..., Tab], registry: Registry, app: Flask) -> None:
    admin = person("admin01", Role.ADMIN, "/verify", java_script=False)
    follow(admin.page, "署名者")
    assert path_of(admin.page) == "/admin/signers"
    staff = row_of(admin.page, "signers", "staff")
    assert staff.count() == 1
    assert answered(admin.page, "ロックする", within=staff) == 302
    assert "署名者をロックしました。" in status_text(admin.page)
    assert "ロック中 (admin01)" in staff.locator("td").nth(3).inner_text()
    admin.shot("signers-locked")

    issuer = person("issuer01", Role.ISSUER, "/verify")
    page = issuer.page
    page.goto("/issue/guarantee")
    type_the_form(page)
    press(page, "プレビューへ")
    assert re.fullmatch(r"/issue/drafts/[A-Za-z0-9_-]{43}", path_of(page)), page.url
    page.get_by_label("署名用PIN", exact=True).fill(PIN)
    assert answered(page, "署名して発行する") == 423
    check_error_beside(page, "署名用PIN", LOCKED)
    issuer.shot("issue-signer-locked")

    assert answered(admin.page, "ロックを解除する", within=staff) == 302
    assert "署名者のロックを解除しました。" in status_text(admin.page)
    assert staff.locator("td").nth(3).inner_text().startswith("有効")
    page.get_by_label("署名用PIN", exact=True).fill(PIN)
    assert answered(page, "署名して発行する") == 302
    assert path_of(page) == f"/files/{FILE_ID}"
    assert "発行しました。" in status_text(page)
    assert registry.file(FILE_ID).issue_count == 1

    pin_page = admin.page
    staff.get_by_role("link", name="署名PINを変更する").click()
    pin_page.wait_for_load_state("load")
    assert path_of(pin_page) == "/admin/signers/pin"
    assert pin_page.get_by_label("署名者", exact=True).input_value() == "staff"
    pin_page.get_by_label("現在の署名PIN", exact=True).fill(PIN)
    for label in ("新しい署名PIN", "新しい署名PIN（確認）"):
        pin_page.get_by_label(label, exact=True).fill("lowercase2026")  # no capital letter
    assert answered(pin_page, "変更する") == 400
    check_error_beside(pin_page, "新しい署名PIN", PIN_RULE)
    assert "lowercase2026" not in pin_page.content()  # a PIN is never sent back
    admin.shot("signer-pin-rule")
    settings = app.extensions["pdfsign"].settings
    load_signer(settings.pki_dir / "signers" / "staff.p12", PIN).close()  # unchanged
    pin_page.goto("/admin/signers")
    check_in_english(admin, "Signers", "signers-en")
    staff.get_by_role("link", name="Change the signing PIN").click()
    pin_page.wait_for_load_state("load")
    check_english(admin, "Change the signing PIN", "signer-pin-en")


def test_the_watch_sees_console_errors_and_requests_leaving_this_machine(
        open_tab: Callable[..., Tab]) -> None:
    """The control for every tab's :class:`Watch` here (the route answers for the other
    host: nothing leaves this machine)."""
    tab, watch = open_tab(), Watch()
    watch.follow(tab.context)
    tab.context.route("http://elsewhere.invalid/**",
                      lambda route: route.fulfill(body="elsewhere", content_type="text/plain"))
    tab.page.goto("/login")
    tab.page.wait_for_load_state("networkidle")  # the font too: leaving would abort its load
    tab.page.evaluate("console.error('on purpose')")
    tab.page.goto("http://elsewhere.invalid/")
    tab.context.close()
    problems = watch.problems()
    assert [line for line in problems if "on purpose" in line], problems
    assert "off-host request: http://elsewhere.invalid/" in problems
    assert len(problems) == 2, problems  # these two and nothing else
