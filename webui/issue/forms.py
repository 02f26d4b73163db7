"""Document forms, generated from the fields each document declares once.

:func:`form_for` walks a kind's model ``FIELDS`` — the declaration that also validates data
files and publishes the JSON Schema — so a field added there appears in the form, the CLI
and the schema together.  Every input is named by the JSON path the domain's errors use
(``bank.code``, ``lines[3].tax_rate``): a refused submit's ``InputError.field`` is the name
of the input to show the message beside.

No rule lives here.  :func:`data_from_form` builds the JSON a data file holds; how typed text
becomes a field's value (``31,800``, full-width digits, a select's ``"8"``) is the domain's
:func:`~pdfsign.documents.fields.value_from_text`, and every check is
:func:`~pdfsign.documents.parse_document`'s.  The only things done here are the browser's
side of a form: a textarea's line ends arrive as CRLF, an empty input arrives as ``""``, and
an editor shows more rows than are filled.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from pdfsign.documents import DocumentKind, model_for
from pdfsign.documents.fields import Field, ListOf, Nested, Spec, value_from_text
from webui.issue.formats import Option, field_hint, widget_for

__all__ = [
    "DEFAULT_ROWS",
    "FORM_KINDS",
    "MORE_ROWS",
    "Form",
    "Group",
    "Input",
    "Item",
    "Option",
    "Repeat",
    "data_from_form",
    "form_for",
    "line_rows_for",
    "values_from_data",
]

#: The kinds issued from a form: all but the invalidation notice, which the invalidate
#: action builds from the stored certificate.
FORM_KINDS: tuple[DocumentKind, ...] = tuple(
    kind for kind in DocumentKind if kind is not DocumentKind.INVALIDATION)
#: Rows a list editor shows at first (never more than the list allows).
DEFAULT_ROWS = 5
#: Rows the "more lines" button adds.
MORE_ROWS = 5
#: A larger row count is read as this one: it bounds the cache of forms, and is above every
#: list's own limit (25 invoice lines, 10 delegated powers).
_LONGEST_LIST = 100


@dataclass(frozen=True)
class Input:
    """One input, for one leaf field.

    ``widget`` is ``text``, ``textarea``, ``date`` or ``select``; ``inputmode`` is
    ``numeric`` for codes and integers (a text input, so ``31,800`` can be typed).
    """

    #: The form name: the field's JSON path, as the domain's errors name it.
    name: str
    #: The field's key in its record (``code``); ``""`` for an item of a list of texts.
    key: str
    label: str
    label_en: str
    #: The format (digits and width, yen, date form, length) and the field's note.
    hint: str
    hint_en: str
    widget: str
    required: bool
    spec: Spec[object] = field(repr=False, compare=False)
    inputmode: str | None = None
    max_length: int | None = None
    #: The value the domain uses when the field is left blank, as the form shows it.
    default: str | None = None
    options: tuple[Option, ...] = ()


@dataclass(frozen=True)
class Group:
    """A sub-record (association, bank, branch): a fieldset."""

    name: str
    key: str
    label: str
    label_en: str
    required: bool
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Repeat:
    """A list (invoice lines, delegated powers): a table with one row per item.

    Blank rows are allowed (and dropped on submit); the list's own limits are the domain's.
    """

    name: str
    key: str
    label: str
    label_en: str
    hint: str
    hint_en: str
    required: bool
    #: One row's inputs, named by their key in the row (the table's columns).
    columns: tuple[Input, ...]
    #: The rows shown, their inputs named by full path (``lines[3].tax_rate``).
    rows: tuple[tuple[Input, ...], ...]
    min_rows: int
    max_rows: int
    #: Whether an item is a record (a row of columns) rather than one text.
    records: bool

    @property
    def can_grow(self) -> bool:
        """Whether the list may have more rows than are shown."""
        return len(self.rows) < self.max_rows

    def cell_name(self, index: int, column: Input) -> str:
        """The form name of ``column`` in row ``index``."""
        return f"{self.name}[{index}].{column.key}" if self.records else f"{self.name}[{index}]"


Item = Input | Group | Repeat


@dataclass(frozen=True)
class Form:
    """The form of one document kind: its inputs, fieldsets and list editors, in order."""

    kind: DocumentKind
    items: tuple[Item, ...]

    @property
    def title_ja(self) -> str:
        """The kind's Japanese name (信用保証書 …)."""
        return self.kind.title_ja

    def inputs(self) -> Iterator[Input]:
        """Every input, rows included, in page order."""
        return _inputs(self.items)

    @property
    def names(self) -> frozenset[str]:
        """Every name an error can be shown beside: inputs, fieldsets and lists."""
        return frozenset(_names(self.items))

    def find(self, name: str) -> Item | None:
        """The input, fieldset or list called ``name``, if the form shows it."""
        return next((item for item in _walk(self.items) if item.name == name), None)

    def label_of(self, name: str) -> tuple[str, str]:
        """Where ``name`` is, in words (Japanese, English): ``金融機関 統一金融機関番号``,
        ``明細 2行目 単価（税抜）``; the name itself if the form does not show it."""
        return next(_where(self.items, name, (), ()), (name, name))

    @property
    def repeats(self) -> tuple[Repeat, ...]:
        """The form's list editors."""
        return tuple(item for item in _walk(self.items) if isinstance(item, Repeat))


def form_for(kind: DocumentKind, *, line_rows: int | None = None) -> Form:
    """The form for ``kind``, walked from its model's ``FIELDS``.

    Fields the system assigns (``Field.assigned``, the issue count) are left out.

    :param line_rows: How many rows each list editor shows (default :data:`DEFAULT_ROWS`);
        kept within the list's limits (at most 25 invoice lines).
    :raises TypeError: if a field's spec has no input (a new kind of spec needs one here).
    """
    rows = DEFAULT_ROWS if line_rows is None else max(0, min(line_rows, _LONGEST_LIST))
    return _form(kind, rows)  # clamped first: the row count may come from a posted form


@cache
def _form(kind: DocumentKind, rows: int) -> Form:
    return Form(kind=kind, items=_items(model_for(kind).FIELDS, "", rows))


def data_from_form(kind: DocumentKind, form: Mapping[str, str]) -> dict[str, Any]:
    """The data (the JSON of a data file, with ``"kind"``) a submitted form stands for.

    Blank inputs are left out (so a blank required field is "required" in the domain's
    words); blank rows of a list are dropped and the rest close up, so a refused submit
    should be shown again with ``values_from_data`` of this data, whose row numbers are the
    ones the domain's error names.  Nothing is validated: pass the result to
    :func:`~pdfsign.documents.parse_document`.

    :param form: The submitted form (``request.form``); names it does not declare are ignored.
    """
    return {"kind": kind.value, **_collect(form_for(kind).items, form)}


def values_from_data(data: Mapping[str, Any]) -> dict[str, str]:
    """Form values from stored data (a version's ``meta["data"]``, a data file): the inputs of
    "start from a copy" and of a re-issue.  ``"kind"`` is not a value (the page names it)."""
    values: dict[str, str] = {}
    for key, value in data.items():
        if key != "kind":
            _flatten(value, str(key), values)
    return values


def line_rows_for(kind: DocumentKind, values: Mapping[str, str], *, more: bool = False) -> int:
    """How many rows to show for ``values``: every filled row, at least :data:`DEFAULT_ROWS`,
    and :data:`MORE_ROWS` more when the user asked for more lines (``action=more-lines``).
    :func:`form_for` keeps the result within the list's limit."""
    used = max((index + 1 for repeat in form_for(kind).repeats
                for index in _row_indices(repeat, values)), default=0)
    return max(DEFAULT_ROWS, used) + (MORE_ROWS if more else 0)


# --- walking the declaration -------------------------------------------------------------

def _items(fields: Mapping[str, Field], prefix: str, rows: int) -> tuple[Item, ...]:
    return tuple(_item(key, f"{prefix}.{key}" if prefix else key, declared, rows)
                 for key, declared in fields.items() if not declared.assigned)


def _item(key: str, name: str, declared: Field, rows: int) -> Item:
    spec = declared.spec
    if isinstance(spec, Nested):
        return Group(name=name, key=key, label=declared.label, label_en=declared.label_en,
                     required=declared.required, items=_items(spec.record.FIELDS, name, rows))
    if isinstance(spec, ListOf):
        return _repeat(key, name, declared, spec, rows)
    return _input(key, name, declared)


def _repeat(key: str, name: str, declared: Field, spec: ListOf[Any], rows: int) -> Repeat:
    item = spec.item
    if isinstance(item, Nested):
        columns = tuple(_input(sub, sub, sub_field) for sub, sub_field
                        in item.record.FIELDS.items() if not sub_field.assigned)
    else:
        columns = (_input("", "", Field(item, label=declared.label,
                                        label_en=declared.label_en)),)
    count = min(max(rows, spec.min_items, 1), spec.max_items)
    hint, hint_en = field_hint(declared)
    repeat = Repeat(name=name, key=key, label=declared.label, label_en=declared.label_en,
                    hint=hint, hint_en=hint_en, required=declared.required, columns=columns,
                    rows=(), min_rows=spec.min_items, max_rows=spec.max_items,
                    records=isinstance(item, Nested))
    return replace(repeat, rows=tuple(
        tuple(replace(column, name=repeat.cell_name(index, column)) for column in columns)
        for index in range(count)))


def _input(key: str, name: str, declared: Field) -> Input:
    spec = declared.spec
    hint, hint_en = field_hint(declared)
    widget, inputmode, max_length, options = widget_for(spec, name)
    return Input(name=name, key=key, label=declared.label, label_en=declared.label_en,
                 hint=hint, hint_en=hint_en, widget=widget, required=declared.required,
                 spec=spec, inputmode=inputmode, max_length=max_length,
                 default=None if declared.default is None else str(declared.default),
                 options=options)


def _walk(items: tuple[Item, ...]) -> Iterator[Item]:
    for item in items:
        yield item
        if isinstance(item, Group):
            yield from _walk(item.items)
        elif isinstance(item, Repeat):
            for row in item.rows:
                yield from row


def _where(items: tuple[Item, ...], name: str, ja: tuple[str, ...], en: tuple[str, ...]
           ) -> Iterator[tuple[str, str]]:
    for item in items:
        here_ja, here_en = (*ja, item.label), (*en, item.label_en)
        if item.name == name:
            yield " ".join(here_ja), " ".join(here_en)
        elif isinstance(item, Group):
            yield from _where(item.items, name, here_ja, here_en)
        elif isinstance(item, Repeat):
            for number, row in enumerate(item.rows, start=1):
                yield from _where(row, name, (*here_ja, f"{number}行目"),
                                  (*here_en, f"row {number}:"))


def _inputs(items: tuple[Item, ...]) -> Iterator[Input]:
    return (item for item in _walk(items) if isinstance(item, Input))


def _names(items: tuple[Item, ...]) -> Iterator[str]:
    return (item.name for item in _walk(items))


# --- form → data → form ------------------------------------------------------------------

def _collect(items: tuple[Item, ...], form: Mapping[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for item in items:
        if isinstance(item, Input):
            value = _typed(item, form.get(item.name, ""))
            if value is not None:
                data[item.key] = value
        elif isinstance(item, Group):
            record = _collect(item.items, form)
            if record or item.required:
                data[item.key] = record
        else:
            rows = _rows(item, form)
            if rows or item.required:
                data[item.key] = rows
    return data


def _rows(repeat: Repeat, form: Mapping[str, str]) -> list[Any]:
    """The list's filled rows, in row order; a row whose typed inputs are all blank (its
    selects always post a value) is dropped."""
    rows: list[Any] = []
    for index in sorted(_row_indices(repeat, form)):
        cells = [(column, form.get(repeat.cell_name(index, column), ""))
                 for column in repeat.columns]
        if all(not text.strip() for column, text in cells if column.widget != "select"):
            continue
        typed = [(column.key, _typed(column, text)) for column, text in cells]
        if repeat.records:
            rows.append({key: value for key, value in typed if value is not None})
        else:
            rows.append(typed[0][1])
    return rows


def _row_indices(repeat: Repeat, form: Mapping[str, str]) -> set[int]:
    """The row numbers ``form`` holds inputs of (``lines[7].…`` → 7)."""
    pattern = re.compile(re.escape(repeat.name) + r"\[(0|[1-9][0-9]{0,3})\](?:\..+)?")
    return {int(found[1]) for name in form if (found := pattern.fullmatch(name))}


def _typed(column: Input, raw: str) -> object | None:
    """The JSON value of one input, or ``None`` when it was left blank."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")  # browsers send line ends as CRLF
    if not text.strip():
        return None
    return value_from_text(column.spec, text)


def _flatten(value: object, name: str, values: dict[str, str]) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _flatten(item, f"{name}.{key}", values)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _flatten(item, f"{name}[{index}]", values)
    elif value is not None:
        values[name] = str(value)
