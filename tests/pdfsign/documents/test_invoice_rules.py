"""The qualified-invoice rules: registration number, lines, rates, per-rate rounding."""

from __future__ import annotations

from typing import Any

import pytest

from pdfsign.documents import Invoice, check_registration_number, parse_document
from pdfsign.documents.invoice import RateTotal
from pdfsign.errors import InputError


def test_seed_invoice_totals(sample: Any) -> None:
    invoice = parse_document(sample("invoice-seed"))
    assert isinstance(invoice, Invoice)
    assert invoice.totals == (RateTotal(rate=10, taxable=31_800, tax=3_180),)
    assert invoice.grand_total == 34_980


@pytest.mark.parametrize("number", ["T7000012050002", "T1180301018771", "T9234567890123"])
def test_valid_registration_numbers(number: str) -> None:
    assert check_registration_number(number) == number


@pytest.mark.parametrize(("number", "reason"), [
    ("T8000012050002", "check digit"), ("T7000012050003", "check digit"),
    ("7000012050002", "T followed by 13"), ("T700001205000", "T followed by 13"),
    ("T70000120500021", "T followed by 13"), ("T70000120500O2", "T followed by 13"),
])
def test_invalid_registration_numbers(number: str, reason: str) -> None:
    with pytest.raises(InputError, match=reason) as caught:
        check_registration_number(number)
    assert caught.value.field == "registration_number"


def _line(rate: int, unit_price: int, quantity: int = 1) -> dict[str, Any]:
    return {"transaction_date": "2026-11-01", "description": "品目", "unit_price": unit_price,
            "quantity": quantity, "tax_rate": rate}


def test_tax_is_rounded_once_per_rate_not_per_line(sample: Any) -> None:
    data = sample("invoice-seed")
    # Three 8 % lines of 105 yen: per line 8.4 → 8 each (24); once per rate 315 × 8 % = 25.2 → 25.
    data["lines"] = [_line(8, 105)] * 3 + [_line(10, 999)]
    invoice = parse_document(data)
    assert isinstance(invoice, Invoice)
    assert invoice.totals == (RateTotal(10, 999, 99), RateTotal(8, 315, 25))
    assert invoice.grand_total == 999 + 99 + 315 + 25
    assert invoice.has_reduced_items


@pytest.mark.parametrize(("rounding", "tax"), [("floor", 99), ("half-up", 100), ("ceil", 100)])
def test_rounding_mode_is_configurable(sample: Any, rounding: str, tax: int) -> None:
    data = sample("invoice-seed")
    data["lines"], data["rounding"] = [_line(10, 995)], rounding  # 99.5 yen tax
    invoice = parse_document(data)
    assert isinstance(invoice, Invoice)
    assert invoice.tax_total == tax


def test_twenty_five_lines_with_both_rates_are_accepted(sample: Any) -> None:
    invoice = parse_document(sample("invoice-25-lines"))
    assert isinstance(invoice, Invoice)
    assert len(invoice.lines) == 25
    assert [total.rate for total in invoice.totals] == [10, 8]
    assert invoice.subtotal == sum(line.amount for line in invoice.lines)


@pytest.mark.parametrize(("mutate", "field", "reason"), [
    (lambda d: d["lines"].append(d["lines"][0]), "lines", "1 to 25 items"),
    (lambda d: d.update(lines=[]), "lines", "1 to 25 items"),
    (lambda d: d["lines"][3].update(tax_rate=5), "lines[3].tax_rate", "one of 10, 8"),
    (lambda d: d["lines"][0].update(unit_price=-1), "lines[0].unit_price", "negative"),
    (lambda d: d["lines"][0].update(quantity=0), "lines[0].quantity", "between 1"),
    (lambda d: d["lines"][1].update(quantity=1.5), "lines[1].quantity", "integer"),
    (lambda d: d["lines"][0].update(transaction_date="2026-02-30"),
     "lines[0].transaction_date", "real date"),
    (lambda d: d.pop("recipient_name"), "recipient_name", "required"),
    (lambda d: d.update(registration_number="T9234567890124"), "registration_number",
     "check digit"),
    (lambda d: d.update(rounding="banker"), "rounding", "one of"),
])
def test_invoice_rule_violations_name_the_field(sample: Any, mutate: Any, field: str,
                                                reason: str) -> None:
    data = sample("invoice-25-lines")
    mutate(data)
    with pytest.raises(InputError, match=reason) as caught:
        parse_document(data)
    assert caught.value.field == field
