"""``Level.named``: the one place that knows ES-T ≈ B-T and ES-A = B-LTA."""

from __future__ import annotations

import pytest

from verify import LEVEL_NAMES, Level


@pytest.mark.parametrize(("name", "level"), [("ES-T", Level.B_T), ("es-a", Level.B_LTA),
                                             ("B-B", Level.B_B), ("b-lt", Level.B_LT),
                                             ("B-LTA", Level.B_LTA)])
def test_names_map_to_baseline_levels(name: str, level: Level) -> None:
    assert Level.named(name) is level


def test_every_listed_name_resolves_and_unknown_ones_are_refused() -> None:
    assert {Level.named(name) for name in LEVEL_NAMES} == set(Level)
    with pytest.raises(ValueError, match="unknown level 'ES-X'"):
        Level.named("ES-X")
