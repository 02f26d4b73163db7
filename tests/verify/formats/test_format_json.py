"""verify.formats.json: the output validates against the committed schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from verify_samples import EXPECTED

from verify import SCHEMA_VERSION, VerificationRun
from verify.formats import render_json

SCHEMA = Path(__file__).resolve().parents[3] / "verify" / "report.schema.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def test_every_sample_validates_against_the_schema(
        run_all: VerificationRun, validator: jsonschema.protocols.Validator) -> None:
    data = json.loads(render_json(run_all))
    errors = sorted(validator.iter_errors(data), key=str)
    assert errors == []
    assert data["schema_version"] == SCHEMA_VERSION
    assert [Path(d["path"]).stem for d in data["documents"]] == list(EXPECTED)
    assert [d["verdict"] for d in data["documents"]] == [v for v, _ in EXPECTED.values()]


def test_schema_rejects_a_wrong_verdict(run_all: VerificationRun,
                                        validator: jsonschema.protocols.Validator) -> None:
    """The schema is strict enough to catch a renderer bug."""
    data = json.loads(render_json(run_all))
    data["documents"][0]["verdict"] = "probably-fine"
    assert not validator.is_valid(data)
    del data["documents"][0]["verdict"]
    assert not validator.is_valid(data)


def test_japanese_names_are_not_escaped(run_all: VerificationRun) -> None:
    assert "山田 太郎" in render_json(run_all)
