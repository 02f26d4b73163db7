"""``content_digest``: behind delegation/invoice file IDs and batch idempotency keys."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from pdfsign.documents import content_digest, parse_document

SAMPLES = Path(__file__).resolve().parents[3] / "fixtures" / "samples"


def test_key_order_does_not_matter() -> None:
    assert content_digest({"a": 1, "b": [1, 2]}) == content_digest({"b": [1, 2], "a": 1})
    assert content_digest({"a": 1}) != content_digest({"a": 2})


def test_same_document_same_digest_any_change_another() -> None:
    data = json.loads((SAMPLES / "delegation.json").read_text(encoding="utf-8"))
    first, second = parse_document(data), parse_document(dict(reversed(list(data.items()))))
    assert content_digest(first) == content_digest(second)
    changed = dataclasses.replace(first, agent_name=first.agent_name + "X")
    assert content_digest(changed) != content_digest(first)
