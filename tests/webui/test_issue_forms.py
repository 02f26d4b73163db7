"""The document forms (``webui/issue/forms.py``) and their macros.

The forms are walked from the domain's ``FIELDS``; these tests walk ``FIELDS`` again on their
own and check that every declared field has its input, that every input's name is the path
the domain's errors use, that stored data round-trips through a form, and that the rendered
HTML labels every input and shows an error beside the input it names.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, g, render_template_string

from pdfsign.documents import DocumentKind, Invoice, json_schema, model_for, parse_document
from pdfsign.documents.fields import (
    Amount,
    Choice,
    Count,
    Day,
    Digits,
    Field,
    ListOf,
    Nested,
    Text,
    value_from_text,
)
from pdfsign.errors import InputError
from webui.issue.forms import (
    DEFAULT_ROWS,
    FORM_KINDS,
    Input,
    Repeat,
    data_from_form,
    form_for,
    line_rows_for,
    values_from_data,
)

SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "samples"
#: The sample data file of each form kind (the invoice has two).
SAMPLE_OF = {DocumentKind.GUARANTEE: "guarantee", DocumentKind.GUARANTEE_CHANGE: "guarantee-change",
             DocumentKind.TEST_SLIP: "test-slip", DocumentKind.INVOICE: "invoice-seed",
             DocumentKind.DELEGATION: "delegation"}
FORM_SAMPLES = ["guarantee", "guarantee-change", "test-slip", "invoice-seed", "invoice-25-lines",
                "delegation"]


def _sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLES / f"{name}.json").read_text("utf-8"))
    return data


def _declared(fields: Mapping[str, Field], prefix: str, rows: int) -> Iterator[str]:
    """Every leaf's JSON path, walked from ``FIELDS`` independently of the forms module."""
    for key, declared in fields.items():
        if declared.assigned:
            continue
        name = f"{prefix}.{key}" if prefix else key
        spec = declared.spec
        if isinstance(spec, Nested):
            yield from _declared(spec.record.FIELDS, name, rows)
        elif isinstance(spec, ListOf):
            for index in range(min(rows, spec.max_items)):
                if isinstance(spec.item, Nested):
                    yield from _declared(spec.item.record.FIELDS, f"{name}[{index}]", rows)
                else:
                    yield f"{name}[{index}]"
        else:
            yield name


def _assigned(data: Mapping[str, Any], kind: DocumentKind) -> dict[str, Any]:
    """``data`` without the fields the system assigns (the issue count)."""
    fields = model_for(kind).FIELDS
    return {k: v for k, v in data.items() if k == "kind" or not fields[k].assigned}


# --- the form follows the declaration -----------------------------------------------------

def test_every_kind_but_the_invalidation_notice_has_a_form() -> None:
    assert set(FORM_KINDS) == set(DocumentKind) - {DocumentKind.INVALIDATION}


@pytest.mark.parametrize("kind", FORM_KINDS)
def test_the_form_has_an_input_for_every_declared_field(kind: DocumentKind) -> None:
    form = form_for(kind, line_rows=3)
    names = [i.name for i in form.inputs()]
    assert names == list(_declared(model_for(kind).FIELDS, "", 3))
    assert len(set(names)) == len(names)
    for item in form.inputs():
        assert item.label, item.name
        assert item.label_en, item.name
        assert item.hint or item.widget == "select", f"{item.name} has no format hint"


def test_the_issue_count_is_assigned_not_typed() -> None:
    form = form_for(DocumentKind.GUARANTEE)
    assert "issue_count" not in form.names
    assert json_schema("guarantee")["properties"]["issue_count"]["readOnly"] is True
    assert "readOnly" not in json_schema("guarantee")["properties"]["customer_number"]


def test_a_field_without_its_labels_is_refused_at_declaration() -> None:
    with pytest.raises(ValueError, match="label"):
        Field(Text(10), label="名前")


def test_schema_titles_come_from_the_labels() -> None:
    properties = json_schema("invoice")["properties"]
    assert properties["registration_number"]["title"] == "登録番号 / Registration number"
    assert properties["lines"]["items"]["properties"]["tax_rate"]["title"] == "税率 / Tax rate"


@pytest.mark.parametrize(("kind", "name", "widget", "inputmode", "max_length", "hint"), [
    (DocumentKind.GUARANTEE, "customer_number", "text", "numeric", 9, "9桁の数字"),
    (DocumentKind.GUARANTEE, "bank.code", "text", "numeric", 4, "4桁の数字"),
    (DocumentKind.GUARANTEE, "guaranteed_amount", "text", "numeric", 17, "3桁区切り"),
    (DocumentKind.GUARANTEE, "loan_term_months", "text", "numeric", 3, "1〜600か月"),
    (DocumentKind.GUARANTEE, "guarantee_date", "date", None, None, "YYYY-MM-DD"),
    (DocumentKind.GUARANTEE, "conditions", "textarea", None, 400, "改行可"),
    (DocumentKind.INVOICE, "lines[0].tax_rate", "select", None, None, "※"),
    (DocumentKind.INVOICE, "registration_number", "text", None, 14, "13桁"),
])
def test_inputs_show_their_format(kind: DocumentKind, name: str, widget: str,
                                  inputmode: str | None, max_length: int | None,
                                  hint: str) -> None:
    item = form_for(kind).find(name)
    assert isinstance(item, Input)
    assert (item.widget, item.inputmode, item.max_length) == (widget, inputmode, max_length)
    assert hint in item.hint


def test_the_tax_rate_offers_ten_and_eight_percent() -> None:
    item = form_for(DocumentKind.INVOICE).find("lines[0].tax_rate")
    assert isinstance(item, Input)
    assert [(o.value, o.label) for o in item.options] == [("10", "10%（標準税率）"),
                                                          ("8", "8%（軽減税率）※")]


# --- the names are the domain's error paths -----------------------------------------------

def _bad(item: Input) -> str:
    """A value the domain refuses for ``item``, whatever else the form holds."""
    if item.widget == "select":
        return "no-such-option"
    if item.widget == "date":
        return "2026-02-30"
    if isinstance(item.spec, (Digits, Count)):
        return "12a"
    assert item.max_length is not None
    return "長" * (item.max_length + 1)


def _error_cases() -> Iterator[Any]:
    for kind, sample in SAMPLE_OF.items():
        data = _sample(sample)
        # as many rows as the sample fills: a blank row is dropped, not refused
        rows = max((len(v) for v in data.values() if isinstance(v, list)), default=1)
        for item in form_for(kind, line_rows=rows).inputs():
            yield pytest.param(kind, sample, item, id=f"{kind.value}:{item.name}")


@pytest.mark.parametrize(("kind", "sample", "item"), list(_error_cases()))
def test_a_refused_input_is_named_by_its_form_name(kind: DocumentKind, sample: str,
                                                   item: Input) -> None:
    values = {**values_from_data(_sample(sample)), item.name: _bad(item)}
    with pytest.raises(InputError) as caught:
        parse_document(data_from_form(kind, values))
    assert caught.value.field == item.name
    assert " / " in caught.value.message  # the domain's own bilingual message


def test_a_blank_required_field_is_required_in_the_domains_words() -> None:
    values = {**values_from_data(_sample("guarantee")), "bank.code": "  "}
    with pytest.raises(InputError, match="必須項目です") as caught:
        parse_document(data_from_form(DocumentKind.GUARANTEE, values))
    assert caught.value.field == "bank.code"


# --- data ↔ form --------------------------------------------------------------------------

@pytest.mark.parametrize("name", FORM_SAMPLES)
def test_samples_round_trip_through_the_form(name: str) -> None:
    data = _sample(name)
    kind = DocumentKind(data["kind"])
    rebuilt = data_from_form(kind, values_from_data(data))
    expected = _assigned(data, kind)
    if isinstance(expected.get("guarantee_number"), int):
        # a data file may write a code as a JSON integer; a form holds its digits
        expected["guarantee_number"] = str(expected["guarantee_number"])
    assert rebuilt == expected
    assert parse_document(rebuilt) == parse_document(_assigned(data, kind))
    assert data_from_form(kind, values_from_data(rebuilt)) == rebuilt


def test_blank_rows_are_dropped_and_selects_alone_do_not_make_a_row() -> None:
    seed = _sample("invoice-seed")
    values = values_from_data({k: v for k, v in seed.items() if k != "lines"})
    for index, line in zip((0, 3), seed["lines"], strict=True):
        values.update({f"lines[{index}].{key}": str(value) for key, value in line.items()})
    for index in (1, 2, 4):  # what a browser posts for an untouched row
        values.update({f"lines[{index}].{key}": "" for key in seed["lines"][0]})
        values[f"lines[{index}].tax_rate"] = "10"
    values.update({"remarks": "", "rounding": ""})  # blank optional inputs are left out
    assert data_from_form(DocumentKind.INVOICE, values) == seed


def test_a_row_with_something_typed_is_kept_and_refused_by_the_domain() -> None:
    values = {**values_from_data(_sample("invoice-seed")), "lines[2].description": "追加品目",
              "lines[2].tax_rate": "8"}
    with pytest.raises(InputError, match="必須項目です") as caught:
        parse_document(data_from_form(DocumentKind.INVOICE, values))
    assert caught.value.field == "lines[2].transaction_date"


def test_more_than_twenty_five_lines_are_refused_by_the_domain() -> None:
    data = _sample("invoice-25-lines")
    values = values_from_data(data)
    values.update({k.replace("lines[0]", "lines[25]"): v for k, v in values.items()
                   if k.startswith("lines[0].")})
    with pytest.raises(InputError, match="25") as caught:
        parse_document(data_from_form(DocumentKind.INVOICE, values))
    assert caught.value.field == "lines"


def test_the_line_editor_grows_up_to_twenty_five_rows() -> None:
    seed = values_from_data(_sample("invoice-seed"))
    assert line_rows_for(DocumentKind.INVOICE, seed) == DEFAULT_ROWS
    assert line_rows_for(DocumentKind.INVOICE, seed, more=True) == DEFAULT_ROWS + 5
    full = values_from_data(_sample("invoice-25-lines"))
    (editor,) = form_for(DocumentKind.INVOICE,
                         line_rows=line_rows_for(DocumentKind.INVOICE, full, more=True)).repeats
    assert (len(editor.rows), editor.can_grow) == (25, False)
    (editor,) = form_for(DocumentKind.INVOICE, line_rows=10**9).repeats
    assert len(editor.rows) == 25
    (editor,) = form_for(DocumentKind.INVOICE, line_rows=0).repeats
    assert len(editor.rows) == 1  # an invoice has at least one line


def test_a_textarea_line_ends_arrive_as_crlf_and_are_stored_as_lf() -> None:
    values = {**values_from_data(_sample("guarantee")), "conditions": "据置6か月。\r\n担保なし。"}
    assert data_from_form(DocumentKind.GUARANTEE, values)["conditions"] == "据置6か月。\n担保なし。"


@pytest.mark.parametrize(("spec", "typed", "value"), [
    (Amount(), "31,800", 31800),
    (Amount(), "３１，８００", 31800),  # a Japanese input method's full-width digits
    (Amount(), " 800 ", 800),
    (Amount(), "31,80", "31,80"),  # not a number people write: left for parsing to refuse
    (Amount(), "1,0000", "1,0000"),
    (Count(1, 600), "９６", 96),
    (Digits(9), "１２３４５６７８", "12345678"),
    (Digits(9), "12-34", "12-34"),
    (Choice((10, 8)), "8", 8),
    (Choice(("floor", "ceil")), "ceil", "ceil"),
    (Day(), "2026-11-22", "2026-11-22"),
    (Text(20), " 名前 ", " 名前 "),
])
def test_typed_text_is_read_by_the_domain(spec: Any, typed: str, value: object) -> None:
    assert value_from_text(spec, typed) == value


def test_amounts_typed_with_separators_reach_the_document() -> None:
    values = {**values_from_data(_sample("guarantee")), "guaranteed_amount": "24,000,000",
              "loan_amount": "３０，０００，０００", "customer_number": "１２３４５６７８"}
    document = parse_document(data_from_form(DocumentKind.GUARANTEE, values))
    assert document == parse_document(_assigned(_sample("guarantee"), DocumentKind.GUARANTEE))


def test_a_badly_grouped_amount_is_refused_with_the_domains_message() -> None:
    values = {**values_from_data(_sample("guarantee")), "loan_amount": "30,000,00"}
    with pytest.raises(InputError, match="整数") as caught:
        parse_document(data_from_form(DocumentKind.GUARANTEE, values))
    assert caught.value.field == "loan_amount"


def test_data_files_stay_strict() -> None:
    """JSON data keeps its types: a string amount in a data file is still an error."""
    data = {**_sample("guarantee"), "loan_amount": "30,000,000"}
    with pytest.raises(InputError) as caught:
        parse_document(data)
    assert caught.value.field == "loan_amount"


# --- the rendered form ---------------------------------------------------------------------

class _Page(HTMLParser):
    """Controls, labels, ids and the order of controls and error paragraphs."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: dict[str, dict[str, str | None]] = {}
        self.label_for: set[str] = set()
        self.ids: list[str] = []
        self.sequence: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(str(found["id"]))
        if tag in ("input", "select", "textarea"):
            self.controls[str(found["id"])] = found
            self.sequence.append(str(found["id"]))
        elif tag == "label" and found.get("for"):
            self.label_for.add(str(found["for"]))
        elif tag == "p" and found.get("class") == "error":
            self.sequence.append(str(found["id"]))


def _render(app: Flask, source: str, lang: str = "ja", **context: Any) -> str:
    with app.test_request_context():
        g.lang = lang
        return render_template_string(source, **context)


def _form_html(app: Flask, kind: DocumentKind, values: Mapping[str, str],
               errors: Mapping[str, str], *, lang: str = "ja", rows: int | None = None) -> str:
    return _render(app, '{% from "web/issue/_form.html" import document_form %}'
                        "{{ document_form(form, values, errors) }}", lang,
                   form=form_for(kind, line_rows=rows), values=values, errors=errors)


@pytest.mark.parametrize("kind", FORM_KINDS)
def test_every_input_has_its_label_and_its_hint(app: Flask, kind: DocumentKind) -> None:
    values = values_from_data(_sample(SAMPLE_OF[kind]))
    html = _form_html(app, kind, values, {})
    page = _Page()
    page.feed(html)
    assert set(page.controls) == {f"f-{i.name}" for i in form_for(kind).inputs()}
    assert set(page.controls) <= page.label_for
    assert len(page.ids) == len(set(page.ids)), "ids are unique"
    for control in page.controls.values():
        for described in str(control.get("aria-describedby") or "").split():
            assert described in page.ids
    assert "<script" not in html
    assert "style=" not in html


@pytest.mark.parametrize(("kind", "name"), [
    (DocumentKind.GUARANTEE, "bank.code"),
    (DocumentKind.GUARANTEE, "conditions"),
    (DocumentKind.INVOICE, "lines[1].unit_price"),
    (DocumentKind.INVOICE, "rounding"),
    (DocumentKind.DELEGATION, "powers[0]"),
])
def test_an_error_is_shown_beside_its_input(app: Flask, kind: DocumentKind, name: str) -> None:
    values = values_from_data(_sample(SAMPLE_OF[kind]))
    message = "数字のみで入力してください / must contain digits only"
    page = _Page()
    page.feed(_form_html(app, kind, values, {name: message}))
    at = page.sequence.index(f"f-{name}")
    assert page.sequence[at + 1] == f"e-{name}"
    assert page.sequence.count(f"e-{name}") == 1
    assert page.controls[f"f-{name}"]["aria-invalid"] == "true"
    assert f"e-{name}" in str(page.controls[f"f-{name}"]["aria-describedby"])
    assert [c for c, attrs in page.controls.items() if attrs.get("aria-invalid")] == [f"f-{name}"]


def test_the_error_summary_links_to_the_input_in_words(app: Flask) -> None:
    html = _form_html(app, DocumentKind.INVOICE, {}, {"lines[1].unit_price": "整数 / integer"})
    assert '<a href="#f-lines[1].unit_price">明細 2行目 単価（税抜）</a>' in html
    form = form_for(DocumentKind.GUARANTEE)
    assert form.label_of("bank.code") == ("金融機関 統一金融機関番号",
                                          "Financial institution Unified bank code")
    assert form.label_of("nowhere") == ("nowhere", "nowhere")


def test_an_error_the_form_has_no_input_for_is_shown_at_the_top(app: Flask) -> None:
    html = _form_html(app, DocumentKind.INVOICE, {}, {"_form": "登録できません / refused",
                                                      "lines": "1件以上25件以下 / 1 to 25"})
    assert html.index("登録できません") < html.index('id="f-issuer_name"')
    page = _Page()
    page.feed(html)
    assert "e-lines" in page.ids


def test_a_refused_submit_shows_the_values_typed(app: Flask) -> None:
    values = {**values_from_data(_sample("guarantee")), "loan_amount": "30,000,00",
              "conditions": "一行目\n二行目"}
    html = _form_html(app, DocumentKind.GUARANTEE, values, {})
    assert 'value="30,000,00"' in html
    assert "一行目\n二行目</textarea>" in html
    assert 'value="014"' not in html
    assert 'value="14"' in html


def test_the_line_editor_has_a_row_per_line_and_a_more_rows_button(app: Flask) -> None:
    values = values_from_data(_sample("invoice-seed"))
    html = _form_html(app, DocumentKind.INVOICE, values, {}, rows=3)
    assert 'id="f-lines[2].tax_rate"' in html
    assert 'id="f-lines[3].tax_rate"' not in html
    assert 'name="action" value="more-lines" formnovalidate' in html
    assert "f-lines[0].description\" name=\"lines[0].description\" maxlength=\"80\"" in html
    page = _Page()
    page.feed(html)
    assert all("required" not in attrs for c, attrs in page.controls.items() if "[" in c)
    full = _form_html(app, DocumentKind.INVOICE, values, {}, rows=25)
    assert 'value="more-lines"' not in full


def test_the_select_keeps_the_chosen_rate(app: Flask) -> None:
    values = {**values_from_data(_sample("invoice-seed")), "lines[1].tax_rate": "8"}
    html = _form_html(app, DocumentKind.INVOICE, values, {})
    chosen = html.split('id="f-lines[1].tax_rate"')[1].split("</select>")[0]
    assert '<option value="8" selected>' in chosen
    assert '"10" selected' not in chosen


def test_english_pages_show_the_english_label_beside_the_japanese(app: Flask) -> None:
    html = _form_html(app, DocumentKind.GUARANTEE, {}, {}, lang="en")
    assert '<span lang="ja">顧客番号</span> Customer number' in html
    assert "9 digits (leading zeros may be left out)" in html


# --- the invoice totals --------------------------------------------------------------------

def _totals_html(app: Flask, doc: Invoice, lang: str = "ja") -> str:
    return _render(app, '{% from "web/issue/_invoice_totals.html" import invoice_totals %}'
                        "{{ invoice_totals(doc) }}", lang, doc=doc)


def _cells(html: str, row_id: str) -> list[str]:
    row = html.split(f'id="{row_id}"')[1].split("</tr>")[0]
    return [cell.split(">", 1)[1].split("<")[0].strip() for cell in row.split("<td")[1:]]


def test_the_seed_invoice_totals_31800_plus_3180_is_34980(app: Flask) -> None:
    doc = parse_document(data_from_form(DocumentKind.INVOICE,
                                        values_from_data(_sample("invoice-seed"))))
    assert isinstance(doc, Invoice)
    html = _totals_html(app, doc)
    assert _cells(html, "rate-10") == ["31,800円", "3,180円"]
    assert "rate-8" not in html
    assert "※" not in html
    assert "34,980円" in html.split('id="grand-total"')[1]


def test_totals_per_rate_are_the_models(app: Flask) -> None:
    data = copy.deepcopy(_sample("invoice-25-lines"))
    doc = parse_document(data)
    assert isinstance(doc, Invoice)
    html = _totals_html(app, doc, lang="en")
    for total in doc.totals:
        assert _cells(html, f"rate-{total.rate}") == [f"{total.taxable:,} yen",
                                                      f"{total.tax:,} yen"]
    assert f"{doc.grand_total:,} yen" in html.split('id="grand-total"')[1]
    assert "※ marks reduced-rate (8%) items." in html


def test_a_repeat_is_a_list_of_the_domain(app: Flask) -> None:
    (powers,) = form_for(DocumentKind.DELEGATION).repeats
    assert isinstance(powers, Repeat)
    assert (powers.name, powers.records, powers.max_rows) == ("powers", False, 10)
    assert [c.name for c in powers.rows[1]] == ["powers[1]"]
