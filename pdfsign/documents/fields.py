"""Field specifications: one declaration per field validates data and describes it as JSON Schema.

Each model lists its fields once (``FIELDS``); :func:`read_fields` checks a mapping against
them and :func:`fields_schema` publishes the same rules as JSON Schema, so what
``pdfsign render --schema`` promises and what parsing enforces cannot drift apart.
Every error names the field by its JSON path (``lines[3].tax_rate``) and says why,
in Japanese and English.  Each field also carries its Japanese and English label, so the
web form, the schema's ``title`` and the CLI word a field the same way, and
:func:`value_from_text` says how text a person types (a form input, a CSV cell) becomes the
field's JSON value.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import KW_ONLY, dataclass
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar, cast

from pdfsign.documents.ids import parse_code
from pdfsign.errors import InputError

__all__ = [
    "Amount",
    "Choice",
    "Count",
    "Day",
    "Digits",
    "Field",
    "ListOf",
    "Nested",
    "Record",
    "Spec",
    "Text",
    "fields_schema",
    "read_fields",
    "value_from_text",
]

T = TypeVar("T", covariant=True)
JsonSchema = dict[str, Any]
#: The largest amount accepted, in yen (one trillion): far above any guarantee, below float trouble.
MAX_YEN = 10**12


class Spec(Protocol[T]):
    """How one field's raw JSON value becomes a typed value, and how it is described."""

    def parse(self, value: object, field: str) -> T:
        """Return the typed value or raise :class:`InputError` naming ``field``."""
        ...

    def schema(self) -> JsonSchema:
        """Return the JSON Schema fragment for this field."""
        ...


def _fail(field: str, ja: str, en: str) -> InputError:
    return InputError(f"{ja} / {en}", field=field)


@dataclass(frozen=True)
class Text:
    """A non-blank string of at most ``max_length`` characters; one line unless ``multiline``."""

    max_length: int
    multiline: bool = False

    def parse(self, value: object, field: str) -> str:
        if not isinstance(value, str):
            raise _fail(field, "文字列で入力してください", "must be a string")
        text = value.strip()
        if not text:
            raise _fail(field, "空欄にできません", "must not be blank")
        if len(text) > self.max_length:
            raise _fail(field, f"{self.max_length}文字以内で入力してください",
                        f"must be at most {self.max_length} characters (got {len(text)})")
        if not self.multiline and ("\n" in text or "\r" in text):
            raise _fail(field, "改行を含められません", "must be a single line")
        if any(ord(c) < 0x20 and c not in "\n\r\t" for c in text):
            raise _fail(field, "制御文字を含められません", "must not contain control characters")
        return text

    def schema(self) -> JsonSchema:
        return {"type": "string", "minLength": 1, "maxLength": self.max_length}


@dataclass(frozen=True)
class Digits:
    """A fixed-width numeric code (string or integer), zero-padded to ``width``."""

    width: int

    def parse(self, value: object, field: str) -> str:
        return parse_code(value, width=self.width, field=field)

    def schema(self) -> JsonSchema:
        return {"oneOf": [
            {"type": "string", "pattern": f"^[0-9]{{1,{self.width}}}$"},
            {"type": "integer", "minimum": 0, "maximum": 10**self.width - 1},
        ]}


@dataclass(frozen=True)
class Count:
    """An integer in ``[minimum, maximum]`` (quantities, issue counts, months, rates)."""

    minimum: int = 0
    maximum: int = MAX_YEN
    unit_ja: str = ""

    def parse(self, value: object, field: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(field, "整数で入力してください", f"must be an integer (got {value!r})")
        if not self.minimum <= value <= self.maximum:
            raise _fail(field, f"{self.minimum}{self.unit_ja}以上{self.maximum}{self.unit_ja}"
                        "以下で入力してください",
                        f"must be between {self.minimum} and {self.maximum} (got {value})")
        return value

    def schema(self) -> JsonSchema:
        return {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}


class Amount(Count):
    """A non-negative whole number of yen."""

    def __init__(self) -> None:
        super().__init__(minimum=0, maximum=MAX_YEN, unit_ja="円")

    def parse(self, value: object, field: str) -> int:
        if isinstance(value, int) and not isinstance(value, bool) and value < 0:
            raise _fail(field, "金額に負の値は使えません",
                        f"amount must not be negative (got {value})")
        return super().parse(value, field)


@dataclass(frozen=True)
class Day:
    """A calendar date written ``YYYY-MM-DD``."""

    def parse(self, value: object, field: str) -> dt.date:
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise _fail(field, "日付はYYYY-MM-DD形式の実在する日付で入力してください",
                    f"must be a real date written YYYY-MM-DD (got {value!r})")

    def schema(self) -> JsonSchema:
        return {"type": "string", "format": "date"}


@dataclass(frozen=True)
class Choice:
    """One of a fixed set of values (strings or integers).

    ``labels`` optionally words each value for people, as (Japanese, English) pairs in the
    order of ``values`` (``8`` → ``("8%（軽減税率）※", "8% (reduced rate) ※")``).
    """

    values: tuple[str | int, ...]
    labels: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.labels and len(self.labels) != len(self.values):
            raise ValueError("Choice.labels must word every value, in order")

    def parse(self, value: object, field: str) -> str | int:
        if isinstance(value, bool) or value not in self.values:
            allowed = ", ".join(map(str, self.values))
            raise _fail(field, f"{allowed} のいずれかを指定してください",
                        f"must be one of {allowed} (got {value!r})")
        return value  # type: ignore[return-value]

    def schema(self) -> JsonSchema:
        return {"enum": list(self.values)}


R = TypeVar("R", bound="Record")


@dataclass(frozen=True)
class Nested(Generic[R]):
    """A sub-object parsed by a :class:`Record` class (an association, a bank, an invoice line)."""

    record: type[R]

    def parse(self, value: object, field: str) -> R:
        return self.record.from_mapping(value, prefix=field)

    def schema(self) -> JsonSchema:
        return self.record.json_schema()


@dataclass(frozen=True)
class ListOf(Generic[T]):
    """A JSON array of ``min_items`` to ``max_items`` items, returned as a tuple."""

    item: Spec[T]
    min_items: int
    max_items: int

    def parse(self, value: object, field: str) -> tuple[T, ...]:
        if not isinstance(value, list):
            raise _fail(field, "配列で入力してください", "must be an array")
        if not self.min_items <= len(value) <= self.max_items:
            raise _fail(field, f"{self.min_items}件以上{self.max_items}件以下にしてください",
                        f"must have {self.min_items} to {self.max_items} items "
                        f"(got {len(value)})")
        return tuple(self.item.parse(v, f"{field}[{i}]") for i, v in enumerate(value))

    def schema(self) -> JsonSchema:
        return {"type": "array", "items": self.item.schema(),
                "minItems": self.min_items, "maxItems": self.max_items}


@dataclass(frozen=True)
class Field:
    """A named field's spec, whether it is required, its default when absent, and its words.

    Every field declares its Japanese ``label`` (as the printed document and the form word
    it) and ``label_en``; a new field without them fails at import, so it cannot reach the
    schema without reaching the form too.  ``note``/``note_en`` say what the label and the
    spec do not ("000 for an original guarantee").  An ``assigned`` field is set by the
    system (the registry's issue count), never typed: data files may carry it, forms leave
    it out, and the schema marks it ``readOnly``.
    """

    spec: Spec[object]
    required: bool = True
    default: object = None
    _: KW_ONLY
    label: str = ""
    label_en: str = ""
    note: str = ""
    note_en: str = ""
    assigned: bool = False

    def __post_init__(self) -> None:
        if not (self.label and self.label_en):
            raise ValueError("every field declares its label and label_en")

    @property
    def title(self) -> str:
        """The field's name for people, Japanese first: ``顧客番号 / Customer number``."""
        return f"{self.label} / {self.label_en}"

    @property
    def description(self) -> str:
        """The field's note, Japanese first (empty when it has none)."""
        if not (self.note or self.note_en):
            return ""
        return " / ".join(part for part in (self.note, self.note_en) if part)


def read_fields(data: object, fields: Mapping[str, Field], *, prefix: str = "") -> dict[str, Any]:
    """Check ``data`` against ``fields``: every required one present, no unknown keys.

    :param prefix: The JSON path of ``data`` itself, prepended to field names in errors.
    :return: The parsed values by field name, defaults filled in.
    :raises InputError: naming the first field that is missing, unknown or invalid.
    """
    def path(name: str) -> str:
        return f"{prefix}.{name}" if prefix else name

    if not isinstance(data, Mapping):
        raise _fail(prefix or "(root)", "オブジェクトで入力してください", "must be a JSON object")
    for name in data:
        if name not in fields:
            raise _fail(path(str(name)), "未知の項目です", "unknown field")
    values: dict[str, Any] = {}
    for name, declared in fields.items():
        raw = data.get(name)
        if raw is None:
            if declared.required:
                raise _fail(path(name), "必須項目です", "required field is missing")
            values[name] = declared.default
        else:
            values[name] = declared.spec.parse(raw, path(name))
    return values


def fields_schema(fields: Mapping[str, Field], *, title: str = "") -> JsonSchema:
    """Describe ``fields`` as a closed JSON Schema object."""
    properties: dict[str, JsonSchema] = {}
    for name, declared in fields.items():
        # the field's own words, first, win over a sub-record's TITLE
        fragment = {"title": declared.title,
                    **{k: v for k, v in declared.spec.schema().items() if k != "title"}}
        if declared.description:
            fragment["description"] = declared.description
        if declared.assigned:
            fragment["readOnly"] = True  # JSON Schema 2020-12: managed by the system
        properties[name] = fragment
    schema: JsonSchema = {
        "type": "object",
        "properties": properties,
        "required": [name for name, declared in fields.items() if declared.required],
        "additionalProperties": False,
    }
    return {"title": title, **schema} if title else schema


#: An integer as people write it: digits, optionally grouped by commas in threes (``31,800``).
_TYPED_INTEGER = re.compile(r"-?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,18})")


def value_from_text(spec: Spec[object], text: str) -> object:
    """The JSON value a person means by ``text`` typed into a field with ``spec``.

    Data files are JSON and stay strict (an amount is a JSON integer); a form input or a
    spreadsheet cell holds only text, so this says, in the domain and once, how such text is
    read: codes and integers may be typed with full-width digits (a Japanese input method,
    NFKC as for second-factor codes) and surrounding spaces; integers may carry thousands
    separators (``31,800`` → ``31800``); a choice is matched by its printed value
    (``"8"`` → ``8``).  Other text is the value itself.  Text that cannot be read this way is
    returned unchanged, so that parsing refuses it with the field's usual message.

    :param spec: A leaf spec (not :class:`Nested` or :class:`ListOf`).
    :param text: What was typed, not blank.
    """
    if isinstance(spec, (Digits, Count, Choice)):
        typed = unicodedata.normalize("NFKC", text).strip()
        if isinstance(spec, Choice):
            return next((value for value in spec.values if str(value) == typed), text)
        if isinstance(spec, Digits):
            return typed if typed.isascii() and typed.isdigit() else text
        if _TYPED_INTEGER.fullmatch(typed):
            return int(typed.replace(",", ""))
    return text


class Record:
    """Mixin for a frozen dataclass built from a JSON object described by ``FIELDS``."""

    FIELDS: ClassVar[Mapping[str, Field]]
    TITLE: ClassVar[str] = ""

    @classmethod
    def from_mapping(cls, data: object, *, prefix: str = "", **fixed: object) -> Self:
        """Validate ``data`` and build the record; ``fixed`` supplies values not read from data.

        :raises InputError: naming the offending field and the reason.
        """
        values = read_fields(data, cls.FIELDS, prefix=prefix)
        build = cast(Callable[..., Self], cls)
        return build(**values, **fixed)

    @classmethod
    def json_schema(cls) -> JsonSchema:
        """The JSON Schema of the object this record is read from."""
        return fields_schema(cls.FIELDS, title=cls.TITLE)
