"""The web UI in a real browser (issue 13): Chromium, driven by Playwright, over a live server.

Each test has its own installation (conftest's ``home`` and ``app``) served by waitress on
127.0.0.1 and fresh browser contexts (no cookies); one headless Chromium serves the whole
module (the fixtures and a person's steps are in ``browser_support``).  Every page visited is
saved as a full-page PNG under ``tests/artifacts/screenshots/`` for a person to look at
(nothing is compared), and every context is watched: a Content-Security-Policy message on the
console, or a stylesheet or font the page could not load, fails the test that caused it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from browser_support import (  # noqa: F401  (the fixtures: browser, open_tab, site)
    PASSWORD,
    Tab,
    change_password,
    first_sign_in,
    fixture_browser,
    fixture_open_tab,
    fixture_site,
    follow,
    path_of,
    press,
    sign_in,
)
from playwright.sync_api import FilePayload

from pdfsign.accounts import Role

#: Signed before the browser opens: pyHanko signs with ``asyncio.run``, which fails in this
#: thread while Playwright's sync API holds its event loop here (a session fixture is set up
#: before the module's ``browser``).
pytestmark = pytest.mark.usefixtures("signed_pdf")
#: The sign-in failure and lockout messages (``pdfsign/accounts/signin.py``).
WRONG = "ユーザーIDまたはパスワードが正しくありません"
LOCKED = re.compile(r"ログインに5回続けて失敗したため、\d\d:\d\d（日本時間）までロックされています")


# -- what a person does ---------------------------------------------------------------------

def upload(tab: Tab, name: str, data: bytes) -> None:
    """Choose one PDF on the verification form and run the verification."""
    page = tab.page
    chosen: FilePayload = {"name": name, "mimeType": "application/pdf", "buffer": data}
    page.get_by_label("検証するPDF（複数可）").set_input_files(files=[chosen])
    press(page, "検証する")


def altered(signed: bytes) -> bytes:
    """``signed`` with one bit flipped in the first stream, well inside the signed range."""
    contents = signed.index(b"/Contents <")
    start = signed.index(b"stream\n") + len(b"stream\n")
    position = start + 40
    assert position < contents - 1000, "the flipped byte must be in the first signed range"
    changed = bytearray(signed)
    changed[position] ^= 0x01
    return bytes(changed)


# -- the tests ------------------------------------------------------------------------------

def test_forced_password_change_then_english_is_remembered(
        open_tab: Callable[..., Tab], make_user: Callable[..., str]) -> None:
    initial = make_user("kanri.sato", Role.ADMIN, name="佐藤 一郎")
    tab = open_tab()
    page = tab.page
    page.goto("/verify")
    assert path_of(page) == "/login"
    tab.shot("sign-in")

    sign_in(tab, "kanri.sato", initial)
    assert path_of(page) == "/password"
    assert page.get_by_role("status").inner_text().startswith("初回または再発行のパスワードです")
    tab.shot("password-change")
    page.goto("/admin/users")  # nothing else opens before the change
    assert path_of(page) == "/password"
    change_password(tab, initial)

    assert path_of(page) == "/verify"
    assert page.get_by_role("heading", level=1).inner_text() == "署名検証"
    assert "パスワードを変更しました。" in page.get_by_role("status").inner_text()
    assert page.locator("html").get_attribute("lang") == "ja"

    press(page, "English")
    assert path_of(page) == "/verify"
    assert page.get_by_role("heading", level=1).inner_text() == "Verify"
    press(page, "Sign out")
    assert path_of(page) == "/login"
    assert page.locator("html").get_attribute("lang") == "en"  # signing out keeps it

    page.get_by_label("User ID").fill("kanri.sato")
    page.get_by_label("Password").fill(PASSWORD)
    press(page, "Sign in")
    assert path_of(page) == "/verify"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Verify"
    assert "Signed in as: 佐藤 一郎 (kanri.sato, Administrator)" in page.inner_text("header")


def test_five_wrong_passwords_lock_out_even_the_right_one(
        open_tab: Callable[..., Tab], make_user: Callable[..., str]) -> None:
    initial = make_user("kansa.ito", Role.AUDITOR)
    tab = open_tab()
    page = tab.page
    page.goto("/login")
    for attempt in range(1, 6):
        page.get_by_label("ユーザーID").fill("kansa.ito")
        page.get_by_label("パスワード").fill(f"Wrong{attempt}pass")
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            press(page, "ログイン")
        shown = page.locator(".error").all_inner_texts()
        if attempt < 5:
            assert answer.value.status == 401
            assert any(WRONG in text for text in shown), shown
            assert not any(LOCKED.search(text) for text in shown), (attempt, shown)
    assert answer.value.status == 423
    assert LOCKED.search(page.locator("#e-user_id").inner_text())
    tab.shot("lockout")

    page.get_by_label("ユーザーID").fill("kansa.ito")
    page.get_by_label("パスワード").fill(initial)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        press(page, "ログイン")
    assert answer.value.status == 423
    assert path_of(page) == "/login"
    assert LOCKED.search(page.locator("#e-user_id").inner_text())
    page.goto("/verify")
    assert path_of(page) == "/login"  # no session was opened


def test_admin_adds_an_auditor_who_verifies_the_sample_and_an_altered_copy(
        open_tab: Callable[..., Tab], make_user: Callable[..., str], signed_pdf: bytes,
        pki_url_server: str) -> None:
    admin = open_tab()
    first_sign_in(admin, "kanri.sato", make_user("kanri.sato", Role.ADMIN))
    follow(admin.page, "利用者管理")
    assert path_of(admin.page) == "/admin/users"
    admin.shot("admin-users")
    admin.page.get_by_label("ユーザーID").fill("kansa.suzuki")
    admin.page.get_by_label("氏名").fill("鈴木 花子")
    admin.page.get_by_label("役割").select_option("auditor")
    press(admin.page, "登録する")
    assert admin.page.locator("#shown-user-id").inner_text() == "kansa.suzuki"
    initial = admin.page.locator("#initial-password").inner_text().strip()
    assert len(initial) >= 8
    admin.shot("user-created")
    admin.page.goto("/admin/users")
    row = admin.page.get_by_role("row").filter(has_text="kansa.suzuki")
    assert "鈴木 花子" in row.inner_text()
    assert "監査担当" in row.inner_text()
    assert initial not in admin.page.content()  # shown once, on the page after adding only

    auditor = open_tab()
    first_sign_in(auditor, "kansa.suzuki", initial)
    auditor.shot("verify-form")
    check_valid_report(auditor, signed_pdf)
    assert drawn_with_vendored_font(auditor, "article.report h1")
    auditor.shot("report-valid")
    follow(auditor.page, "別のファイルを検証する")
    check_altered_report(auditor, altered(signed_pdf))
    auditor.shot("report-invalid")


def check_valid_report(tab: Tab, signed: bytes) -> None:
    """Upload ``signed``: the report says valid and shows the validity matrix."""
    upload(tab, "sample.pdf", signed)
    report = tab.page.locator("article.report")
    assert report.get_attribute("data-verdicts") == "valid"
    overview = report.locator("table.overview tbody tr")
    assert overview.count() == 1
    assert "sample.pdf" in overview.inner_text()
    assert "有効" in overview.inner_text()
    assert "[valid]" in overview.inner_text()
    matrix = report.locator("table.matrix")
    assert matrix.count() == 1
    assert matrix.is_visible()
    cells = matrix.locator("tbody td")
    assert cells.count() > 0
    assert set(cells.all_inner_texts()) <= {"有効", "—"}
    assert "有効" in cells.all_inner_texts()


def check_altered_report(tab: Tab, changed: bytes) -> None:
    """Upload ``changed``: the report says why it is not valid."""
    upload(tab, "altered.pdf", changed)
    report = tab.page.locator("article.report")
    assert report.get_attribute("data-verdicts") == "invalid-integrity"
    text = report.inner_text()
    assert "改ざん検知（署名対象または署名値が不一致）" in text
    assert "[invalid-integrity]" in report.locator("table.overview").inner_text()
    reason = report.locator("section.document table.form tr").filter(
        has=tab.page.locator("th", has_text=re.compile(r"^理由$"))).first
    assert "/ByteRange" in reason.inner_text()  # the signed bytes' digest differs
    assert "改ざん" in report.locator("table.matrix").inner_text()


def test_vendored_font_draws_the_japanese(open_tab: Callable[..., Tab]) -> None:
    tab = open_tab()
    tab.page.goto("/login")
    assert tab.page.get_by_role("heading", level=1).inner_text() == "ログイン"
    assert loaded_font_families(tab) == ["pdfsign Mincho"]
    assert tab.page.evaluate("document.fonts.check('16px \"pdfsign Mincho\"', 'ログイン')")
    assert drawn_with_vendored_font(tab, "h1"), platform_fonts(tab, "h1")


def test_without_the_font_file_the_font_checks_fail(open_tab: Callable[..., Tab]) -> None:
    """The control for the test above: this machine has no Japanese font of its own."""
    tab = open_tab()
    tab.page.route("**/fonts/ipaexm.ttf", lambda route: route.abort())
    tab.page.goto("/login")
    assert loaded_font_families(tab) == []
    assert not drawn_with_vendored_font(tab, "h1"), platform_fonts(tab, "h1")
    assert [line for line in tab.broken if "ipaexm.ttf" in line]
    tab.broken.clear()


def loaded_font_families(tab: Tab) -> list[str]:
    """The families of the page's font faces that loaded, once loading is over."""
    families: list[str] = tab.page.evaluate("""async () => {
        await document.fonts.ready;
        return [...new Set([...document.fonts].filter(f => f.status === "loaded")
                                              .map(f => f.family.replace(/["']/g, "")))];
    }""")
    return families


def drawn_with_vendored_font(tab: Tab, selector: str) -> bool:
    """Whether every glyph of the element's text was drawn with the vendored IPAex Mincho."""
    text = tab.page.locator(selector).first.inner_text()
    drawn = platform_fonts(tab, selector)
    return (all(font["familyName"] == "IPAexMincho" and font["isCustomFont"] for font in drawn)
            and sum(int(str(font["glyphCount"])) for font in drawn) == len(text.strip()))


def platform_fonts(tab: Tab, selector: str) -> list[dict[str, object]]:
    """The fonts Chromium really drew the element's text with (DevTools' "Rendered fonts")."""
    cdp = tab.context.new_cdp_session(tab.page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts: list[dict[str, object]] = cdp.send("CSS.getPlatformFontsForNode",
                                              {"nodeId": node})["fonts"]
    cdp.detach()
    return fonts


def test_sign_in_and_verification_work_without_javascript(
        open_tab: Callable[..., Tab], make_user: Callable[..., str], signed_pdf: bytes,
        pki_url_server: str) -> None:
    tab = open_tab(java_script=False)
    first_sign_in(tab, "kansa.ito", make_user("kansa.ito", Role.AUDITOR))
    check_valid_report(tab, signed_pdf)
    tab.shot("report-valid-nojs")
    follow(tab.page, "別のファイルを検証する")
    check_altered_report(tab, altered(signed_pdf))


#: An inline style, an inline script and a stylesheet that does not exist, added to a page.
_FORBIDDEN = """() => {
    const style = document.createElement("style");
    style.textContent = "body { color: rgb(255, 0, 0) }";
    const script = document.createElement("script");
    script.textContent = "document.body.dataset.ran = 'yes'";
    const sheet = Object.assign(document.createElement("link"),
                                {rel: "stylesheet", href: "/static/missing.css"});
    document.head.append(style, script, sheet);
}"""


def test_the_watch_sees_csp_violations_and_broken_resources(
        open_tab: Callable[..., Tab]) -> None:
    """The control for every test's watch: the browser enforces the CSP, and says so."""
    tab = open_tab()
    page = tab.page
    page.goto("/login")
    # a 404 page is text/html, and with nosniff Chromium refuses it as a stylesheet
    with page.expect_event("requestfailed", lambda request: "missing.css" in request.url):
        page.evaluate(_FORBIDDEN)
    assert page.evaluate("getComputedStyle(document.body).color") != "rgb(255, 0, 0)"
    assert page.evaluate("document.body.dataset.ran") is None
    assert any("inline style" in line for line in tab.csp), tab.csp
    assert any("inline script" in line for line in tab.csp), tab.csp
    assert [line for line in tab.broken if "missing.css" in line], tab.broken
    tab.csp.clear()
    tab.broken.clear()
