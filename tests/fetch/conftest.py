"""Fixtures for the bulk download tool: one real server for the session, banks, runs.

- ``fetch_app`` / ``fetch_registry`` / ``fetch_server`` — ``create_app`` over a fresh
  installation, served by waitress on 127.0.0.1 (one for the whole session: each test uses
  banks of its own, so their files never meet).
- ``bank`` — ``bank(code)``: a registered bank with a head office whose password is changed
  (as the seed requires before the tool may use it); issue files, make users and tokens.
- ``settings_for`` — write a settings file for a bank's head office into the test's folder.
- :func:`fetch` — run the tool in this process; the exit code, log lines and files.
- :class:`Gate` — WSGI middleware over the real app that holds, corrupts or delays the
  answers to one path (an interruption, a damaged download, a slow server).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import re
import socket
import threading
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from pdfsign.accounts import Role, Scope, add_user, change_password, create_token
from pdfsign.config import Settings
from pdfsign.fetch import run
from pdfsign.fetch.output import CSV_COLUMNS
from pdfsign.registry import FileInfo, NewFile, Registry, set_bank
from webui import create_app
from webui.serving import ServerThread

ROOT = Path(__file__).resolve().parents[2]
#: Every test account's password after the forced change.
PASSWORD = "Fetch2026ok"
_LINE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[+-]\d\d:\d\d (\[(?:INFO|WARN|ERROR)\] .*)")


def now() -> dt.datetime:
    """The server's clock (the app runs on the wall clock)."""
    return dt.datetime.now(dt.UTC)


@pytest.fixture(scope="session")
def fetch_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """The web app over a new installation."""
    home = tmp_path_factory.mktemp("fetch-home")
    (home / "config.toml").write_text(f'trust = ["{ROOT / "fixtures/pki/root.pem"}"]\n',
                                      encoding="utf-8")
    return create_app(Settings.load(home=home, env={}))


@pytest.fixture(scope="session")
def fetch_registry(fetch_app: Flask) -> Registry:
    """The app's registry."""
    found: Registry = fetch_app.extensions["pdfsign"].registry
    return found


@pytest.fixture(scope="session")
def fetch_server(fetch_app: Flask) -> Iterator[str]:
    """The app on a free loopback port; its base URL."""
    with ServerThread(fetch_app) as running:
        yield running.url


def free_port() -> int:
    """A loopback port nothing listens on (yet)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Bank:
    """A bank of the test registry, its head office and its files."""

    registry: Registry
    code: str
    issued: int = 0

    @property
    def head(self) -> str:
        """The head office's user ID (branch 000)."""
        return f"14{self.code}00001"

    def user(self, user_id: str, role: Role, *, change: bool = True) -> str:
        """Make an account; its password (changed from the initial one unless told not)."""
        initial = add_user(self.registry, user_id, role=role, name=f"{user_id} 様",
                           actor="test", at=now()).initial_password
        if not change:
            return initial
        change_password(self.registry, user_id, current=initial, new=PASSWORD, at=now())
        return PASSWORD

    def token(self, user_id: str) -> str:
        """A personal read token of an existing user."""
        return create_token(self.registry, user_id, scope=Scope.READ, expires_days=1,
                            actor="test", at=now())[1]

    def issue(self, count: int, *, branch: str = "002") -> list[str]:
        """Upload ``count`` guarantees of this bank, in this order; their file IDs."""
        ids = []
        for _ in range(count):
            self.issued += 1
            n = int(self.code) * 1000 + self.issued
            new = NewFile(file_id=f"14_{self.code}{branch}_{n:09d}_{2026000000 + n:010d}_000",
                          kind="guarantee", association_code="14", bank_code=self.code,
                          branch_code=branch, customer_number=f"{n:09d}",
                          guarantee_number=f"{2026000000 + n:010d}", change_number="000",
                          customer_name=f"顧客{n}", guarantee_date=dt.date(2026, 11, 1))
            self.registry.issue(new, lambda *_, i=new.file_id: pdf_bytes(i, 1), actor="test",
                                at=now())
            ids.append(new.file_id)
        return ids

    def reissue(self, file_id: str) -> None:
        """A corrected certificate: the next version of ``file_id``."""
        version = self.registry.file(file_id).current_version + 1
        self.registry.reissue(file_id, lambda *_: pdf_bytes(file_id, version), actor="test",
                              at=now())

    def info(self, file_id: str) -> FileInfo:
        """The file's registry record now."""
        return self.registry.file(file_id)


def pdf_bytes(file_id: str, version: int) -> bytes:
    """The stand-in PDF of a version (the tool checks digests, not signatures)."""
    return f"%PDF-1.7\n% {file_id} version {version}\n%%EOF\n".encode()


@pytest.fixture
def bank(fetch_registry: Registry) -> Callable[[str], Bank]:
    """``bank(code)``: register the bank, with its head office (password changed)."""
    def make(code: str) -> Bank:
        set_bank(fetch_registry, code=code, name=f"銀行{code}", start=dt.date(2026, 1, 1),
                 actor="test", at=now())
        made = Bank(fetch_registry, code)
        made.user(made.head, Role.BANK_HEAD)
        return made
    return make


def write_settings(path: Path, values: dict[str, Any]) -> Path:
    """A TOML settings file with ``values`` (strings quoted, numbers as given)."""
    path.write_text("".join(f"{key} = {json.dumps(value)}\n" for key, value in values.items()),
                    encoding="utf-8")
    return path


@pytest.fixture
def settings_for(tmp_path: Path, fetch_server: str) -> Callable[..., Path]:
    """``settings_for(user_id, **overrides)``: the settings file of a run in ``tmp_path``
    (``out/`` and ``log/`` made), retrying quickly; an override of ``None`` drops a key."""
    def write(user_id: str | None, /, name: str = "fetch.toml", **overrides: Any) -> Path:
        for folder in ("out", "log"):
            (tmp_path / folder).mkdir(exist_ok=True)
        values: dict[str, Any] = {
            "service_url": fetch_server, "user_id": user_id, "password": PASSWORD,
            "output_dir": str(tmp_path / "out"), "log_dir": str(tmp_path / "log"),
            "retry_count": 2, "retry_wait": 0} | overrides
        return write_settings(tmp_path / name, {k: v for k, v in values.items()
                                                if v is not None})
    return write


@dataclass(frozen=True)
class Outcome:
    """What one run did."""

    code: int
    #: The log lines without their timestamps, e.g. ``[INFO] done``.
    lines: list[str]
    output_dir: Path

    @property
    def pdfs(self) -> dict[str, bytes]:
        """The PDFs in the output folder, by file ID."""
        return {p.stem: p.read_bytes() for p in sorted(self.output_dir.glob("*.pdf"))}

    @property
    def lists(self) -> list[Path]:
        """The CSV lists in the output folder, oldest first."""
        return sorted(self.output_dir.glob("files_*.csv"))


def fetch(config: Path, *, sleep: Callable[[float], None] = time.sleep) -> Outcome:
    """Run the tool on ``config`` in this process.

    Checks that every line has a timestamp and that the log file (when the settings name a
    usable log folder) got exactly the lines standard error did.
    """
    stderr = io.StringIO()
    code = run(config, stderr=stderr, sleep=sleep)
    lines = stderr.getvalue().splitlines()
    matched = [_LINE.fullmatch(line) for line in lines]
    assert all(matched), lines
    found = [m.group(1) for m in matched if m]
    folders = {"output_dir": config.parent / "out", "log_dir": config.parent / "log"}
    with contextlib.suppress(OSError, ValueError):
        folders |= {k: Path(v) for k, v in tomllib.loads(config.read_text("utf-8")).items()
                    if k in folders}
    log_dir = folders["log_dir"]
    logs = sorted(log_dir.glob("pdfsign-fetch-*.log")) if log_dir.is_dir() else []
    if logs:
        logged = logs[-1].read_text(encoding="utf-8").splitlines()
        assert logged[-len(lines):] == lines
    return Outcome(code, found, folders["output_dir"])


def csv_rows(path: Path) -> list[dict[str, str]]:
    """A CSV list's rows (UTF-8 with a BOM, the columns checked)."""
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join(CSV_COLUMNS)
    return list(csv.DictReader(lines))


def expected_rows(infos: list[FileInfo]) -> list[dict[str, str]]:
    """The rows the server's ``files.csv`` has for ``infos`` (but ``search_kind``, which
    the API does not send yet: see test_fetch_tool.test_the_list_is_the_servers_files_csv)."""
    rows = []
    for info in infos:
        data = info.to_json()
        rows.append({c: "" if data.get(c) is None else str(data[c]) for c in CSV_COLUMNS})
    return rows


def without_search_kind(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The rows without the ``search_kind`` column."""
    return [{k: v for k, v in row.items() if k != "search_kind"} for row in rows]


@dataclass
class Gate:
    """WSGI middleware: the real app, except for requests whose path ends with ``path``.

    ``mode`` is ``hold`` (the ``nth`` such request waits until :meth:`release`),
    ``corrupt`` (the body's last byte is changed, the headers kept) or ``slow`` (the first
    such request is answered after ``delay`` seconds).  ``seen`` counts every path.
    """

    app: Callable[..., Any]
    path: str
    mode: str
    nth: int = 1
    delay: float = 0.0
    seen: dict[str, int] = field(default_factory=dict)
    reached: threading.Event = field(default_factory=threading.Event)
    _released: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def release(self) -> None:
        """Let a held request go on."""
        self._released.set()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ["PATH_INFO"]
        with self._lock:
            self.seen[path] = self.seen.get(path, 0) + 1
            matching = sum(n for p, n in self.seen.items() if p.endswith(self.path))
        if not path.endswith(self.path):
            return self.app(environ, start_response)
        if self.mode == "hold" and matching == self.nth:
            self.reached.set()
            self._released.wait(timeout=60)
        if self.mode == "slow" and matching == 1:
            time.sleep(self.delay)
        body = b"".join(self.app(environ, start_response))
        if self.mode == "corrupt":
            body = body[:-1] + bytes([body[-1] ^ 1])
        return [body]


@pytest.fixture
def gate(fetch_app: Flask) -> Iterator[Callable[..., Gate]]:
    """``gate(path, mode, **options)``: put a :class:`Gate` before the app for this test."""
    original = fetch_app.wsgi_app
    made: list[Gate] = []

    def install(path: str, mode: str, **options: Any) -> Gate:
        made.append(Gate(original, path, mode, **options))
        fetch_app.wsgi_app = made[-1]  # type: ignore[method-assign]
        return made[-1]

    yield install
    fetch_app.wsgi_app = original  # type: ignore[method-assign]
    for installed in made:
        installed.release()
