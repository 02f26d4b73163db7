"""The one Jinja environment for document templates, and the filters they print values with.

Autoescape is always on and undefined names are errors: a field value can never become
markup (``<img src=...>`` prints as text) and a template typo fails the render instead of
printing an empty cell on a signed document.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import jinja2

__all__ = ["TEMPLATES_DIR", "environment", "japanese_date", "wareki_date", "yen"]

#: The folder holding the templates, the stylesheet and the vendored font; nothing outside it
#: is ever read while rendering.
TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"

#: Japanese eras by first day, newest first (令和 started 2019-05-01).
_ERAS = ((dt.date(2019, 5, 1), "令和"), (dt.date(1989, 1, 8), "平成"))


def yen(amount: int) -> str:
    """Format whole yen with thousands separators: ``31800`` → ``31,800``."""
    return f"{amount:,}"


def japanese_date(day: dt.date) -> str:
    """Format a date the Japanese business way: ``2026年11月22日``."""
    return f"{day.year}年{day.month}月{day.day}日"


def wareki_date(day: dt.date) -> str:
    """Format a date in the Japanese era: ``令和8年11月22日`` (元年 for the first year)."""
    for start, era in _ERAS:
        if day >= start:
            year = day.year - start.year + 1
            year_text = "元" if year == 1 else str(year)
            return f"{era}{year_text}年{day.month}月{day.day}日"
    return japanese_date(day)


@cache
def environment(templates_dir: Path = TEMPLATES_DIR) -> jinja2.Environment:
    """The process-wide Jinja environment (built once: it caches compiled templates).

    :param templates_dir: Where the templates are; tests may point elsewhere.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["yen"] = yen
    env.filters["jdate"] = japanese_date
    env.filters["wareki"] = wareki_date
    return env
