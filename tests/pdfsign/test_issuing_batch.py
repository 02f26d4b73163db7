"""Reading batch files: JSONL and CSV rows, bad lines, idempotency keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from pdfsign.batch import read_rows
from pdfsign.errors import InputError


def test_jsonl_rows_keys_and_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl"
    path.write_text('{"kind": "test-slip", "a": 1}\n\n{"a": 1, "kind": "test-slip"}\n'
                    '[1, 2]\n{"idempotency_key": "mine", "kind": "invoice"}\n{oops\n')
    rows = read_rows(path)
    assert [row.line for row in rows] == [1, 3, 4, 5, 6]
    assert rows[0].key == rows[1].key  # same data, same key, whatever the key order
    assert rows[2].error == "a row must be a JSON object"
    assert (rows[3].key, rows[3].data) == ("mine", {"kind": "invoice"})
    assert rows[4].data is None
    assert rows[4].error is not None
    assert rows[4].error.startswith("not JSON")


def test_csv_dotted_headers_and_json_cells(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("kind,bank.code,bank.name,lines,remarks\n"
                    'invoice,0001,みらい銀行,"[{""quantity"": 2}]",\n', encoding="utf-8")
    (row,) = read_rows(path)
    assert row.line == 2
    assert row.data == {"kind": "invoice", "bank": {"code": "0001", "name": "みらい銀行"},
                        "lines": [{"quantity": 2}]}


def test_unknown_extension_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"\.jsonl or \.csv"):
        read_rows(tmp_path / "rows.xlsx")
