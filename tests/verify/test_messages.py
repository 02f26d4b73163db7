"""verify.messages: every keyword the report can carry has Japanese and English wording."""

from __future__ import annotations

import pytest

from verify import CellStatus, Verdict
from verify.messages import LANGS, message

KEYS = (
    [f"verdict.{v.value}" for v in Verdict]
    + [f"cell.{c.value}" for c in CellStatus]
    + [f"change.{k}" for k in ("none", "ltv-updates", "form-filling", "annotations", "other")]
    + [f"revocation.{s}" for s in ("good", "revoked", "unknown", "not-checked")]
    + [f"source.{s}" for s in ("dss", "supplied", "fetched", "signature")]
    + [f"ref.{k}" for k in ("validation", "signature-timestamp", "document-timestamp")]
    + ["unreachable", "unreachable-title", "unreachable-note"]
)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("key", KEYS)
def test_every_keyword_is_worded(key: str, lang: str) -> None:
    assert message(key, lang=lang) != key  # type: ignore[arg-type]


def test_languages_differ() -> None:
    assert message("verdict.valid", lang="ja") == "有効"
    assert message("verdict.valid", lang="en") == "valid"


def test_unknown_key_is_returned_as_is() -> None:
    assert message("no.such.key", lang="ja") == "no.such.key"
