"""The PKI's HTTP services (TSA, CRL, OCSP) as their own process: ``pdfsign tsa serve``.

The benchmarks run the product's server command rather than a thread of the measuring
process, so server and clients do not share one interpreter lock.  The test PKI's
certificates point CRL and OCSP at http://127.0.0.1:3161; a server already answering there
with this PKI's CRL (``make serve``, a test run) is used as it is and left running.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
from cryptography import x509

__all__ = ["PkiServer", "free_port", "pdfsign_command", "serves_pki"]

#: How long a starting server may take to answer.
START_TIMEOUT_S = 20.0


def pdfsign_command() -> str:
    """The ``pdfsign`` console script of the running interpreter's environment."""
    return str(Path(sys.executable).parent / "pdfsign")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that the OS reports free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serves_pki(base_url: str, ca_pem: Path) -> bool:
    """Whether ``base_url`` answers ``/crl/ca.crl`` with a CRL signed by the CA of ``ca_pem``."""
    try:
        response = requests.get(f"{base_url}/crl/ca.crl", timeout=2)
        crl = x509.load_der_x509_crl(response.content)
    except (requests.RequestException, ValueError):
        return False
    ca_key = x509.load_pem_x509_certificate(ca_pem.read_bytes()).public_key()
    return response.status_code == 200 and crl.is_signature_valid(ca_key)  # type: ignore[arg-type]


class PkiServer:
    """``pdfsign tsa serve`` for one PKI folder on 127.0.0.1:``port``, started on demand.

    :meth:`ensure` is called before each piece of work that needs the server: a server
    someone else started may stop at any time, and then ours takes over the port.
    """

    def __init__(self, pki_dir: Path, *, port: int, state_dir: Path, threads: int = 8) -> None:
        self.pki_dir, self.port, self.state_dir, self.threads = pki_dir, port, state_dir, threads
        #: The base URL, e.g. ``http://127.0.0.1:3161``.
        self.url = f"http://127.0.0.1:{port}"
        self._process: subprocess.Popen[bytes] | None = None

    def ensure(self) -> str:
        """The base URL, once a server for this PKI answers there (ours if none did).

        :raises RuntimeError: when our server exits or does not answer within 20 s.
        """
        ca_pem = self.pki_dir / "ca.pem"
        if serves_pki(self.url, ca_pem):
            return self.url
        self.stop()
        log = self.state_dir / "server.log"
        command = [pdfsign_command(), "tsa", "serve", "--host", "127.0.0.1", "--port",
                   str(self.port), "--pki", str(self.pki_dir), "--state-dir",
                   str(self.state_dir), "--threads", str(self.threads)]
        with log.open("wb") as log_file:
            self._process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT)
        _wait_ready(self._process, self.url, ca_pem, log)
        return self.url

    def stop(self) -> None:
        """Stop our server, if we started one (a server someone else started is left alone)."""
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None

    def __enter__(self) -> PkiServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _wait_ready(process: subprocess.Popen[bytes], base_url: str, ca_pem: Path,
                log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            last = log.read_text(errors="replace").strip().splitlines()[-3:]
            raise RuntimeError(f"'pdfsign tsa serve' exited {process.returncode}: "
                               f"{' | '.join(last)}")
        if serves_pki(base_url, ca_pem):
            return
        time.sleep(0.1)
    raise RuntimeError(f"'pdfsign tsa serve' did not answer at {base_url} "
                       f"within {START_TIMEOUT_S:.0f} s")
