"""The three PDF stores behind one interface: a folder, PostgreSQL (bytea), S3 (moto on loopback).

Each store keeps bytes once under their SHA-256, refuses altered bytes on read, and the
registry runs on each; the database store writes in the version's own transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from registry_samples import T0, certificate, producer
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from pdfsign.config import Settings
from pdfsign.errors import ConfigurationError, NotFoundError
from pdfsign.registry import CorruptBlobError, FileInfo, Registry, VersionInfo, set_bank
from pdfsign.registry.blob_folder import FolderBlobs
from pdfsign.registry.blob_s3 import S3Blobs, S3Endpoint
from pdfsign.registry.blob_table import DatabaseBlobs
from pdfsign.registry.blobs import BlobStore
from pdfsign.registry.models import StoredBlob

#: Replaces a stored blob's bytes behind the store's back.
Tamper = Callable[[str, bytes], None]


def _settings(tmp_path: Path, database_url: str, blobs: str,
              endpoint: S3Endpoint | None = None) -> Settings:
    env = {"PDFSIGN_DATABASE_URL": database_url, "PDFSIGN_BLOBS": blobs}
    if endpoint is not None:
        env |= {"PDFSIGN_S3_ENDPOINT_URL": endpoint.endpoint_url,
                "PDFSIGN_S3_REGION": endpoint.region,
                "PDFSIGN_S3_ACCESS_KEY_ID": endpoint.access_key_id,
                "PDFSIGN_S3_SECRET_ACCESS_KEY": endpoint.secret_access_key}
    return Settings.load(home=tmp_path, env=env)


def _open(request: pytest.FixtureRequest, tmp_path: Path, database_url: str,
          kind: str) -> Registry:
    """A migrated registry over the ``kind`` of store, with bank 0001."""
    endpoint = None
    if kind == "file":
        blobs = (tmp_path / "objects").as_uri()
    elif kind == "postgresql":
        blobs = "postgresql"
    else:
        endpoint = request.getfixturevalue("s3_server")
        blobs = f"s3://{request.getfixturevalue('s3_bucket')}/pdfs"
    registry = Registry.open(_settings(tmp_path, database_url, blobs, endpoint))
    set_bank(registry, code="0001", name="第一テスト銀行", start=T0.date(), actor="t", at=T0)
    return registry


@pytest.fixture(params=["file", "postgresql", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path,
          pg_url: str) -> Iterator[tuple[Registry, Tamper]]:
    """A registry on PostgreSQL over each store, and how to alter a stored blob."""
    registry = _open(request, tmp_path, pg_url, request.param)
    yield registry, _tamperer(registry.blobs)
    registry.db.dispose()


def _tamperer(blobs: BlobStore) -> Tamper:
    """Overwrite a blob's bytes directly in the store's medium."""
    def tamper(digest: str, data: bytes) -> None:
        if isinstance(blobs, FolderBlobs):
            blobs.path(digest).write_bytes(data)
        elif isinstance(blobs, DatabaseBlobs):
            with blobs.db.engine.begin() as connection:
                connection.execute(update(StoredBlob).where(StoredBlob.sha256 == digest)
                                   .values(data=data))
        else:
            assert isinstance(blobs, S3Blobs)
            blobs.client().put_object(Bucket=blobs.bucket, Key=blobs.key(digest), Body=data)
    return tamper


def test_each_store_keeps_bytes_once_and_refuses_altered_ones(
        store: tuple[Registry, Tamper]) -> None:
    registry, tamper = store
    blobs = registry.blobs
    digest = blobs.put(b"%PDF-1.7 one")
    assert blobs.put(b"%PDF-1.7 one") == digest
    assert blobs.has(digest)
    assert blobs.get(digest) == b"%PDF-1.7 one"
    tamper(digest, b"%PDF-1.7 two")
    with pytest.raises(CorruptBlobError, match=f"stored PDF {digest} now hashes to"):
        blobs.get(digest)
    assert blobs.delete(digest) is True
    assert blobs.delete(digest) is False
    assert not blobs.has(digest)
    with pytest.raises(NotFoundError, match="is missing"):
        blobs.get(digest)
    with pytest.raises(NotFoundError, match="not a SHA-256"):
        blobs.get("../" + digest[3:])


def test_the_registry_issues_and_reads_back_through_each_store(
        store: tuple[Registry, Tamper]) -> None:
    registry, tamper = store
    new = certificate()
    first = registry.issue(new, producer("v1"), actor="alice", at=T0)
    second = registry.reissue(new.file_id, producer("v2"), actor="alice", at=T0)
    assert b"v2 2" in registry.pdf(new.file_id)[1]
    assert registry.blobs.get(first.sha256) != registry.blobs.get(second.sha256)
    tamper(second.sha256, b"%PDF-1.7 forged")
    with pytest.raises(CorruptBlobError):
        registry.pdf(new.file_id)


def test_the_database_store_writes_in_the_versions_transaction(
        request: pytest.FixtureRequest, tmp_path: Path, pg_url: str) -> None:
    registry = _open(request, tmp_path, pg_url, "postgresql")
    assert isinstance(registry.blobs, DatabaseBlobs)

    def crash(session: Session, file: FileInfo, version: VersionInfo) -> None:
        raise RuntimeError("crash after the bytes and the version row were written")

    with pytest.raises(RuntimeError, match="crash"):
        registry.issue(certificate(), producer("lost"), actor="alice", at=T0, on_version=crash)
    with registry.reading() as session:
        assert session.execute(select(func.count()).select_from(StoredBlob)).scalar_one() == 0
    kept = registry.issue(certificate(2), producer("kept"), actor="alice", at=T0)
    with registry.reading() as session:
        assert session.execute(select(StoredBlob.sha256)).scalars().all() == [kept.sha256]


def test_the_setting_names_the_store(tmp_path: Path) -> None:
    assert Settings.load(home=tmp_path, env={}).blobs_url == (tmp_path / "objects").as_uri()
    for wrong in ("objects", "file://host/x", "s3://", "mysql", "s3://b/p?x=1"):
        with pytest.raises(ConfigurationError, match="must be file:///PATH") as caught:
            Settings.load(home=tmp_path, env={"PDFSIGN_BLOBS": wrong})
        assert caught.value.field == "blobs"
    sqlite = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    with pytest.raises(ConfigurationError, match="needs the registry database on PostgreSQL"):
        Registry.open(_settings(tmp_path, sqlite, "postgresql"))
    s3 = Registry.open(_settings(tmp_path, sqlite, "s3://bucket/a/b/"))
    assert isinstance(s3.blobs, S3Blobs)
    assert s3.blobs.url == "s3://bucket/a/b"
    assert s3.blobs.key("ab" + "c" * 62) == "a/b/ab/" + "c" * 62
