"""``write_atomically``: the old file or the new one, never a half-written one."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from pdfsign.atomic import write_atomically
from pdfsign.errors import WriteError, describe


class _Boom(Exception):
    pass


def test_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.pdf"
    target.write_bytes(b"old")
    write_atomically(target, b"new", durable_dir=True)
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.pdf"]


def test_a_failure_mid_write_keeps_the_old_file(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash between writing and renaming (simulated in fsync) must not touch the target."""
    target = tmp_path / "out.pdf"
    target.write_bytes(b"old")

    def failing_fsync(fd: int) -> None:
        raise _Boom

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(_Boom):
        write_atomically(target, b"new")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.pdf"]


def test_an_unwritable_folder_is_a_write_error_naming_the_path(tmp_path: Path) -> None:
    target = tmp_path / "missing-folder" / "out.pdf"
    with pytest.raises(WriteError) as caught:
        write_atomically(target, b"x")
    problem = describe(caught.value)
    assert problem is not None
    assert problem.exit_code == 11
    assert str(target) in problem.message


def test_a_named_pipe_is_written_in_place_not_renamed_over(tmp_path: Path) -> None:
    """As ``-o /dev/null`` or ``-o /dev/stdout``: the stream gets the bytes and stays a
    stream (renamed over, a root process would leave a plain file where the device was)."""
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()), daemon=True)
    reader.start()
    write_atomically(pipe, b"report")
    reader.join(10)
    assert received == [b"report"]
    assert stat.S_ISFIFO(pipe.stat().st_mode)
    assert list(tmp_path.iterdir()) == [pipe]


def test_a_folder_is_never_written_over(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    with pytest.raises(WriteError, match="not a file") as caught:
        write_atomically(folder, b"report")
    assert caught.value.field == str(folder)
    assert folder.is_dir()
