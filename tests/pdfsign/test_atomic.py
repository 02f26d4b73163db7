"""``write_atomically``: the old file or the new one, never a half-written one."""

from __future__ import annotations

import os
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
