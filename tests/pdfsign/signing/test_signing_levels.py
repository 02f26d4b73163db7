"""pdfsign.signing.levels: the two levels and how users may write them."""

from __future__ import annotations

import pytest

from pdfsign.errors import InputError
from pdfsign.signing.levels import Level, parse_level


@pytest.mark.parametrize(("text", "level"), [
    ("ES-T", Level.ES_T), ("es-t", Level.ES_T), (" B-T ", Level.ES_T), ("PAdES B-T", Level.ES_T),
    ("ES-A", Level.ES_A), ("es_a", Level.ES_A), ("B-LTA", Level.ES_A), ("pades-b-lta", Level.ES_A),
])
def test_parses_the_usual_spellings(text: str, level: Level) -> None:
    assert parse_level(text) is level


@pytest.mark.parametrize("text", ["", "ES-X", "B-B", "B-LT", "ES-T-A"])
def test_rejects_other_levels_naming_the_field(text: str) -> None:
    with pytest.raises(InputError, match="use ES-T") as caught:
        parse_level(text)
    assert caught.value.field == "level"
    assert caught.value.exit_code == 3


def test_values_and_properties() -> None:
    assert [level.value for level in Level] == ["ES-T", "ES-A"]
    assert Level.ES_T.pades_name == "PAdES B-T"
    assert Level.ES_A.pades_name == "PAdES B-LTA"
    assert not Level.ES_T.long_term
    assert Level.ES_A.long_term
