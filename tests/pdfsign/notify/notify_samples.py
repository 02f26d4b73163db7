"""Notification test samples: the SMTP server, data, users and a fast issuer.

The fixtures built from them are in ``conftest.py``; tests import these names from here (a
module name of its own, so it never meets another folder's ``conftest``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import json
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from pdfsign.accounts import Role, add_user
from pdfsign.accounts.tables import User
from pdfsign.documents import Document
from pdfsign.issuing import Issuer
from pdfsign.registry import Registry

ROOT = Path(__file__).resolve().parents[3]
SAMPLES = ROOT / "fixtures" / "samples"
#: The registry clock of these tests (inside bank 2345's agreement).
T0 = dt.datetime(2026, 11, 24, 1, 0, tzinfo=dt.UTC)
HEAD = "14234500001"
BRANCH_002 = "14234500201"
BRANCH_003 = "14234500301"
OTHER_BANK = "14345600001"
MAIL_FROM = "さくら信用保証協会 <denshi@sakura-hosho.example>"


def sample(name: str, **changes: Any) -> dict[str, Any]:
    """A committed sample data file, with top-level ``changes``."""
    data: dict[str, Any] = json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    return {**data, **changes}


def guarantee(n: int, *, branch: str = "002", kind: str = "guarantee") -> dict[str, Any]:
    """Sample certificate number ``n`` (its own customer and guarantee numbers)."""
    data = sample("guarantee-change" if kind == "guarantee-change" else "guarantee",
                  customer_number=f"{n:09d}", guarantee_number=2026000000 + n)
    data["branch"] = {"name": {"002": "本町支店", "003": "駅前支店"}.get(branch, "支店"),
                      "code": branch}
    return data


@dataclass(frozen=True)
class Received:
    """One message the server accepted."""

    sender: str
    recipients: tuple[str, ...]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


@dataclass
class _Handler:
    """aiosmtpd hooks: record, refuse, go down, hold."""

    received: list[Received] = field(default_factory=list)
    #: Recipients answered ``550`` (for good) or ``451`` (try later) at RCPT.
    refuse: set[str] = field(default_factory=set)
    defer: set[str] = field(default_factory=set)
    #: After this many accepted messages, answer 421 (a server shutting down) and signal.
    down_after: int | None = None
    went_down: threading.Event = field(default_factory=threading.Event)
    #: While set, DATA is recorded but its answer held until ``release`` is set.
    hold: bool = False
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        if address in self.defer:
            return "451 4.2.0 mailbox busy, try later"
        if self.went_down.is_set():
            return "421 4.3.2 shutting down"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.went_down.is_set():
                return "421 4.3.2 shutting down"
            self.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos),
                                          bytes(envelope.original_content)))
            if self.down_after is not None and len(self.received) >= self.down_after:
                self.went_down.set()
        if self.hold:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)
        return "250 OK"


class SmtpServer:
    """A loopback SMTP server that can be stopped and started again on the same port."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.handler = _Handler()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def start(self) -> None:
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self.handler.release.set()
            self._controller.stop()
            self._controller = None


def make_user(registry: Registry, user_id: str, *, role: Role, name: str,
              email_address: str | None, **columns: object) -> None:
    """Add an account; ``columns`` set other flags directly (notify, active, locked)."""
    add_user(registry, user_id, role=role, name=name, email=email_address, actor="admin",
             at=T0)
    if columns:
        with registry.writing() as session:
            row = session.get(User, user_id)
            assert row is not None
            for key, value in columns.items():
                setattr(row, key, value)


@dataclass(frozen=True)
class FastIssuer(Issuer):
    """The issuing use cases with stand-in bytes instead of a rendered, signed PDF."""

    def produce(self, document: Document, *, at: dt.datetime,
                info: Mapping[str, str] | None = None) -> bytes:
        return f"%PDF-1.7\n% {document.kind.value} {at.isoformat()} {dict(info or {})}\n".encode()
