"""The qualified invoice (適格請求書) under Japan's invoice system.

The rules (DOMAIN.md): a registration number ``T`` + 13 digits with a valid check digit;
1 to 25 lines; tax rates 8 % (reduced, marked ※) and 10 % only; consumption tax computed
once per rate over the whole invoice (floor by default), never per line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from functools import cached_property

from pdfsign.documents.fields import Amount, Choice, Count, Day, Field, ListOf, Nested, Record, Text
from pdfsign.documents.kinds import DocumentKind
from pdfsign.errors import InputError

__all__ = [
    "MAX_LINES",
    "REDUCED_RATE",
    "ROUNDING_MODES",
    "STANDARD_RATE",
    "Invoice",
    "InvoiceLine",
    "RateTotal",
    "check_registration_number",
]

MAX_LINES = 25
STANDARD_RATE = 10
REDUCED_RATE = 8
#: How the per-rate consumption tax is rounded to whole yen.
ROUNDING_MODES = {"floor": ROUND_FLOOR, "half-up": ROUND_HALF_UP, "ceil": ROUND_CEILING}


def check_registration_number(value: str, *, field: str = "registration_number") -> str:
    """Check a qualified-invoice issuer registration number (適格請求書発行事業者登録番号).

    The 13 digits after ``T`` are a corporate number whose first digit is a check digit:
    with P(n) the n-th of the other 12 digits from the right and Q(n) = 1 for odd n and 2 for
    even n, check = 9 − (Σ P(n)·Q(n) mod 9).

    :return: The number, unchanged.
    :raises InputError: If the shape or the check digit is wrong.
    """
    digits = value[1:]
    if not (value.startswith("T") and len(digits) == 13 and digits.isascii()
            and digits.isdigit()):
        raise InputError("登録番号は「T」と13桁の数字です / registration number must be T "
                         f"followed by 13 digits (got {value!r})", field=field)
    body = digits[1:]
    total = sum(int(d) * (1 if n % 2 else 2) for n, d in enumerate(reversed(body), start=1))
    expected = 9 - total % 9
    if int(digits[0]) != expected:
        raise InputError(f"登録番号のチェックディジットが正しくありません / registration number "
                         f"check digit is wrong (expected {expected}, got {digits[0]})",
                         field=field)
    return value


class _RegistrationNumber(Text):
    """A :class:`Text` spec that also checks the registration number's check digit."""

    def __init__(self) -> None:
        super().__init__(max_length=14)

    def parse(self, value: object, field: str) -> str:
        return check_registration_number(super().parse(value, field), field=field)

    def schema(self) -> dict[str, object]:
        return {"type": "string", "pattern": "^T[0-9]{13}$"}


@dataclass(frozen=True)
class InvoiceLine(Record):
    """One line item: when, what, unit price × quantity, and its tax rate."""

    FIELDS = {
        "transaction_date": Field(Day(), label="取引日", label_en="Transaction date"),
        "description": Field(Text(80), label="品名・内容", label_en="Description"),
        "unit_price": Field(Amount(), label="単価（税抜）", label_en="Unit price (tax excluded)"),
        "quantity": Field(Count(1, 1_000_000), label="数量", label_en="Quantity"),
        "tax_rate": Field(Choice((STANDARD_RATE, REDUCED_RATE),
                                 labels=(("10%（標準税率）", "10% (standard rate)"),
                                         ("8%（軽減税率）※", "8% (reduced rate) ※"))),
                          label="税率", label_en="Tax rate",
                          note="8%の明細には軽減税率対象の※が付きます",
                          note_en="8% lines are printed with the reduced-rate mark ※"),
    }
    TITLE = "Invoice line 明細"

    transaction_date: dt.date
    description: str
    unit_price: int
    quantity: int
    tax_rate: int

    @property
    def amount(self) -> int:
        """The line's tax-exclusive amount in yen."""
        return self.unit_price * self.quantity

    @property
    def is_reduced(self) -> bool:
        """True for a reduced-rate (軽減税率) item, printed with ※."""
        return self.tax_rate == REDUCED_RATE


@dataclass(frozen=True)
class RateTotal:
    """The tax-exclusive total and the consumption tax of all lines at one rate."""

    rate: int
    taxable: int
    tax: int


@dataclass(frozen=True)
class Invoice(Record):
    """A qualified invoice with its per-rate totals and grand total as properties."""

    FIELDS = {
        "issuer_name": Field(Text(60), label="発行事業者名", label_en="Issuer name"),
        "registration_number": Field(_RegistrationNumber(), label="登録番号",
                                     label_en="Registration number",
                                     note="「T」と13桁の数字（先頭の数字はチェックディジット）",
                                     note_en="T and 13 digits, the first a check digit"),
        "issuer_address": Field(Text(120), required=False, label="発行事業者住所",
                                label_en="Issuer address"),
        "issuer_phone": Field(Text(20), required=False, label="電話番号",
                              label_en="Issuer phone"),
        "issuer_email": Field(Text(80), required=False, label="メールアドレス",
                              label_en="Issuer e-mail"),
        "recipient_name": Field(Text(60), label="宛名", label_en="Recipient",
                                note="「御中」を付けて印字", note_en="printed with 御中"),
        "invoice_number": Field(Text(30), required=False, label="請求書番号",
                                label_en="Invoice number"),
        "issue_date": Field(Day(), label="請求日", label_en="Invoice date"),
        "due_date": Field(Day(), required=False, label="お支払期限", label_en="Due date"),
        "bank_account": Field(Text(120), required=False, label="お振込先",
                              label_en="Bank account for transfer"),
        "remarks": Field(Text(400, multiline=True), required=False, label="備考",
                         label_en="Remarks"),
        "rounding": Field(Choice(tuple(ROUNDING_MODES),
                                 labels=(("切り捨て", "round down"), ("四捨五入", "round half up"),
                                         ("切り上げ", "round up"))),
                          required=False, default="floor", label="消費税の端数処理",
                          label_en="Rounding of consumption tax",
                          note="税率ごとの合計に対して1回", note_en="once per rate, on its total"),
        "lines": Field(ListOf(Nested(InvoiceLine), 1, MAX_LINES), label="明細",
                       label_en="Line items"),
    }

    issuer_name: str
    registration_number: str
    recipient_name: str
    issue_date: dt.date
    lines: tuple[InvoiceLine, ...]
    issuer_address: str | None = None
    issuer_phone: str | None = None
    issuer_email: str | None = None
    invoice_number: str | None = None
    due_date: dt.date | None = None
    bank_account: str | None = None
    remarks: str | None = None
    rounding: str = "floor"

    def __post_init__(self) -> None:
        """Re-check the rules a constructor call could bypass."""
        check_registration_number(self.registration_number)
        if not 1 <= len(self.lines) <= MAX_LINES:
            raise InputError(f"明細は1〜{MAX_LINES}件です / an invoice has 1 to {MAX_LINES} "
                             f"lines (got {len(self.lines)})", field="lines")
        if self.rounding not in ROUNDING_MODES:
            raise InputError(f"端数処理が不明です / unknown rounding {self.rounding!r}",
                             field="rounding")

    @property
    def kind(self) -> DocumentKind:
        """Always :attr:`DocumentKind.INVOICE`."""
        return DocumentKind.INVOICE

    @property
    def title_ja(self) -> str:
        """適格請求書."""
        return self.kind.title_ja

    @cached_property
    def totals(self) -> tuple[RateTotal, ...]:
        """Per-rate totals, standard rate first; tax rounded once per rate (インボイス制度)."""
        mode = ROUNDING_MODES[self.rounding]
        result = []
        for rate in (STANDARD_RATE, REDUCED_RATE):
            taxable = sum(line.amount for line in self.lines if line.tax_rate == rate)
            if any(line.tax_rate == rate for line in self.lines):
                tax = (Decimal(taxable) * rate / 100).to_integral_value(rounding=mode)
                result.append(RateTotal(rate=rate, taxable=taxable, tax=int(tax)))
        return tuple(result)

    @property
    def subtotal(self) -> int:
        """All lines, tax excluded."""
        return sum(total.taxable for total in self.totals)

    @property
    def tax_total(self) -> int:
        """Consumption tax over all rates."""
        return sum(total.tax for total in self.totals)

    @property
    def grand_total(self) -> int:
        """The amount billed, tax included."""
        return self.subtotal + self.tax_total

    @property
    def has_reduced_items(self) -> bool:
        """Whether the ※ reduced-rate footnote is needed."""
        return any(line.is_reduced for line in self.lines)
