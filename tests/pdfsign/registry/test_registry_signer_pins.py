"""The signer PIN lock's counting in the registry, on SQLite and PostgreSQL: connections racing
with wrong PINs are counted exactly up to the limit (a conditional UPDATE, not read-modify-write),
and a right PIN that races an administrator's lock is refused.  (Racing processes on the token,
end to end, are in ``test_signer_locks.py``.)"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pdfsign.errors import SignerLockedError, WrongPinError
from pdfsign.keys import RegistryGuard, lock_signer, signer_status
from pdfsign.keys.tables import SignerPin
from pdfsign.registry import FolderBlobs, Registry, open_database
from pdfsign.registry.models import AuditRow
from pdfsign.signing import SignerRef

SIGNER = SignerRef("staff", "staff", Path("staff.p12"))
def _count(registry: Registry, action: str) -> int:
    with registry.reading() as session:
        return session.scalar(select(func.count()).select_from(AuditRow)
                              .where(AuditRow.action == action)) or 0


def test_racing_wrong_pins_are_counted_exactly_to_the_limit(registry: Registry,
                                                            tmp_path: Path) -> None:
    """Eight attempts at once, each on a connection of its own (as eight processes would be:
    the database sees connections), released together by a barrier."""
    url = registry.db.engine.url.render_as_string(hide_password=False)
    barrier, told = threading.Barrier(8), []

    def racer() -> None:
        own = Registry(open_database(url, migrate=False), FolderBlobs(tmp_path / "objects"))
        guard = RegistryGuard(own, actor="racer", at=dt.datetime.now(dt.UTC), limit=5)
        with own.reading():
            barrier.wait(timeout=30)
        told.append(type(guard.wrong_pin(SIGNER)).__name__)
        own.db.dispose()

    threads = [threading.Thread(target=racer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(told) == ["SignerLockedError"] * 4 + ["WrongPinError"] * 4
    with registry.reading() as session:
        row = session.get_one(SignerPin, "staff")
        assert (row.failures, row.locked_by) == (5, "failures")
    assert (_count(registry, "signer-pin-failed"), _count(registry, "signer-locked"),
            _count(registry, "signer-refused")) == (5, 1, 3)


def test_a_right_pin_that_races_a_lock_is_refused(registry: Registry) -> None:
    at = dt.datetime(2026, 12, 2, 9, tzinfo=dt.UTC)
    guard = RegistryGuard(registry, actor="issuer01", at=at, limit=5)
    guard.admit(SIGNER)  # not locked yet: the PIN is tried …
    lock_signer(registry, "staff", pki_dir=Path("."), actor="admin01", at=at)
    with pytest.raises(SignerLockedError):  # … and right, but the lock came first
        guard.pin_accepted(SIGNER)
    assert isinstance(guard.wrong_pin(SIGNER), SignerLockedError)  # nor is anything counted
    status = signer_status(registry, SIGNER, at=at)
    assert (status.locked, status.failures, status.locked_by) == (True, 0, "admin01")


def test_the_limit_is_the_setting(registry: Registry) -> None:
    guard = RegistryGuard(registry, actor="issuer01", at=dt.datetime.now(dt.UTC), limit=2)
    assert isinstance(guard.wrong_pin(SIGNER), WrongPinError)
    assert isinstance(guard.wrong_pin(SIGNER), SignerLockedError)


def test_a_token_that_locked_its_own_pin_is_locked_here_too(registry: Registry) -> None:
    """The token's own counter is respected: its refusal becomes the registry's lock."""
    token = SignerRef("pkcs11:token=t;object=k", "pkcs11:token=t", Path("unused"))
    guard = RegistryGuard(registry, actor="issuer01", at=dt.datetime.now(dt.UTC), limit=5)
    assert isinstance(guard.token_locked(token), SignerLockedError)
    with pytest.raises(SignerLockedError, match="pkcs11:token=t "):
        guard.admit(token)
    status = signer_status(registry, token, at=dt.datetime.now(dt.UTC))
    assert (status.locked, status.locked_by) == (True, "token")
