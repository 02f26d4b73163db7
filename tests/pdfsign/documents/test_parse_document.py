"""parse_document dispatch, DocumentKind properties and the published JSON Schemas."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pdfsign.documents import (
    DocumentKind,
    GuaranteeCertificate,
    InvalidationNotice,
    json_schema,
    load_data,
    parse_document,
)
from pdfsign.errors import InputError

SAMPLES = sorted((Path(__file__).resolve().parents[3] / "fixtures" / "samples").glob("*.json"))


def test_there_is_a_sample_for_every_kind() -> None:
    kinds = {json.loads(path.read_text("utf-8"))["kind"] for path in SAMPLES}
    assert kinds == {kind.value for kind in DocumentKind}


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_every_sample_parses_and_matches_its_schema(path: Path) -> None:
    data = json.loads(path.read_text("utf-8"))
    document = parse_document(data)
    assert document.kind.value == data["kind"]
    jsonschema.validate(data, json_schema(data["kind"]))


@pytest.mark.parametrize(("kind", "level", "template", "title"), [
    ("guarantee", "ES-A", "guarantee.html", "信用保証書"),
    ("guarantee-change", "ES-A", "guarantee.html", "変更保証書"),
    ("test-slip", "ES-A", "test_slip.html", "保証書テスト送信票"),
    ("invalidation", "ES-T", "invalidation.html", "保証書無効通知書"),
    ("invoice", "ES-T", "invoice.html", "適格請求書"),
    ("delegation", "ES-A", "delegation.html", "委任状"),
])
def test_kind_properties(kind: str, level: str, template: str, title: str) -> None:
    member = DocumentKind(kind)
    assert (member.level, member.template, member.title_ja) == (level, template, title)


@pytest.mark.parametrize(("data", "field"), [
    ({}, "kind"), ({"kind": "receipt"}, "kind"), ({"kind": 3}, "kind"), ([], "(root)"),
])
def test_missing_or_unknown_kind_is_rejected(data: Any, field: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_document(data)
    assert caught.value.field == field


def test_schema_rejects_what_parsing_rejects(sample: Any) -> None:
    data = sample("invoice-seed")
    schema = json_schema(DocumentKind.INVOICE)
    data["lines"][0]["tax_rate"] = 5
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)
    data = sample("guarantee")
    data["customer_number"] = "1234567890"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, json_schema("guarantee"))


def test_schema_states_the_kind_and_closes_objects() -> None:
    schema = json_schema("test-slip")
    assert schema["properties"]["kind"] == {"const": "test-slip"}
    assert schema["required"][0] == "kind"
    assert schema["additionalProperties"] is False
    assert schema["properties"]["bank"]["additionalProperties"] is False
    jsonschema.Draft202012Validator.check_schema(schema)


def test_load_data_reads_one_json_object(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text('{"kind": "invoice"}', encoding="utf-8")
    assert load_data(path) == {"kind": "invoice"}


@pytest.mark.parametrize(("content", "reason"), [
    (b"{bad", "invalid JSON at line 1 column 2"),
    (b"[1, 2]", "the data must be a JSON object"),
    (b"\xff\xfe{}", "not UTF-8 text"),
])
def test_load_data_names_the_file_and_the_reason(tmp_path: Path, content: bytes,
                                                 reason: str) -> None:
    path = tmp_path / "d.json"
    path.write_bytes(content)
    with pytest.raises(InputError, match=reason) as caught:
        load_data(path)
    assert caught.value.field == str(path)


def test_load_data_of_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read: No such file") as caught:
        load_data(tmp_path / "gone.json")
    assert caught.value.field == str(tmp_path / "gone.json")


def test_a_notice_has_the_file_id_and_date_label_of_its_certificate() -> None:
    data = json.loads(next(p for p in SAMPLES if p.stem == "guarantee-change").read_text("utf-8"))
    certificate = parse_document(data)
    assert isinstance(certificate, GuaranteeCertificate)
    notice = InvalidationNotice.for_certificate(certificate, sending_date=dt.date(2026, 12, 1))
    assert notice.file_id == certificate.file_id
    assert notice.date_label_ja == certificate.date_label_ja == "条件変更決定日"
    assert DocumentKind.GUARANTEE.date_label_ja == "保証日"
