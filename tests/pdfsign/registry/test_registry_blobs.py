"""The content-addressed PDF store: written once, atomically, checked on read."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from pdfsign.errors import NotFoundError, WriteError
from pdfsign.registry import CorruptBlobError, FolderBlobs


def test_round_trip_and_dedup(tmp_path: Path) -> None:
    store = FolderBlobs(tmp_path)
    digest = store.put(b"%PDF-1.7 one")
    assert digest == hashlib.sha256(b"%PDF-1.7 one").hexdigest()
    assert store.put(b"%PDF-1.7 one") == digest
    assert store.get(digest) == b"%PDF-1.7 one"
    assert store.path(digest) == tmp_path / digest[:2] / digest[2:]
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [digest[2:]]  # no temp left


def test_tampered_bytes_are_refused(tmp_path: Path) -> None:
    store = FolderBlobs(tmp_path)
    digest = store.put(b"%PDF-1.7 original")
    store.path(digest).write_bytes(b"%PDF-1.7 altered!")
    with pytest.raises(CorruptBlobError, match=f"stored PDF {digest} now hashes to"):
        store.get(digest)


def test_truncated_blob_is_rewritten_by_put(tmp_path: Path) -> None:
    store = FolderBlobs(tmp_path)
    digest = store.put(b"%PDF-1.7 whole file")
    store.path(digest).write_bytes(b"%PDF")
    assert store.put(b"%PDF-1.7 whole file") == digest
    assert store.get(digest) == b"%PDF-1.7 whole file"


def test_missing_and_malformed_digests(tmp_path: Path) -> None:
    store = FolderBlobs(tmp_path)
    with pytest.raises(NotFoundError, match="is missing"):
        store.get("a" * 64)
    with pytest.raises(NotFoundError, match="not a SHA-256"):
        store.get("../../etc/passwd")
    assert store.delete("b" * 64) is False


def test_unwritable_store_folder_is_a_write_error(tmp_path: Path) -> None:
    blocker = tmp_path / "objects"
    blocker.write_bytes(b"a file where the store folder should be")
    with pytest.raises(WriteError, match="cannot create the store folder") as caught:
        FolderBlobs(blocker).put(b"%PDF-1.7 x")
    assert str(caught.value.field).startswith(str(blocker))
