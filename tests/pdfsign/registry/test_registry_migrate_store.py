"""``pdfsign migrate-store``: a folder to S3 (moto on loopback) and back, killed in the middle.

Whatever moment the process dies at, every PDF is intact in the source or in the target;
run again, it finishes; and the registry then reads every PDF from the new store.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from registry_samples import T0, certificate, producer

from pdfsign.config import Settings
from pdfsign.errors import ConfigurationError, NotFoundError
from pdfsign.registry import FolderBlobs, Registry, set_bank
from pdfsign.registry.blob_s3 import S3Endpoint
from pdfsign.registry.blobs import BlobStore, CorruptBlobError
from pdfsign.registry.store_migration import migrate_store, referenced_digests

PDFSIGN = str(Path(sys.executable).parent / "pdfsign")
FILES = 100


def _env(home: Path, endpoint: S3Endpoint, blobs: str) -> dict[str, str]:
    return {**os.environ, "PDFSIGN_HOME": str(home), "PDFSIGN_BLOBS": blobs,
            "PDFSIGN_S3_ENDPOINT_URL": endpoint.endpoint_url, "PDFSIGN_S3_REGION": endpoint.region,
            "PDFSIGN_S3_ACCESS_KEY_ID": endpoint.access_key_id,
            "PDFSIGN_S3_SECRET_ACCESS_KEY": endpoint.secret_access_key}


def _open(env: dict[str, str]) -> Registry:
    return Registry.open(Settings.load(env=env))


def _intact(store: BlobStore, digest: str) -> bool:
    try:
        store.get(digest)
    except (CorruptBlobError, NotFoundError):
        return False
    return True


def _kill_in_the_middle(env: dict[str, str], to: str) -> None:
    """Start ``migrate-store --delete-source``; SIGKILL it once it reports 40 PDFs copied."""
    run = subprocess.Popen([PDFSIGN, "migrate-store", "--to", to, "--delete-source",
                            "--progress", "--json"], env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
    assert run.stderr is not None
    for line in run.stderr:
        if line.startswith(f"copied {2 * FILES // 10}/{FILES + 1}"):
            run.send_signal(signal.SIGKILL)
            break
    assert run.wait(60) == -signal.SIGKILL


def _move(env: dict[str, str], source: BlobStore, to: str) -> Registry:
    """Kill a migration in the middle, check nothing is lost, resume it, switch to ``to``."""
    digests = referenced_digests(_open(env))
    assert len(digests) == FILES + 1  # every version, and the bytes the renewal replaced
    _kill_in_the_middle(env, to)
    moved = {**env, "PDFSIGN_BLOBS": to}
    target = _open(moved).blobs
    in_target = {d for d in digests if _intact(target, d)}
    assert 2 * FILES // 10 <= len(in_target) < len(digests)
    for digest in digests:  # the source copy goes only once the target's is verified
        assert digest in in_target or _intact(source, digest)
    resumed = subprocess.run([PDFSIGN, "migrate-store", "--to", to, "--delete-source", "--json"],
                             env=env, capture_output=True, text=True, check=True)
    report = json.loads(resumed.stdout)
    assert report["total"] == FILES + 1
    assert report["present"] == len(in_target)
    assert report["copied"] == FILES + 1 - len(in_target)
    assert report["failed"] == []
    assert not any(source.has(d) for d in digests)
    registry = _open(moved)
    for n in range(1, FILES + 1):
        assert f"v{n} 1".encode() in registry.pdf(certificate(n).file_id, 1)[1]
    return registry


def test_a_folder_to_s3_and_back_killed_in_the_middle_each_way(
        tmp_path: Path, s3_server: S3Endpoint, s3_bucket: str) -> None:
    folder = (tmp_path / "objects").as_uri()
    env = _env(tmp_path, s3_server, folder)
    registry = _open(env)
    set_bank(registry, code="0001", name="第一テスト銀行", start=T0.date(), actor="t", at=T0)
    for n in range(1, FILES + 1):
        registry.issue(certificate(n), producer(f"v{n}"), actor="t", at=T0)
    registry.renew(certificate(1).file_id, lambda v, pdf: pdf + b"% renewed", reason="requested",
                   actor="t", at=T0)
    s3 = f"s3://{s3_bucket}/pdfs"
    on_s3 = _move(env, registry.blobs, s3)
    back = (tmp_path / "objects-again").as_uri()
    _move({**env, "PDFSIGN_BLOBS": s3}, on_s3.blobs, back)


def test_damaged_copies_are_replaced_and_lost_ones_reported(registry: Registry,
                                                            tmp_path: Path) -> None:
    set_bank(registry, code="0003", name="x", start=T0.date(), actor="t", at=T0)
    kept = [registry.issue(certificate(n), producer(f"v{n}"), actor="t", at=T0) for n in (1, 2, 3)]
    target = FolderBlobs(tmp_path / "target")
    target.put(registry.blobs.get(kept[0].sha256))
    target.path(kept[0].sha256).write_bytes(b"%PDF-1.7 damaged")
    assert isinstance(registry.blobs, FolderBlobs)
    registry.blobs.path(kept[2].sha256).unlink()
    report = migrate_store(registry, target)
    assert (report.copied, report.repaired, report.present) == (1, 1, 0)
    assert [d for d, _ in report.failed] == [kept[2].sha256]
    assert target.get(kept[0].sha256) == registry.blobs.get(kept[0].sha256)
    with pytest.raises(ConfigurationError, match="the target is the current store"):
        migrate_store(registry, registry.blobs)
