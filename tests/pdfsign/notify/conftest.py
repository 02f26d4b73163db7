"""Notification fixtures: a real SMTP server on loopback, a registry with banks and bank users.

- ``smtp`` — an aiosmtpd server on 127.0.0.1 (a free port, kept across a stop and restart)
  that records every message it accepts and can be told to refuse a recipient with 550,
  to go down gracefully after N messages (421), or to hold its answer to DATA.
- ``settings`` / ``registry`` — a fresh SQLite home whose ``smtp_url`` points there; bank
  2345 みらい銀行 under agreement (storage mode) and bank 3456 あおば銀行.
- ``users`` — bank users of 2345 (head office, branches 002 and 003), of 3456, and staff.
- ``fast_issuer`` — the real issuing use cases with a stand-in signer (the registry stores
  bytes; what is under test here is the notification written beside each version).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from notify_samples import (
    BRANCH_002,
    BRANCH_003,
    HEAD,
    MAIL_FROM,
    OTHER_BANK,
    T0,
    FastIssuer,
    SmtpServer,
    make_user,
)

from pdfsign.accounts import Role
from pdfsign.config import Settings
from pdfsign.notify import Notifications
from pdfsign.registry import Registry, set_bank


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A started SMTP server on 127.0.0.1."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def settings(tmp_path: Path, smtp: SmtpServer) -> Settings:
    """A fresh home, mail going to ``smtp``, links on http://127.0.0.1:8080, 7 days."""
    return Settings.load(home=tmp_path / "home", env={}, smtp_url=smtp.url, mail_from=MAIL_FROM,
                         mail_reply_to="toiawase@sakura-hosho.example", actor="staff-1")


@pytest.fixture
def registry(settings: Settings) -> Iterator[Registry]:
    """The migrated registry of ``settings`` with banks 2345 (storage) and 3456."""
    reg = Registry.open(settings)
    set_bank(reg, code="2345", name="みらい銀行", start=dt.date(2026, 1, 1), actor="t", at=T0)
    set_bank(reg, code="3456", name="あおば銀行", start=dt.date(2026, 1, 1), actor="t", at=T0)
    yield reg
    reg.db.dispose()


@pytest.fixture
def users(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """User ID → e-mail of the accounts made (some get nothing by design).

    Argon2 is replaced by a stand-in while they are made: nobody signs in here, and nine
    real hashes would cost seconds per test.
    """
    monkeypatch.setattr("pdfsign.accounts.users.hash_password", lambda _password: "x")
    made = {HEAD: "honbu@mirai.example", BRANCH_002: "honmachi@mirai.example",
            BRANCH_003: "ekimae@mirai.example", OTHER_BANK: "honbu@aoba.example"}
    make_user(registry, HEAD, role=Role.BANK_HEAD, name="みらい銀行 本部 融資部",
              email_address=made[HEAD])
    make_user(registry, BRANCH_002, role=Role.BANK_BRANCH, name="みらい銀行 本町支店",
              email_address=made[BRANCH_002])
    make_user(registry, BRANCH_003, role=Role.BANK_BRANCH, name="みらい銀行 駅前支店",
              email_address=made[BRANCH_003])
    make_user(registry, OTHER_BANK, role=Role.BANK_HEAD, name="あおば銀行 本部",
              email_address=made[OTHER_BANK])
    make_user(registry, "14234500202", role=Role.BANK_BRANCH, name="通知なし",
              email_address="off@mirai.example", notify=False)
    make_user(registry, "14234500203", role=Role.BANK_BRANCH, name="無効", active=False,
              email_address="inactive@mirai.example")
    make_user(registry, "14234500204", role=Role.BANK_BRANCH, name="ロック", locked=True,
              email_address="locked@mirai.example")
    make_user(registry, "14234500205", role=Role.BANK_BRANCH, name="メールなし",
              email_address=None)
    make_user(registry, "staff-1", role=Role.ISSUER, name="職員", email_address="s@hosho.example")
    return made


@pytest.fixture
def fast_issuer(registry: Registry, settings: Settings) -> FastIssuer:
    """An issuer writing notifications as ``Issuer.open`` would (settings' link days)."""
    return FastIssuer(registry, None, None, "staff-1",  # type: ignore[arg-type]
                      Notifications.from_settings(settings))
