"""Registry.renew on SQLite and PostgreSQL: same version, new bytes, an append-only record.

The registry stores bytes and never parses them, so the renewal here appends a line (what
an incremental update does too); ``tests/pdfsign/test_renewal.py`` renews real ES-A files.
"""

from __future__ import annotations

import datetime as dt

import pytest
from registry_samples import T0, certificate, producer

from pdfsign.registry import FileStateError, Registry, VersionInfo, purge
from pdfsign.registry.blobs import sha256_hex

HOUR = dt.timedelta(hours=1)


def _append(label: str):  # type: ignore[no-untyped-def]
    def produce(version: VersionInfo, pdf: bytes) -> bytes:
        assert sha256_hex(pdf) == version.sha256  # handed the current bytes, checked
        return pdf + f"% renewed {label}\n".encode()
    return produce


def test_renew_twice_keeps_version_issue_count_and_every_sha(registry: Registry) -> None:
    new = certificate()
    issued = registry.issue(new, producer("v1"), actor="alice", at=T0)
    first = registry.renew(new.file_id, _append("1"), reason="tsa-expiry:2046-11-01",
                           actor="bob", at=T0 + HOUR)
    second = registry.renew(new.file_id, _append("2"), reason="requested", actor="bob",
                            at=T0 + 2 * HOUR)
    assert (first.old_sha256, first.new_sha256) == (issued.sha256, second.old_sha256)
    current, pdf = registry.pdf(new.file_id)
    assert (current.number, current.issue_count, current.sha256) == (1, 1, second.new_sha256)
    assert pdf.endswith(b"% renewed 2\n")
    assert registry.file(new.file_id).issue_count == 1
    assert [r.reason for r in registry.renewals(new.file_id)] == ["tsa-expiry:2046-11-01",
                                                                  "requested"]
    assert registry.blobs.get(issued.sha256)  # the issued bytes are kept
    report = registry.verify_audit()
    assert report.ok
    assert report.entries == 5  # two banks, issue, two renewals


def test_a_failed_renewal_changes_nothing(registry: Registry) -> None:
    new = certificate()
    issued = registry.issue(new, producer("v1"), actor="alice", at=T0)

    def failing(version: VersionInfo, pdf: bytes) -> bytes:
        raise FileStateError("TSA down", field="tsa")

    with pytest.raises(FileStateError):
        registry.renew(new.file_id, failing, reason="requested", actor="bob", at=T0)
    assert registry.version(new.file_id).sha256 == issued.sha256
    assert registry.renewals(new.file_id) == []
    assert registry.verify_audit().entries == 3


def test_purged_files_are_not_renewed_and_lose_every_set_of_bytes(registry: Registry) -> None:
    slip = certificate(kind="test-slip")
    issued = registry.issue(slip, producer("slip"), actor="alice", at=T0)
    renewed = registry.renew(slip.file_id, _append("1"), reason="requested", actor="bob",
                             at=T0 + HOUR)
    purge(registry, at=T0 + dt.timedelta(days=61), actor="retention")
    for digest in (issued.sha256, renewed.new_sha256):
        assert not registry.blobs.path(digest).exists()
    with pytest.raises(FileStateError, match="purged"):
        registry.renew(slip.file_id, _append("2"), reason="requested", actor="bob",
                       at=T0 + dt.timedelta(days=62))


def test_current_versions_skip_purged_files(registry: Registry) -> None:
    keep, slip = certificate(1), certificate(2, kind="test-slip")
    registry.issue(keep, producer("keep"), actor="alice", at=T0)
    registry.issue(slip, producer("slip"), actor="alice", at=T0)
    assert [v.file_id for v in registry.current_versions()] == sorted([keep.file_id,
                                                                       slip.file_id])
    purge(registry, at=T0 + dt.timedelta(days=61), actor="retention")
    assert [v.file_id for v in registry.current_versions()] == [keep.file_id]
