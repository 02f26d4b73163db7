"""Issuing and the registry in a real browser (issue 14): Chromium over a live server.

Each test has its own installation (conftest's ``app``) with the samples' bank and an issuer
who signs in for the first time; forms are filled field by field through their Japanese
labels, as a person does, from the sample data files.  Documents a test only needs to exist
are issued through :mod:`pdfsign.issuing` directly (in a thread of their own: pyHanko cannot
sign in this one while the browser is open).  Every page visited is saved as a full-page
PNG under ``tests/artifacts/screenshots/``; no tab may see a CSP violation or a broken
resource (``browser_support``).
"""

from __future__ import annotations

import copy
import csv
import io
import json
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from browser_support import (  # noqa: F401  (the fixtures: browser, open_tab, site)
    Tab,
    first_sign_in,
    fixture_browser,
    fixture_open_tab,
    fixture_site,
    follow,
    path_of,
    press,
)
from conftest import Clock
from flask import Flask
from issuing_support import FILE_ID, GUARANTEE, INVOICE, PIN, with_bank
from playwright.sync_api import Download, FilePayload, Locator, Page

from pdfsign import issuing
from pdfsign.accounts import Role
from pdfsign.documents import parse_document
from pdfsign.errors import InputError
from pdfsign.registry import Registry
from pdfsign.signing import load_signer, signer_path

#: The guarantee form's label for each field of the sample (the domain's Japanese labels).
GUARANTEE_LABELS = {
    "association.name": "協会名", "association.code": "協会コード",
    "association.department": "担当部署", "association.address": "所在地",
    "association.phone": "電話番号",
    "bank.name": "金融機関名", "bank.code": "統一金融機関番号",
    "branch.name": "支店名", "branch.code": "統一店番号",
    "customer_number": "顧客番号", "guarantee_number": "保証番号", "change_number": "条変番号",
    "debtor_name": "被保証人（筆頭債務者）氏名・名称", "debtor_address": "被保証人住所",
    "issue_date": "発行日", "guarantee_date": "保証日・条件変更決定日",
    "guaranteed_amount": "保証金額", "loan_amount": "貸付金額", "loan_term_months": "貸付期間",
    "repayment_method": "返済方法", "scheme": "保証制度", "conditions": "保証条件",
}
#: The invoice form's labels (its lines are ``<n>行目 <column>``).
INVOICE_LABELS = {
    "issuer_name": "発行事業者名", "registration_number": "登録番号",
    "issuer_address": "発行事業者住所", "issuer_phone": "電話番号",
    "issuer_email": "メールアドレス", "recipient_name": "宛名", "invoice_number": "請求書番号",
    "issue_date": "請求日", "due_date": "お支払期限", "bank_account": "お振込先",
}
LINE_LABELS = {"transaction_date": "取引日", "description": "品名・内容",
               "unit_price": "単価（税抜）", "quantity": "数量"}
TAX_RATES = {10: "10%（標準税率）", 8: "8%（軽減税率）※"}
#: Fields typed as a person writes yen: with thousands separators.
YEN = frozenset({"guaranteed_amount", "loan_amount", "unit_price"})
#: A second guarantee: another customer of the same branch.
OTHER = copy.deepcopy(GUARANTEE) | {"customer_number": "000000777",
                                    "debtor_name": "有限会社ほしぞら"}
OTHER_ID = "14_2345002_000000777_2026001234_000"
FILE_PAGE = f"/files/{FILE_ID}"
#: The batch's rows spoiled (0-based), and the reason each is refused for.
SPOILED = {9: ({"bank": {"name": "みらい銀行", "code": "9999"}}, "unknown-bank"),
           29: ({"customer_number": "1234-5678"}, "invalid-input")}
#: Longest the batch may take (50 signatures on a loaded 2-core machine).
BATCH_PATIENCE_MS = 180_000


# -- the installation and the issuer ---------------------------------------------------------

@pytest.fixture
def registry(app: Flask, clock: Clock) -> Registry:
    """This installation's registry, with the samples' bank."""
    found: Registry = app.extensions["pdfsign"].registry
    with_bank(found, clock())
    return found


@pytest.fixture
def issuer(registry: Registry, open_tab: Callable[..., Tab],
           make_user: Callable[..., str]) -> Tab:
    """A tab where issuer01 has signed in for the first time."""
    tab = open_tab()
    first_sign_in(tab, "issuer01", make_user("issuer01", Role.ISSUER, name="田中 次郎"))
    return tab


@pytest.fixture
def issue_directly(app: Flask, registry: Registry) -> Iterator[Callable[..., str]]:
    """``issue_directly(data)``: issue ``data`` as issuer01 the way the web does, without the
    browser (in a thread: pyHanko's ``asyncio.run`` cannot run beside Playwright's loop);
    its file ID."""
    context = app.extensions["pdfsign"]

    def issue(data: Mapping[str, Any]) -> str:
        signer = load_signer(signer_path(context.settings.signer, context.settings.pki_dir), PIN)
        actor = issuing.Issuer(registry, signer, context.services, "issuer01")
        return issuing.issue(actor, data, at=context.now()).file_id

    with ThreadPoolExecutor(max_workers=1) as pool:
        yield lambda data: pool.submit(issue, data).result()


# -- what a person does ----------------------------------------------------------------------

def typed(key: str, value: object) -> str:
    """``value`` as a person types it into the field ``key``."""
    last = key.rsplit(".", 1)[-1]
    return f"{value:,}" if last in YEN and isinstance(value, int) else str(value)


def labelled(page: Page, label: str) -> Locator:
    """The input whose label is ``label`` (followed by its 必須/任意 mark, if any)."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}(\s|$)"))


def fill_in(page: Page, labels: Mapping[str, str], data: Mapping[str, Any]) -> None:
    """Type every value of ``data`` (nested records as ``a.b``) into its labelled input."""
    for key, value in flat(data).items():
        labelled(page, labels[key]).fill(typed(key, value))


def flat(data: Mapping[str, Any], prefix: str = "") -> dict[str, object]:
    """``data``'s leaf values by dotted path, without what the form does not ask for."""
    out: dict[str, object] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out |= flat(value, f"{name}.")
        elif key not in ("kind", "issue_count", "lines"):
            out[name] = value
    return out


def fill_line(page: Page, number: int, line: Mapping[str, Any]) -> None:
    """Type one invoice line into the editor's row ``number`` (1-based)."""
    for key, label in LINE_LABELS.items():
        page.get_by_label(f"{number}行目 {label}", exact=True).fill(typed(key, line[key]))
    page.get_by_label(f"{number}行目 税率", exact=True).select_option(
        label=TAX_RATES[line["tax_rate"]])


def text(page: Page, selector: str) -> str:
    """The text of the one element ``selector`` finds, stripped."""
    return page.locator(selector).inner_text().strip()


def preview_image_width(page: Page) -> int:
    """The preview's first-page image's intrinsic width (0 if it did not load)."""
    width: int = page.locator(".preview img").evaluate("img => img.complete && img.naturalWidth")
    return width


def sign_with_pin(page: Page) -> None:
    """On the preview: type the signing PIN and sign."""
    page.get_by_label("署名用PIN", exact=True).fill(PIN)
    press(page, "署名して発行する")


def history_rows(page: Page) -> Locator:
    """The file page's history, one row per version."""
    return page.locator("#history tbody tr")


def downloaded(download: Download) -> bytes:
    """What the browser saved."""
    return Path(download.path()).read_bytes()


def zip_from(page: Page, button: str) -> zipfile.ZipFile:
    """Press the download button ``button``: the ZIP the browser saved."""
    with page.expect_download() as download:
        page.get_by_role("button", name=button, exact=True).click()
    assert download.value.suggested_filename.endswith(".zip")
    return zipfile.ZipFile(io.BytesIO(downloaded(download.value)))


def listed_in(archive: zipfile.ZipFile) -> list[str]:
    """The file IDs ``files.csv`` lists."""
    rows = csv.DictReader(io.StringIO(archive.read("files.csv").decode("utf-8-sig")))
    return [row["file_id"] for row in rows]


def listed(page: Page) -> list[str]:
    """The file IDs of the search results, in the order shown."""
    return [cell.strip() for cell in page.locator("table.files tbody tr td:nth-child(2)")
            .all_inner_texts()]


def batch_rows(count: int) -> bytes:
    """``count`` guarantees with distinct customer numbers, as JSON lines, the
    :data:`SPOILED` ones refused."""
    lines = []
    for index in range(count):
        row = copy.deepcopy(GUARANTEE) | {"customer_number": f"{index + 1:09d}"}
        row |= SPOILED.get(index, ({}, ""))[0]
        lines.append(json.dumps(row, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode("utf-8")


# -- the tests -------------------------------------------------------------------------------

def test_a_guarantee_is_issued_from_its_form_after_a_refusal_and_the_preview(
        issuer: Tab, registry: Registry) -> None:
    page = issuer.page
    assert set(flat(GUARANTEE)) == set(GUARANTEE_LABELS)  # the sample fills the whole form
    follow(page, "発行")
    assert page.get_by_role("heading", level=1).inner_text() == "発行"
    issuer.shot("issue-kinds")
    follow(page, "信用保証書")
    assert path_of(page) == "/issue/guarantee"
    assert page.get_by_role("heading", level=1).inner_text() == "信用保証書"
    issuer.shot("guarantee-form")
    bad = GUARANTEE | {"customer_number": "1234-5678"}  # (the input takes at most 9 characters)
    fill_in(page, GUARANTEE_LABELS, bad)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        press(page, "プレビューへ")
    assert answer.value.status == 400
    with pytest.raises(InputError) as refusal:
        parse_document(bad)
    field = page.locator(".field.invalid")
    assert field.count() == 1  # only the bad field, and the message beside it
    assert field.get_by_role("textbox").input_value() == "1234-5678"  # as typed
    assert field.locator(".error").inner_text() == refusal.value.message
    assert labelled(page, "顧客番号").get_attribute("aria-invalid") == "true"
    assert page.get_by_role("alert").get_by_role("link").all_inner_texts() == ["顧客番号"]
    assert labelled(page, "被保証人住所").input_value() == GUARANTEE["debtor_address"]
    issuer.shot("guarantee-form-error")

    labelled(page, "顧客番号").fill(GUARANTEE["customer_number"])
    press(page, "プレビューへ")
    assert re.fullmatch(r"/issue/drafts/[A-Za-z0-9_-]{43}", path_of(page)), page.url
    assert preview_image_width(page) > 0
    assert text(page, "#preview-file-id") == FILE_ID
    assert text(page, "#preview-issue-count") == "1"
    issuer.shot("preview")
    sign_with_pin(page)

    assert path_of(page) == FILE_PAGE
    assert "発行しました。" in page.get_by_role("status").inner_text()
    assert text(page, "#file-issue-count") == "1"
    assert text(page, "#file-state") == "発行済"
    assert history_rows(page).count() == 1
    assert registry.file(FILE_ID).issue_count == 1
    issuer.shot("file-page-issued")


def test_a_reissue_counts_two_and_both_versions_download_and_verify(
        issuer: Tab, registry: Registry, issue_directly: Callable[..., str]) -> None:
    issue_directly(GUARANTEE)
    page = issuer.page
    page.goto(FILE_PAGE)
    follow(page, "再発行")
    assert path_of(page) == "/issue/guarantee"
    assert "発行回数は2になります" in page.get_by_role("status").inner_text()
    debtor = labelled(page, GUARANTEE_LABELS["debtor_name"])
    assert debtor.input_value() == GUARANTEE["debtor_name"]  # prefilled from version 1
    debtor.fill("株式会社山田製作所（訂正）")
    issuer.shot("reissue-form")
    press(page, "プレビューへ")
    assert text(page, "#preview-issue-count") == "2"
    assert text(page, "#preview-file-id") == FILE_ID
    assert preview_image_width(page) > 0
    issuer.shot("reissue-preview")
    sign_with_pin(page)

    assert path_of(page) == FILE_PAGE
    assert text(page, "#file-issue-count") == "2"
    rows = history_rows(page)
    assert rows.count() == 2
    assert [row.split("\t")[:3] for row in rows.all_inner_texts()] == [
        ["1", "発行", "1"], ["2 (現在)", "再発行", "2"]]
    issuer.shot("file-page-history")
    saved = {}
    for number in (1, 2):
        with page.expect_download() as download:
            rows.nth(number - 1).get_by_role("link", name="PDF").click()
        assert download.value.suggested_filename == f"{FILE_ID}.v{number}.pdf"
        saved[number] = downloaded(download.value)
        assert saved[number] == registry.pdf(FILE_ID, number)[1]
    assert saved[1] != saved[2]
    for number in (1, 2):
        page.goto(FILE_PAGE)
        history_rows(page).nth(number - 1).get_by_role("link", name="署名検証").click()
        page.wait_for_load_state("load")
        report = page.locator("article.report")
        assert report.get_attribute("data-verdicts") == "valid", number
        assert f"{FILE_ID}.v{number}.pdf" in report.locator("table.overview").inner_text()
        issuer.shot(f"version-{number}-report")


def test_invalidating_with_the_pin_makes_the_notice_current(
        issuer: Tab, registry: Registry, issue_directly: Callable[..., str]) -> None:
    issue_directly(GUARANTEE)
    page = issuer.page
    page.goto(FILE_PAGE)
    form = page.locator("form").filter(has=page.get_by_role("button", name="無効にする"))
    form.get_by_label("理由").select_option(label="融資実行の取消し")
    form.get_by_label("署名用PIN").fill(PIN)
    press(page, "無効にする")

    assert path_of(page) == FILE_PAGE
    assert "無効通知書で上書きしました。" in page.get_by_role("status").inner_text()
    state, *dates = text(page, "#file-state").split(" · ")
    assert (state, len(dates)) == ("無効", 1)
    assert dates[0].endswith("に削除予定")
    assert text(page, "#file-version") == "2"
    newest = history_rows(page).last
    assert newest.get_attribute("class") == "current"
    assert "無効通知書 (融資実行の取消し)" in newest.inner_text()
    assert page.locator("#reissue-link").count() == 0  # nothing more to do on an invalid file
    assert registry.file(FILE_ID).state == "invalidated"
    issuer.shot("file-page-invalidated")


def test_the_seed_invoice_through_the_line_editor(issuer: Tab, registry: Registry) -> None:
    page = issuer.page
    assert set(flat(INVOICE)) == set(INVOICE_LABELS)  # and the lines, row by row below
    page.goto("/issue/invoice")
    fill_in(page, INVOICE_LABELS, INVOICE)
    first, second = INVOICE["lines"]
    fill_line(page, 1, first)
    editor = page.locator("table.lines tbody tr")
    assert editor.count() == 5
    press(page, "行を追加（最大25行）")
    assert editor.count() == 10
    assert page.get_by_label("1行目 品名・内容", exact=True).input_value() == first["description"]
    assert labelled(page, "宛名").input_value() == INVOICE["recipient_name"]  # kept
    fill_line(page, 2, second)
    issuer.shot("invoice-form")
    press(page, "プレビューへ")

    assert re.fullmatch(r"/issue/drafts/[A-Za-z0-9_-]{43}", path_of(page)), page.url
    assert page.locator("#rate-10 td").all_inner_texts() == ["31,800円", "3,180円"]
    assert page.locator("#rate-8").count() == 0
    assert page.locator("#subtotal td").all_inner_texts() == ["31,800円", "3,180円"]
    assert text(page, "#grand-total td") == "34,980円"
    assert preview_image_width(page) > 0
    file_id = text(page, "#preview-file-id")
    issuer.shot("invoice-preview")
    sign_with_pin(page)

    assert path_of(page) == f"/files/{file_id}"
    assert "発行しました。" in page.get_by_role("status").inner_text()
    info = registry.file(file_id)
    assert (info.kind, info.current_version) == ("invoice", 1)
    issuer.shot("invoice-issued")


def test_search_filters_sorts_and_downloads_the_selected_rows_as_a_zip(
        issuer: Tab, issue_directly: Callable[..., str]) -> None:
    assert [issue_directly(GUARANTEE), issue_directly(OTHER)] == [FILE_ID, OTHER_ID]
    page = issuer.page
    follow(page, "ファイル検索")
    assert text(page, "#result-count").startswith("2 件")
    labelled(page, "顧客名").fill("ほしぞら")
    press(page, "検索する")
    assert text(page, "#result-count").startswith("1 件")
    assert listed(page) == [OTHER_ID]
    issuer.shot("search-filtered")
    labelled(page, "顧客名").fill("")
    press(page, "検索する")
    assert sorted(listed(page)) == sorted([FILE_ID, OTHER_ID])

    follow(page, "顧客番号")
    assert listed(page) == [OTHER_ID, FILE_ID]  # 000000777 < 012345678
    follow(page, "顧客番号 ▲")
    assert listed(page) == [FILE_ID, OTHER_ID]
    assert page.get_by_role("link", name="顧客番号 ▼").count() == 1
    page.get_by_label(f"選択 {OTHER_ID}", exact=True).check()
    issuer.shot("search-results")
    chosen = zip_from(page, "選択したファイルをZIPでダウンロード")
    assert chosen.namelist() == [f"{OTHER_ID}.pdf", "files.csv"]
    assert chosen.read(f"{OTHER_ID}.pdf").startswith(b"%PDF-")
    assert listed_in(chosen) == [OTHER_ID]
    every = zip_from(page, "検索結果をすべてZIPでダウンロード")
    assert sorted(every.namelist()) == sorted([f"{FILE_ID}.pdf", f"{OTHER_ID}.pdf",
                                               "files.csv"])
    assert sorted(listed_in(every)) == sorted([FILE_ID, OTHER_ID])


def test_a_batch_of_fifty_rows_two_bad_is_watched_until_it_finishes(issuer: Tab) -> None:
    page = issuer.page
    follow(page, "発行")
    page.get_by_role("main").get_by_role("link", name="一括発行", exact=True).click()
    page.wait_for_load_state("load")
    assert path_of(page) == "/batches"
    chosen: FilePayload = {"name": "guarantees.jsonl", "mimeType": "application/x-ndjson",
                           "buffer": batch_rows(50)}
    page.get_by_label("バッチファイル（CSV または JSONL）", exact=True).set_input_files(chosen)
    page.get_by_label("署名用PIN", exact=True).fill(PIN)
    press(page, "発行を開始する")
    assert re.fullmatch(r"/batches/[0-9a-f]{16}", path_of(page)), page.url
    loads: list[str] = []
    page.on("load", lambda loaded: loads.append(loaded.url))
    refresh = page.locator('meta[http-equiv="refresh"]')
    assert refresh.count() == 1  # 50 signatures take a while: it is running, and refreshes
    page.locator(".batch-status.done").wait_for(timeout=BATCH_PATIENCE_MS)
    assert len(loads) >= 1, "the progress page never refreshed itself"
    assert refresh.count() == 0  # finished: it stops refreshing
    assert [text(page, f"#count-{status}") for status in ("issued", "skipped", "failed")
            ] == ["48", "0", "2"]
    assert page.locator("#progress").get_attribute("value") == "50"
    failed = page.locator("section").filter(has_text="エラーになった行").locator("tbody tr")
    assert [row.split("\t")[:2] for row in failed.all_inner_texts()] == [
        [str(index + 1), reason] for index, (_, reason) in sorted(SPOILED.items())]
    issuer.shot("batch")

    with page.expect_download() as download:
        follow(page, "CSV")
    table = downloaded(download.value).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(table)))
    assert len(rows) == 50
    assert Counter(row["status"] for row in rows) == {"issued": 48, "failed": 2}
    assert {(row["line"], row["reason"]) for row in rows if row["status"] == "failed"} == {
        (str(index + 1), reason) for index, (_, reason) in SPOILED.items()}
    assert all(row["error"] for row in rows if row["status"] == "failed")
    issued = {row["file_id"] for row in rows if row["status"] == "issued"}
    assert len(issued) == 48
