"""Shared fixtures: the committed test PKI and the bundled services serving it.

- ``pki`` — ``fixtures/pki`` loaded (:class:`tsa.pki.Pki`).
- ``pki_services`` — its TSA, CRL and OCSP services in this process (in-memory serials).
- ``tsa_server`` — those services over real HTTP on 127.0.0.1, an OS-chosen port; the base URL.
- ``pki_url_server`` — our server at the PKI's own base URL (http://127.0.0.1:3161), where the
  certificates' CRL and OCSP URLs point; one server shared by every xdist worker.
- ``s3_server`` — an S3-compatible server (moto) on a loopback port, how to reach it
  (:mod:`s3_support`); ``s3_bucket`` a fresh bucket on it.
- ``hsm`` — a SoftHSM2 token in a temporary folder with certified keys on it, and a PKI of its
  own served on a loopback port (:mod:`softhsm_support`).
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
import requests
from cryptography import x509

from tsa.http import ServerThread
from tsa.pki import Pki, load_pki
from tsa.services import PkiServices

if TYPE_CHECKING:
    from softhsm_support import Hsm

    from pdfsign.registry.blob_s3 import S3Endpoint

ROOT = Path(__file__).resolve().parents[1]
PKI_DIR = ROOT / "fixtures" / "pki"


@pytest.fixture(scope="session")
def pki() -> Pki:
    """The committed test PKI (TEST KEYS ONLY)."""
    return load_pki(PKI_DIR)


@pytest.fixture(scope="session")
def pki_services(pki: Pki) -> PkiServices:
    """The PKI's TSA, CRL issuers and OCSP responder, in this process."""
    return PkiServices.from_pki(pki, state_dir=None)


@pytest.fixture(scope="session")
def tsa_server(pki_services: PkiServices) -> Iterator[str]:
    """The services over HTTP on 127.0.0.1 (free port) for this worker; yields the base URL."""
    with ServerThread(pki_services) as server:
        yield server.url


def _serves_our_crl(base_url: str, pki: Pki) -> bool:
    """Whether ``base_url`` answers ``/crl/ca.crl`` with a CRL signed by this PKI's CA."""
    try:
        response = requests.get(f"{base_url}/crl/ca.crl", timeout=2)
        crl = x509.load_der_x509_crl(response.content)
        ca_key = pki.certificate("ca").public_key()
        return response.status_code == 200 and crl.is_signature_valid(ca_key)  # type: ignore[arg-type]
    except (requests.RequestException, ValueError):
        return False


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _start_server(pki: Pki, port: int) -> subprocess.Popen[bytes]:
    """``pdfsign tsa serve`` on ``port`` with a fresh state folder; waits until it answers."""
    state_dir = Path(tempfile.mkdtemp(prefix="pdfsign-pki-url-server-"))
    command = [str(Path(sys.executable).parent / "pdfsign"), "tsa", "serve", "--port", str(port),
               "--pki", str(pki.directory), "--state-dir", str(state_dir)]
    log = state_dir / "server.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT)
    for _ in range(150):
        if process.poll() is not None:
            pytest.fail(f"'pdfsign tsa serve --port {port}' exited: {log.read_text()}")
        if _serves_our_crl(pki.base_url, pki):
            return process
        time.sleep(0.1)
    process.terminate()
    pytest.fail(f"'pdfsign tsa serve --port {port}' did not answer within 15 s")


@dataclass(frozen=True)
class _Shared:
    """Who shares the server at the PKI URL: the server we started (if any) and the workers."""

    server_pid: int | None
    users: tuple[int, ...]


class _SharedFile:
    """``_Shared`` kept as JSON in the temp folder, read and written under an fcntl lock."""

    def __init__(self, port: int) -> None:
        base = Path(tempfile.gettempdir()) / f"pdfsign-pki-url-server-{port}"
        self.lock_path = base.with_suffix(".lock")
        self.state_path = base.with_suffix(".json")

    @contextmanager
    def locked(self) -> Iterator[None]:
        with self.lock_path.open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def read(self) -> _Shared:
        """The state, without dead workers and without a server that is gone."""
        try:
            raw = json.loads(self.state_path.read_text())
            server_pid, users = raw["server_pid"], raw["users"]
        except (OSError, ValueError, KeyError):
            server_pid, users = None, []
        return _Shared(server_pid if _pid_alive(server_pid) else None,
                       tuple(p for p in users if _pid_alive(p)))

    def write(self, state: _Shared) -> None:
        self.state_path.write_text(json.dumps(asdict(state)))


_started: list[subprocess.Popen[bytes]] = []  # reaped by the worker that started them


def _stop(pid: int) -> None:
    os.kill(pid, signal.SIGTERM)
    for process in _started:
        if process.pid == pid:
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def pki_url_server(pki: Pki) -> Iterator[str]:
    """Our server answering at the PKI's base URL; yields that URL.

    Shared across xdist workers: under an fcntl lock, the first worker starts
    ``pdfsign tsa serve`` (or reuses a server already answering with this PKI's
    CRL, e.g. ``make serve-tsa`` or one left by a killed run); the last worker to
    finish stops it, if one of us started it.
    """
    shared = _SharedFile(urlsplit(pki.base_url).port or 80)
    with shared.locked():
        state = shared.read()
        server_pid = state.server_pid
        if not _serves_our_crl(pki.base_url, pki):
            if server_pid is not None:  # ours, but not serving this PKI any more
                _stop(server_pid)
            _started.append(_start_server(pki, urlsplit(pki.base_url).port or 80))
            server_pid = _started[-1].pid
        shared.write(_Shared(server_pid, (*state.users, os.getpid())))
    yield pki.base_url
    with shared.locked():
        state = shared.read()
        users = tuple(p for p in state.users if p != os.getpid())
        if not users and state.server_pid is not None:
            _stop(state.server_pid)
            state = _Shared(None, users)
        shared.write(_Shared(state.server_pid, users))


@pytest.fixture(scope="session")
def hsm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hsm]:
    """A SoftHSM2 token of this session with certified RSA and EC keys (``softhsm_support``)."""
    from softhsm_support import start_hsm  # the token stack loads only where a test needs it

    with start_hsm(tmp_path_factory.mktemp("softhsm")) as made:
        yield made


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A private PostgreSQL 15 cluster of this session (``pg_support``), with room for the
    scale-out test's many processes and their pools; yields its base URL."""
    from pg_support import pg_cluster

    with pg_cluster(max_connections=200) as url:
        yield url


@pytest.fixture
def pg_url(pg_server: str) -> str:
    """An empty database on :func:`pg_server`."""
    from pg_support import new_pg_database

    return new_pg_database(pg_server)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Endpoint]:
    """An S3-compatible server of this session (``s3_support``)."""
    from s3_support import moto_server

    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3_bucket(s3_server: S3Endpoint) -> str:
    """A new, empty bucket on :func:`s3_server`."""
    from s3_support import new_bucket

    return new_bucket(s3_server)
