"""What the real-browser tests share: Chromium, the live site, watched tabs, a person's steps.

A browser test module imports the three fixtures (pytest finds fixtures in the module's
namespace; each is declared under its fixture name, so a test's ``open_tab`` parameter does
not shadow an import)::

    from browser_support import fixture_browser, fixture_open_tab, fixture_site  # noqa: F401

- ``browser`` — one headless Chromium per module: Debian's ``/usr/bin/chromium`` with the
  flags that keep it from calling home (Playwright's own browser download is not used).
  While it is open, Playwright's sync API holds an asyncio event loop in the test's thread,
  so nothing there may call ``asyncio.run`` (pyHanko signs that way): sign before (a
  higher-scoped fixture such as ``signed_pdf``) or in another thread (the live server's).
- ``site`` — this test's installation (conftest's ``app``) served by waitress on 127.0.0.1
  (:class:`webui.serving.ServerThread`); its base URL.
- ``open_tab`` — a fresh browser context (no cookies) on that site, watched: a
  Content-Security-Policy message on the console, or a sub-resource (stylesheet, font,
  image) that failed or answered 4xx/5xx, fails the test that caused it.

Pages are saved with :meth:`Tab.shot` as full-page PNGs under ``tests/artifacts/screenshots/``
for a person to look at; nothing is compared.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Response,
    sync_playwright,
)

from webui.serving import ServerThread

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "PASSWORD",
    "SCREENSHOTS",
    "Tab",
    "change_password",
    "first_sign_in",
    "fixture_browser",
    "fixture_open_tab",
    "fixture_site",
    "follow",
    "path_of",
    "press",
    "sign_in",
]

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"
#: What each test account's password is changed to (conftest's ``PASSWORD``).
PASSWORD = "Changed2026"
#: What Chromium prints for any CSP violation ("Applying inline style violates the following
#: Content Security Policy directive …", "Refused to load …").
_CSP_MESSAGE = re.compile(r"Content[ -]Security[ -]Policy", re.IGNORECASE)


# -- the browser, the live site and the watched tabs ------------------------------------------

@pytest.fixture(name="browser", scope="module")
def fixture_browser() -> Iterator[Browser]:
    """One headless Chromium for the module (closed before other modules' tests run)."""
    with sync_playwright() as playwright:  # a fresh temporary profile, removed on close
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(name="site")
def fixture_site(app: Flask) -> Iterator[str]:
    """This test's installation served on 127.0.0.1; its base URL."""
    with ServerThread(app) as server:
        yield server.url


@dataclass
class Tab:
    """A browser context with one page on the live site, and what went wrong in it."""

    context: BrowserContext
    page: Page
    #: Console lines that mention the Content-Security-Policy, with the page they came from.
    csp: list[str] = field(default_factory=list)
    #: Sub-resources (stylesheets, fonts, images) that failed or answered 4xx/5xx.
    broken: list[str] = field(default_factory=list)

    def shot(self, name: str) -> None:
        """Save the whole page as ``tests/artifacts/screenshots/<name>.png``."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)

    def watch(self) -> Tab:
        """Record CSP messages and broken sub-resources from now on."""
        self.context.on("console", self._on_console)
        self.context.on("response", self._on_response)
        self.context.on("requestfailed", self._on_failed)
        return self

    def _on_console(self, message: ConsoleMessage) -> None:
        if _CSP_MESSAGE.search(message.text):
            self.csp.append(f"{message.page.url if message.page else '?'}: {message.text}")

    def _on_response(self, response: Response) -> None:
        if response.status >= 400 and not response.request.is_navigation_request():
            self.broken.append(f"{response.status} {response.url}")

    def _on_failed(self, request: Request) -> None:
        if request.is_navigation_request():  # a page (or a download: its navigation aborts)
            return
        self.broken.append(f"failed {request.url}: {request.failure}")


@pytest.fixture(name="open_tab")
def fixture_open_tab(browser: Browser, site: str) -> Iterator[Callable[..., Tab]]:
    """``open_tab(java_script=True)``: a fresh context on this test's site.

    At the end every tab opened is closed (flushing its events) and must have seen no CSP
    violation and no broken sub-resource.
    """
    tabs: list[Tab] = []

    def open_(*, java_script: bool = True) -> Tab:
        context = browser.new_context(base_url=site, java_script_enabled=java_script,
                                      locale="ja-JP", viewport={"width": 1200, "height": 800})
        tab = Tab(context, context.new_page()).watch()
        tabs.append(tab)
        return tab

    yield open_
    for tab in tabs:
        tab.context.close()
    csp = [line for tab in tabs for line in tab.csp]
    broken = [line for tab in tabs for line in tab.broken]
    assert csp == [], f"CSP violations in the browser: {csp}"  # (no assertion rewriting here)
    assert broken == [], f"resources failed to load: {broken}"


# -- what a person does ---------------------------------------------------------------------

def press(page: Page, button: str) -> None:
    """Click the button named ``button`` and wait until the page it leads to has loaded.

    (``click`` returns once the navigation commits; the new page may still be parsing.)
    """
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state("load")


def follow(page: Page, link: str) -> None:
    """Click the link named ``link`` and wait until its page has loaded."""
    page.get_by_role("link", name=link, exact=True).click()
    page.wait_for_load_state("load")


def sign_in(tab: Tab, user_id: str, password: str) -> None:
    """Fill the sign-in form (Japanese labels) and send it."""
    page = tab.page
    page.goto("/login")
    page.get_by_label("ユーザーID").fill(user_id)
    page.get_by_label("パスワード").fill(password)
    press(page, "ログイン")


def change_password(tab: Tab, current: str, new: str = PASSWORD) -> None:
    """Fill the password-change form (Japanese labels) and send it."""
    page = tab.page
    page.get_by_label("現在のパスワード", exact=True).fill(current)
    page.get_by_label("新しいパスワード", exact=True).fill(new)
    page.get_by_label("新しいパスワード（確認）", exact=True).fill(new)
    press(page, "変更する")


def first_sign_in(tab: Tab, user_id: str, initial: str) -> None:
    """Sign in with an initial password, go through the forced change, reach a full session."""
    sign_in(tab, user_id, initial)
    assert path_of(tab.page) == "/password", tab.page.url  # (no assertion rewriting here)
    change_password(tab, initial)
    assert path_of(tab.page) == "/verify", tab.page.url


def path_of(page: Page) -> str:
    """The path of the page's URL (no host, no query)."""
    return re.sub(r"^https?://[^/]+", "", page.url).split("?")[0]
