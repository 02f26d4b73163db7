"""The Jinja environment and its filters (pdfsign.render.environment)."""

from __future__ import annotations

import datetime as dt

import jinja2
import pytest

from pdfsign.render.environment import environment, japanese_date, wareki_date, yen


@pytest.mark.parametrize(("amount", "text"), [(0, "0"), (800, "800"), (31_800, "31,800"),
                                              (1_234_567_890, "1,234,567,890")])
def test_yen_has_thousands_separators(amount: int, text: str) -> None:
    assert yen(amount) == text


def test_japanese_dates() -> None:
    assert japanese_date(dt.date(2026, 11, 22)) == "2026年11月22日"
    assert wareki_date(dt.date(2026, 11, 22)) == "令和8年11月22日"
    assert wareki_date(dt.date(2019, 5, 1)) == "令和元年5月1日"
    assert wareki_date(dt.date(2019, 4, 30)) == "平成31年4月30日"


def test_environment_escapes_and_is_strict() -> None:
    env = environment()
    assert env.from_string("{{ v }}").render(v="<b>&") == "&lt;b&gt;&amp;"
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ missing }}").render()
    assert environment() is env  # one environment per process
