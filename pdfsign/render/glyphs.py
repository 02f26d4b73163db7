"""Refuse text the vendored font cannot draw, before it becomes a missing-glyph box.

Without this, a character outside IPAex Mincho (an emoji, a rare variant kanji) would fall
back to whatever fonts the machine has, or print as a box: either way the signed document
would look different from machine to machine. The error names the field and the character.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont

from pdfsign.documents import Document
from pdfsign.errors import InputError
from pdfsign.render.environment import TEMPLATES_DIR

__all__ = ["FONT_PATH", "check_glyphs", "covered_codepoints"]

#: The one font every document is set in (see ``templates/fonts/README.md``).
FONT_PATH = TEMPLATES_DIR / "fonts" / "ipaexm.ttf"


@cache
def covered_codepoints(font_path: Path = FONT_PATH) -> frozenset[int]:
    """The code points the font has a glyph for (read once per process)."""
    font = TTFont(font_path, lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def _strings(value: object, path: str) -> Iterator[tuple[str, str]]:
    """Every string inside a document, with its JSON path (``lines[3].description``)."""
    if isinstance(value, str):
        yield path, value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            child = f"{path}.{field.name}" if path else field.name
            yield from _strings(getattr(value, field.name), child)
    elif isinstance(value, tuple):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def check_glyphs(document: Document) -> None:
    """Check that the vendored font can draw every character of every text field.

    :raises InputError: naming the field and the character (with its code point).
    """
    covered = covered_codepoints()
    for path, text in _strings(document, ""):
        for char in text:
            if char in "\n\r\t" or ord(char) in covered:
                continue
            name = unicodedata.name(char, "unnamed")
            raise InputError(
                f"印刷できない文字が含まれています「{char}」(U+{ord(char):04X}) / the font has "
                f"no glyph for {char!r} (U+{ord(char):04X} {name})",
                field=path,
            )
