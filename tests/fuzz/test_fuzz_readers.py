"""Fuzz the data-file readers: documents (JSON), batches (JSONL, CSV) and ``config.toml``.

Property: each reader returns its result or raises the project's own error (InputError,
ConfigurationError) with the file, line or field named; never another exception.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import budget, flatten
from hypothesis import given
from mutations import Tally, mutants, recording

from pdfsign.batch import BatchRow, read_rows
from pdfsign.config import Settings
from pdfsign.documents import load_data, parse_document
from pdfsign.errors import ConfigurationError, InputError, PdfsignError

_CONFIG = (b'database_url = "sqlite:////tmp/registry.sqlite3"\ntsa_mode = "http"\n'
           b'tsa_url = "http://127.0.0.1:3161/tsa"\nsigner = "staff"\npki_dir = "fixtures/pki"\n')


def _csv(sample_data: dict[str, bytes]) -> bytes:
    rows = [flatten(json.loads(data)) for data in sample_data.values()]
    headers = sorted({h for row in rows for h in row})
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=headers)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def _jsonl(sample_data: dict[str, bytes]) -> bytes:
    return b"\n".join(json.dumps(json.loads(d), ensure_ascii=False).encode()
                      for d in sample_data.values()) + b"\n"


def test_documents_reader(sample_data: dict[str, bytes], tmp_path_factory: pytest.TempPathFactory
                          ) -> None:
    path = tmp_path_factory.mktemp("fuzz-documents") / "document.json"

    tally = Tally("documents")

    @budget("documents")
    @given(case=mutants(list(sample_data.values())))
    def run(case: tuple[int, bytes]) -> None:
        path.write_bytes(case[1])
        with recording("documents", case[1], suffix=".json"):
            refused = _refusal(lambda: parse_document(load_data(path)), InputError)
        assert refused is None or refused.field is not None, "the error names its field or file"
        tally.add("parsed" if refused is None else "InputError")

    run()
    tally.write()


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_batch_readers(suffix: str, sample_data: dict[str, bytes],
                       tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("fuzz-batches") / f"batch{suffix}"
    seed = _jsonl(sample_data) if suffix == ".jsonl" else _csv(sample_data)
    assert len(read_rows(_write(path, seed))) == len(sample_data)

    tally = Tally(f"batch{suffix}")

    @budget("batches")
    @given(case=mutants([seed]))
    def run(case: tuple[int, bytes]) -> None:
        with recording(f"batch{suffix}", case[1], suffix=suffix):
            rows: list[BatchRow] = []
            refused = _refusal(lambda: rows.extend(read_rows(_write(path, case[1]))), InputError)
            if refused is not None:
                assert refused.field == str(path)
                tally.add("file refused")
                return
            for row in rows:
                if row.data is None:
                    assert row.error, "a row that cannot be read says why"
                    continue
                bad = _refusal(lambda data=row.data: parse_document(data), InputError)
                assert bad is None or bad.field is not None, "a row's error names its field"
            tally.add("rows read")

    run()
    tally.write()


def test_config_reader(tmp_path_factory: pytest.TempPathFactory) -> None:
    home = tmp_path_factory.mktemp("fuzz-config")

    tally = Tally("config")

    @budget("config")
    @given(case=mutants([_CONFIG]))
    def run(case: tuple[int, bytes]) -> None:
        _write(home / "config.toml", case[1])
        with recording("config", case[1], suffix=".toml"):
            refused = _refusal(lambda: Settings.load(home=home, env={}), ConfigurationError)
        assert refused is None or refused.field, "the error names the file"
        tally.add("loaded" if refused is None else "ConfigurationError")

    run()
    tally.write()


def _refusal(call: Callable[[], object], kind: type[PdfsignError]) -> PdfsignError | None:
    """The project error ``call`` raised, or ``None``; any other exception propagates."""
    try:
        call()
    except kind as exc:
        return exc
    return None


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
