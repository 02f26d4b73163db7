"""How a field's spec shows in a form: its input and its format hint.

The hint is read off the same spec that validates the field (the width of a code, the
range of a count, a text's length), so it cannot promise what parsing refuses.
"""

from __future__ import annotations

from dataclasses import dataclass

from pdfsign.documents.fields import (
    Amount,
    Choice,
    Count,
    Day,
    Digits,
    Field,
    ListOf,
    Spec,
    Text,
)

__all__ = ["Option", "field_hint", "widget_for"]


@dataclass(frozen=True)
class Option:
    """One choice of a select: the value it posts and its words."""

    value: str
    label: str
    label_en: str


def widget_for(spec: Spec[object], name: str
               ) -> tuple[str, str | None, int | None, tuple[Option, ...]]:
    """(widget, inputmode, max length, options) of the input for a leaf spec.

    A text input with ``inputmode="numeric"`` for codes and integers, so that ``31,800`` can
    be typed; ``date`` for days; ``select`` for a choice; ``textarea`` for multi-line text.

    :param name: The form name, for the error.
    :raises TypeError: for a spec no input is defined for (a new kind of spec needs one).
    """
    if isinstance(spec, Choice):
        words = spec.labels or tuple((str(v), str(v)) for v in spec.values)
        return "select", None, None, tuple(
            Option(value=str(value), label=ja, label_en=en)
            for value, (ja, en) in zip(spec.values, words, strict=True))
    if isinstance(spec, Day):
        return "date", None, None, ()
    if isinstance(spec, Digits):
        return "text", "numeric", spec.width, ()
    if isinstance(spec, Count):
        return "text", "numeric", len(f"{spec.maximum:,}"), ()
    if isinstance(spec, Text):
        return ("textarea" if spec.multiline else "text"), None, spec.max_length, ()
    raise TypeError(f"no form input for a {type(spec).__name__} field ({name})")


def field_hint(declared: Field) -> tuple[str, str]:
    """The field's hint: its format, from its spec, then its note (Japanese, English)."""
    ja, en = _format(declared.spec)
    return ("。".join(p for p in (ja, declared.note) if p),
            "; ".join(p for p in (en, declared.note_en) if p))


def _format(spec: Spec[object]) -> tuple[str, str]:
    if isinstance(spec, Amount):
        return ("円。数字のみ、3桁区切りのカンマ可（例 31,800）",
                "yen; digits, thousands commas allowed (e.g. 31,800)")
    if isinstance(spec, Count):
        return (f"{spec.minimum:,}〜{spec.maximum:,}{spec.unit_ja}の整数",
                f"a whole number from {spec.minimum:,} to {spec.maximum:,}")
    if isinstance(spec, Digits):
        return (f"{spec.width}桁の数字（先頭の0は省略可）",
                f"{spec.width} digits (leading zeros may be left out)")
    if isinstance(spec, Day):
        return "YYYY-MM-DD（例 2026-11-22）", "YYYY-MM-DD (e.g. 2026-11-22)"
    if isinstance(spec, Text) and "pattern" not in spec.schema():  # a pattern: the note says it
        lines_ja, lines_en = ("、改行可", ", several lines") if spec.multiline else ("", "")
        return (f"{spec.max_length}文字以内{lines_ja}",
                f"up to {spec.max_length} characters{lines_en}")
    if isinstance(spec, ListOf):
        return (f"{spec.min_items}〜{spec.max_items}件（空欄の行は無視）",
                f"{spec.min_items} to {spec.max_items} items (blank rows are ignored)")
    return "", ""
