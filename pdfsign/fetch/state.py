"""What the output folder already holds, so a run asks only for what is new and an
interrupted run resumes without downloading anything twice.

Two files in the output folder (the state describes that folder's contents):

- ``.pdfsign-fetch-state.json``, written atomically at the end of each successful run:
  the service URL, ``as_of`` (the server's time when that run's listing began) and
  ``have`` — each file ID with the version downloaded and its upload time, kept while it
  may still appear in the next listing;
- ``.pdfsign-fetch-journal.jsonl``, appended (and fsynced) after each file is written: a
  header naming the ``as_of`` it continues from, then one line per downloaded file with
  its metadata.  A run that stops half-way leaves it behind; the next run takes those files
  as had, lists them in its CSV, and deletes the journal when it ends well.  A torn last
  line (a crash mid-write) is ignored; that one file is downloaded again.

The next listing starts :data:`OVERLAP` before ``as_of``, so an upload whose transaction
committed late is not missed; what is in ``have`` is skipped.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .client import Listed
from .errors import FileAccessError, ReceiveError
from .output import write_atomically

__all__ = ["JOURNAL_NAME", "OVERLAP", "STATE_NAME", "FetchState", "Held", "StateStore"]

STATE_NAME = ".pdfsign-fetch-state.json"
JOURNAL_NAME = ".pdfsign-fetch-journal.jsonl"
#: How far before the last run's ``as_of`` the next listing starts.
OVERLAP = dt.timedelta(minutes=5)
_FORMAT = 1


@dataclass(frozen=True)
class Held:
    """A file already in the folder: the version downloaded and when it was uploaded."""

    version: int
    uploaded_at: dt.datetime


@dataclass
class FetchState:
    """The folder's state during a run."""

    service_url: str
    #: The server's time when the last successful run's listing began; ``None``: never.
    as_of: dt.datetime | None = None
    have: dict[str, Held] = field(default_factory=dict)
    #: The metadata of the files downloaded since the last successful run (its CSV rows).
    pending: list[dict[str, Any]] = field(default_factory=list)

    @property
    def since(self) -> dt.datetime | None:
        """Where the next listing starts."""
        return None if self.as_of is None else self.as_of - OVERLAP

    def holds(self, listed: Listed) -> bool:
        """Whether this version of the file is already in the folder."""
        held = self.have.get(listed.file_id)
        return held is not None and held.version >= listed.version


class StateStore:
    """Reads and writes a folder's state and journal."""

    def __init__(self, folder: Path) -> None:
        self.state_path = folder / STATE_NAME
        self.journal_path = folder / JOURNAL_NAME
        self._journal: IO[str] | None = None
        #: Whether the journal on disk is this state's, whole-lined: appended to, not redone.
        self._resumable = False

    def load(self, service_url: str) -> FetchState:
        """The folder's state, with an interrupted run's journal taken in.

        A state written for another service URL is ignored: its ``as_of`` says nothing
        about this one.

        :raises FileAccessError: the state or journal cannot be read, or is not ours.
        """
        state = self._read_state(service_url)
        for entry in self._journal_entries(state):
            try:
                listed = Listed.from_json(entry, str(self.journal_path))
            except ReceiveError:
                raise FileAccessError(f"{self.journal_path}: not this tool's journal (delete "
                                      f"it to download the files it names again)") from None
            state.have[listed.file_id] = Held(listed.version, listed.uploaded_at)
            state.pending.append(entry)
        return state

    def record(self, state: FetchState, listed: Listed) -> None:
        """Note a file just written (durably, before the next one is fetched)."""
        if self._journal is None:
            self._journal = self._open_journal(state)
        self._append(json.dumps(listed.data, ensure_ascii=False))
        state.have[listed.file_id] = Held(listed.version, listed.uploaded_at)
        state.pending.append(listed.data)

    def finish(self, state: FetchState, as_of: dt.datetime) -> None:
        """End a successful run: save the new ``as_of`` and what may still reappear after
        it, then drop the journal."""
        keep_after = as_of - OVERLAP
        have = {file_id: {"version": held.version, "uploaded_at": held.uploaded_at.isoformat()}
                for file_id, held in sorted(state.have.items())
                if held.uploaded_at >= keep_after}
        saved = {"format": _FORMAT, "service_url": state.service_url, "as_of": as_of.isoformat(),
                 "have": have}
        write_atomically(self.state_path, json.dumps(saved, indent=1).encode() + b"\n")
        self.close()
        try:
            self.journal_path.unlink(missing_ok=True)
        except OSError as exc:
            raise FileAccessError(f"{self.journal_path}: {exc.strerror or exc}") from None
        state.as_of, state.pending = as_of, []

    def close(self) -> None:
        """Close the journal (if this run opened it)."""
        if self._journal is not None:
            self._journal.close()
            self._journal = None

    def _read_state(self, service_url: str) -> FetchState:
        """The last successful run's state (a fresh one if none, or for another service)."""
        try:
            text = self.state_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return FetchState(service_url)
        except OSError as exc:
            raise FileAccessError(f"{self.state_path}: {exc.strerror or exc}") from None
        try:
            saved = json.loads(text)
            if saved["format"] != _FORMAT:
                raise ValueError(saved["format"])
            if saved["service_url"] != service_url:
                return FetchState(service_url)
            return FetchState(service_url, as_of=_instant(saved["as_of"]), have={
                file_id: Held(int(held["version"]), _instant(held["uploaded_at"]))
                for file_id, held in saved["have"].items()})
        except (ValueError, KeyError, TypeError, AttributeError):
            raise FileAccessError(f"{self.state_path}: not this tool's state file (delete it "
                                  f"to download everything again)") from None

    def _journal_entries(self, state: FetchState) -> list[dict[str, Any]]:
        """The files an interrupted run wrote after the state's ``as_of`` (none if the
        journal belongs to a run that ended well, or to another service)."""
        try:
            text = self.journal_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise FileAccessError(f"{self.journal_path}: {exc.strerror or exc}") from None
        parsed = []
        for line in text.splitlines():
            try:
                parsed.append(json.loads(line))
            except ValueError:
                continue  # a line torn by a crash: that file is simply fetched again
        if not parsed or parsed[0] != _header(state):
            return []
        self._resumable = text.endswith("\n")
        return [entry for entry in parsed[1:] if isinstance(entry, dict)]

    def _open_journal(self, state: FetchState) -> IO[str]:
        """Go on with an interrupted run's journal, or start one."""
        if not self._resumable:
            lines = [_header(state), *state.pending]
            write_atomically(self.journal_path, "".join(
                json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode())
        try:
            return self.journal_path.open("a", encoding="utf-8")
        except OSError as exc:
            raise FileAccessError(f"{self.journal_path}: {exc.strerror or exc}") from None

    def _append(self, line: str) -> None:
        assert self._journal is not None
        try:
            self._journal.write(line + "\n")
            self._journal.flush()
            os.fsync(self._journal.fileno())
        except OSError as exc:
            raise FileAccessError(f"{self.journal_path}: {exc.strerror or exc}") from None


def _header(state: FetchState) -> dict[str, Any]:
    """A journal's first line: which service and which ``as_of`` it continues from."""
    return {"format": _FORMAT, "service_url": state.service_url,
            "after": None if state.as_of is None else state.as_of.isoformat()}


def _instant(value: object) -> dt.datetime:
    """A stored ISO 8601 time.

    :raises ValueError: not one.
    """
    if not isinstance(value, str):
        raise ValueError(value)
    return dt.datetime.fromisoformat(value)
