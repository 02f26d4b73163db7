"""The output folder's state and journal (:mod:`pdfsign.fetch.state`): what a run takes as
had, what it keeps for the next, and what it does with a journal it did not write."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from pdfsign.fetch.client import Listed
from pdfsign.fetch.errors import FileAccessError
from pdfsign.fetch.state import JOURNAL_NAME, OVERLAP, STATE_NAME, StateStore

URL = "https://pdfsign.example.jp"
AS_OF = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)


def _listed(file_id: str, version: int, uploaded_at: dt.datetime) -> Listed:
    data = {"file_id": file_id, "current_version": version,
            "uploaded_at": uploaded_at.isoformat(), "customer_name": "顧客"}
    return Listed(file_id, version, uploaded_at, data)


def test_a_run_that_ends_well_keeps_only_what_may_reappear(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    state = store.load(URL)
    assert (state.as_of, state.since, state.have) == (None, None, {})
    old, recent = (_listed("14_1", 1, AS_OF - OVERLAP - dt.timedelta(seconds=1)),
                   _listed("14_2", 3, AS_OF - OVERLAP))
    for listed in (old, recent):
        store.record(state, listed)
    assert [e["file_id"] for e in state.pending] == ["14_1", "14_2"]
    store.finish(state, AS_OF)
    assert not (tmp_path / JOURNAL_NAME).exists()
    saved = json.loads((tmp_path / STATE_NAME).read_text(encoding="utf-8"))
    assert saved["as_of"] == AS_OF.isoformat()
    assert saved["have"] == {"14_2": {"version": 3, "uploaded_at": recent.data["uploaded_at"]}}
    again = StateStore(tmp_path).load(URL)
    assert again.since == AS_OF - OVERLAP
    assert again.holds(recent)
    assert not again.holds(_listed("14_2", 4, AS_OF))  # a re-issue is new
    assert again.pending == []


def test_an_interrupted_run_is_taken_in_even_with_a_torn_last_line(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    state = store.load(URL)
    first = _listed("14_1", 1, AS_OF)
    store.record(state, first)
    store.close()
    with (tmp_path / JOURNAL_NAME).open("a", encoding="utf-8") as journal:
        journal.write('{"file_id": "14_2", "curr')  # the crash
    resumed = StateStore(tmp_path)
    state = resumed.load(URL)
    assert state.holds(first)
    assert [e["file_id"] for e in state.pending] == ["14_1"]
    second = _listed("14_2", 1, AS_OF)
    resumed.record(state, second)  # the journal is written afresh, whole-lined
    resumed.close()
    assert [e["file_id"] for e in StateStore(tmp_path).load(URL).pending] == ["14_1", "14_2"]


def test_a_journal_of_another_run_or_service_is_ignored(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    state = store.load(URL)
    store.record(state, _listed("14_1", 1, AS_OF))
    store.close()
    assert StateStore(tmp_path).load("https://other.example.jp").pending == []
    journal = (tmp_path / JOURNAL_NAME).read_text(encoding="utf-8")
    StateStore(tmp_path).finish(StateStore(tmp_path).load(URL), AS_OF)
    (tmp_path / JOURNAL_NAME).write_text(journal, encoding="utf-8")  # left from before
    assert StateStore(tmp_path).load(URL).pending == []  # its run ended well since


@pytest.mark.parametrize(("name", "text"), [(STATE_NAME, "{not json"),
                                            (STATE_NAME, '{"format": 99}'),
                                            (STATE_NAME, '{"format": 1, "service_url": "' + URL
                                             + '", "as_of": 5, "have": {}}')])
def test_a_state_file_that_is_not_ours_is_a_file_error(tmp_path: Path, name: str,
                                                       text: str) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(FileAccessError, match="not this tool's state file"):
        StateStore(tmp_path).load(URL)


def test_a_journal_with_a_foreign_entry_is_a_file_error(tmp_path: Path) -> None:
    header = {"format": 1, "service_url": URL, "after": None}
    (tmp_path / JOURNAL_NAME).write_text(json.dumps(header) + '\n{"file_id": "../x"}\n',
                                         encoding="utf-8")
    with pytest.raises(FileAccessError, match="not this tool's journal"):
        StateStore(tmp_path).load(URL)
