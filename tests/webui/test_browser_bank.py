"""Delivery to banks in a real browser (issue 15): Chromium over a live server.

Each test has its own installation (conftest's ``app``); bank users sign in for the first
time through the forms (the forced password change included), as a person does.  Files a
test only needs to exist are stand-ins put into the registry directly (as in
``test_bank_pages``); the distribution-link test issues and re-issues a real guarantee
through :mod:`pdfsign.issuing` in a thread of its own (pyHanko cannot sign in this one while
the browser is open) and takes the link from the newest outbox mail.  No tab may see a CSP
violation or a broken resource (``browser_support``); some pages are saved as full-page PNGs
under ``tests/artifacts/screenshots/``.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import secrets
import uuid
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
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
from conftest import Clock
from flask import Flask
from issuing_support import FILE_ID, GUARANTEE, PIN
from playwright.sync_api import Download, Error, Page

from pdfsign import issuing
from pdfsign.accounts import Role, get_user
from pdfsign.notify import LINK_INVALID_MESSAGE, email_for, list_outbox
from pdfsign.notify.tables import OutboxRow
from pdfsign.registry import NewFile, Registry, set_bank

DAY = dt.date(2026, 10, 1)
HEAD, BRANCH, OTHER_HEAD = "14234500001", "14234500201", "14555500001"
#: name → (n, bank, branch) of the stand-in files.
FILES = {"a-002": (1, "2345", "002"), "b-002": (2, "2345", "002"),
         "a-003": (3, "2345", "003"), "other": (4, "5555", "001")}
#: The path of a distribution link in a mail's body (the host is the installation's).
_LINK = re.compile(r"https?://[^/\s]+(/d/[A-Za-z0-9_-]{22,})")
#: The page a lapsed link answers with (``bank.link_gone``).
LINK_GONE = "このリンクは使えません"


# -- the installation ------------------------------------------------------------------------

def _new_file(n: int, bank: str, branch: str) -> NewFile:
    customer, guarantee = f"{n:09d}", f"{1000000000 + n:010d}"
    return NewFile(file_id=f"14_{bank}{branch}_{customer}_{guarantee}_000", kind="guarantee",
                   association_code="14", bank_code=bank, branch_code=branch,
                   customer_number=customer, guarantee_number=guarantee, change_number="000",
                   customer_name=f"顧客{n}", guarantee_date=DAY)


def _stand_in(*_: object) -> bytes:
    """Stand-in PDF bytes: the registry stores them without parsing."""
    return f"%PDF-1.7\n% {uuid.uuid4()}\n%%EOF\n".encode()


@pytest.fixture
def registry(app: Flask, clock: Clock) -> Registry:
    """This installation's registry, with banks 2345 and 5555 under agreement."""
    found: Registry = app.extensions["pdfsign"].registry
    for code, name in (("2345", "みらい銀行"), ("5555", "ひかり銀行")):
        set_bank(found, code=code, name=name, start=dt.date(2026, 1, 1), actor="test",
                 at=clock())
    return found


@pytest.fixture
def filled(registry: Registry, clock: Clock) -> dict[str, str]:
    """The stand-in files of :data:`FILES`; name → file ID."""
    ids = {}
    for name, (n, bank, branch) in FILES.items():
        new = _new_file(n, bank, branch)
        registry.issue(new, _stand_in, actor="test", at=clock())
        ids[name] = new.file_id
    return ids


@pytest.fixture
def bank_user(open_tab: Callable[..., Tab], make_user: Callable[..., str]
              ) -> Callable[..., Tab]:
    """``bank_user(user_id, role, java_script=True)``: a tab where that new bank user has
    signed in for the first time (the forced change included) and reached their search."""
    def open_(user_id: str, role: Role, *, java_script: bool = True) -> Tab:
        initial = make_user(user_id, role, email=f"{user_id}@bank.example")
        tab = open_tab(java_script=java_script)
        sign_in(tab, user_id, initial)
        assert path_of(tab.page) == "/password", tab.page.url
        change_password(tab, initial)
        assert path_of(tab.page) == "/bank/files", tab.page.url
        assert "パスワードを変更しました。" in tab.page.get_by_role("status").inner_text()
        return tab
    return open_


# -- what a person sees and does -------------------------------------------------------------

def listed(page: Page) -> list[str]:
    """The file IDs of the search results, in the order shown."""
    return [cell.strip() for cell in page.locator("table.files tbody tr td:nth-child(2)")
            .all_inner_texts()]


def branches(page: Page) -> set[str]:
    """The bank-branch column of the results."""
    return {cell.strip() for cell in page.locator("table.files tbody tr td:nth-child(4)")
            .all_inner_texts()}


def downloaded(download: Download) -> bytes:
    """What the browser saved."""
    return Path(download.path()).read_bytes()


def click_download(page: Page, file_id: str) -> Download:
    """Click the result's file ID: the download the browser made."""
    with page.expect_download() as download:
        page.get_by_role("link", name=file_id, exact=True).click()
    return download.value


def open_link(page: Page, path: str) -> Download:
    """Open a distribution link as if from the mail: the download it started."""
    with page.expect_download() as download:
        try:
            page.goto(path)
        except Error as exc:  # the navigation turns into a download and is aborted
            if "Download is starting" not in exc.message and "ERR_ABORTED" not in exc.message:
                raise
    return download.value


def settle(page: Page) -> None:
    """Lay the page out and wait for the fonts it asked for (a navigation or closing the tab
    would abort a font still loading, which the watch counts as a broken resource)."""
    page.evaluate("async () => { document.body.getBoundingClientRect(); "
                  "await document.fonts.ready; }")


# -- the tests -------------------------------------------------------------------------------

def test_a_head_office_sees_every_branch_and_a_branch_only_its_own(
        filled: dict[str, str], bank_user: Callable[..., Tab], registry: Registry) -> None:
    head = bank_user(HEAD, Role.BANK_HEAD)
    page = head.page
    assert page.get_by_role("heading", level=1).inner_text() == "保証書の検索・ダウンロード"
    assert "金融機関 2345 の全支店" in page.locator("main .hint").first.inner_text()
    assert sorted(listed(page)) == sorted([filled["a-002"], filled["b-002"], filled["a-003"]])
    assert branches(page) == {"2345-002", "2345-003"}
    head.shot("bank-search-head")
    saved = click_download(page, filled["a-003"])
    assert saved.suggested_filename == f"{filled['a-003']}.pdf"
    assert downloaded(saved) == registry.pdf(filled["a-003"])[1]  # the current version

    branch = bank_user(BRANCH, Role.BANK_BRANCH)
    page = branch.page
    assert "支店 2345-002" in page.locator("main .hint").first.inner_text()
    assert sorted(listed(page)) == sorted([filled["a-002"], filled["b-002"]])
    assert branches(page) == {"2345-002"}
    branch.shot("bank-search-branch")
    for hidden in ("a-003", "other"):  # answered as if they did not exist
        answer = page.goto(f"/bank/files/{filled[hidden]}.pdf")
        assert answer is not None
        assert answer.status == 404, hidden


def test_a_transferred_file_leaves_the_old_banks_view(
        filled: dict[str, str], bank_user: Callable[..., Tab], registry: Registry,
        clock: Clock) -> None:
    moved = filled["b-002"]
    head, branch = bank_user(HEAD, Role.BANK_HEAD), bank_user(BRANCH, Role.BANK_BRANCH)
    for tab in (head, branch):
        assert moved in listed(tab.page)
    assert click_download(branch.page, moved).suggested_filename == f"{moved}.pdf"

    issuing.transfer(registry, moved, bank_code="5555", branch_code="001", actor="staff01",
                     at=clock())
    for tab in (head, branch):
        tab.page.reload()
        assert path_of(tab.page) == "/bank/files"  # still signed in
        shown = listed(tab.page)
        assert moved not in shown
        assert filled["a-002"] in shown  # the rest is still there
        answer = tab.page.goto(f"/bank/files/{moved}.pdf")
        assert answer is not None
        assert answer.status == 404
    other = bank_user(OTHER_HEAD, Role.BANK_HEAD)  # it went to the new bank, not away
    assert sorted(listed(other.page)) == sorted([filled["other"], moved])


@pytest.fixture
def sign_aside(app: Flask, registry: Registry) -> Iterator[Callable[..., Any]]:
    """``sign_aside(action, data, **kwargs)``: run ``pdfsign.issuing.<action>`` as issuer01
    with the web's issuer (its notification settings) in a thread of its own, where pyHanko
    may sign; its result."""
    context = app.extensions["pdfsign"]

    def run(action: str, data: Mapping[str, Any], **kwargs: Any) -> Any:
        issuer = context.issuer("", PIN, actor="issuer01")
        return getattr(issuing, action)(issuer, data, at=context.now(), **kwargs)

    with ThreadPoolExecutor(max_workers=1) as pool:
        yield lambda action, data, **kwargs: pool.submit(run, action, data, **kwargs).result()


def link_of_newest_mail(app: Flask, version: int) -> str:
    """The distribution link's path in the newest notification of ``FILE_ID``."""
    registry, settings = app.extensions["pdfsign"].registry, app.extensions["pdfsign"].settings
    newest = list_outbox(registry, file_id=FILE_ID)[-1]
    assert (newest.recipient, newest.version) == (f"{BRANCH}@bank.example", version)
    with registry.reading() as session:
        row = session.get(OutboxRow, newest.id)
        assert row is not None
        part = email_for(row, settings).get_body()
    assert part is not None
    body = part.get_content()
    found = _LINK.search(body)
    assert found, body
    return found.group(1)


def test_a_distribution_link_downloads_until_a_reissue_and_until_it_expires(
        app: Flask, registry: Registry, clock: Clock, make_user: Callable[..., str],
        open_tab: Callable[..., Tab], sign_aside: Callable[..., Any]) -> None:
    set_bank(registry, code="2345", name="みらい銀行", start=dt.date(2026, 1, 1),
             mode="distribution", actor="test", at=clock())
    make_user(BRANCH, Role.BANK_BRANCH, email=f"{BRANCH}@bank.example")
    assert sign_aside("issue", GUARANTEE).file_id == FILE_ID
    first = link_of_newest_mail(app, 1)
    anonymous = open_tab()  # never signed in
    saved = open_link(anonymous.page, first)
    assert saved.suggested_filename == f"{FILE_ID}.pdf"
    assert downloaded(saved) == registry.pdf(FILE_ID, 1)[1]

    corrected = copy.deepcopy(GUARANTEE) | {"debtor_name": "株式会社山田製作所（訂正）"}
    assert sign_aside("reissue", corrected, file_id=FILE_ID, expected_version=1).number == 2
    gone = anonymous.page.goto(first)
    assert gone is not None
    assert gone.status == 410
    assert gone.headers["referrer-policy"] == "no-referrer"  # the token never leaves
    said = gone.text()
    assert LINK_INVALID_MESSAGE in said
    assert FILE_ID not in said  # the page leaks nothing
    assert GUARANTEE["debtor_name"] not in said
    anonymous.shot("link-gone")

    fresh = link_of_newest_mail(app, 2)
    assert fresh != first
    assert downloaded(open_link(open_tab().page, fresh)) == registry.pdf(FILE_ID, 2)[1]
    clock.advance(dt.timedelta(days=7, minutes=1))
    late = open_tab().page
    expired = late.goto(fresh)
    assert expired is not None
    assert expired.status == 410
    assert LINK_INVALID_MESSAGE in expired.text()
    settle(late)



def test_a_lapsed_link_answers_with_a_page_a_person_can_read(
        open_tab: Callable[..., Tab]) -> None:
    tab = open_tab()
    page = tab.page
    answer = page.goto(f"/d/{secrets.token_urlsafe(32)}")  # one page for every lapsed link
    assert answer is not None
    assert answer.status == 410
    assert answer.headers["content-type"].startswith("text/html")
    assert page.get_by_role("heading", level=1).inner_text() == LINK_GONE
    assert page.get_by_role("alert").inner_text() == LINK_INVALID_MESSAGE
    settle(page)
    follow(page, "ログイン")
    assert path_of(page) == "/login"


def test_the_notification_setting_works_without_javascript(
        bank_user: Callable[..., Tab], registry: Registry) -> None:
    tab = bank_user(BRANCH, Role.BANK_BRANCH, java_script=False)
    page = tab.page
    follow(page, "通知設定")
    assert path_of(page) == "/bank/settings"
    on, off = page.get_by_label("受け取る", exact=True), page.get_by_label("受け取らない",
                                                                       exact=True)
    assert on.is_checked()
    assert not off.is_checked()
    assert f"送信先: {BRANCH}@bank.example" in page.get_by_role("main").inner_text()
    off.check()
    press(page, "保存する")
    assert path_of(page) == "/bank/settings"
    assert "保存しました。" in page.get_by_role("status").inner_text()
    page.reload()
    assert off.is_checked()
    assert not on.is_checked()
    assert not get_user(registry, BRANCH).notify
    tab.shot("bank-settings-nojs")
