"""A SoftHSM2 token for the tests of token signers, made once per test session (per worker).

:func:`start_hsm` writes a SoftHSM2 configuration with its own token folder under a temporary
directory and points ``SOFTHSM2_CONF`` at it (subprocesses inherit it), generates a test PKI
whose certificates name a free loopback port, initialises the token ``pdfsign`` with
:mod:`pdfsign.keys` and generates its keys on it, certifies them with the PKI's CA
(``pdfsign pki certify``'s function), and serves the PKI's TSA, CRLs and OCSP at that port for
the validators that fetch (``pyhanko sign adesverify``).  TEST KEYS ONLY.

Keys (label → type, certificate):

- ``rsa`` (RSA-2048) and ``ec`` (ECDSA P-256): good for 5 years;
- ``expired``: its certificate ended a year ago;
- ``renamed``: good, for the tests that rename its signer.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pdfsign.config import DEFAULT_PKCS11_MODULE, Settings
from pdfsign.keys.manage import certify
from pdfsign.keys.tokens import generate_key, init_token, user_login
from pdfsign.signing import Pkcs11Uri
from tsa.http import ServerThread
from tsa.pki import generate_pki, load_pki
from tsa.services import PkiServices

__all__ = ["KEYS", "Hsm", "start_hsm"]

#: label → (key type, the certificate's name, how long before now its validity started).
KEYS = {
    "rsa": ("rsa", "山田 太郎", dt.timedelta(0)),
    "ec": ("ec", "佐藤 花子", dt.timedelta(0)),
    "expired": ("rsa", "期限切 三郎", dt.timedelta(days=6 * 365)),
    "renamed": ("rsa", "改名 四郎", dt.timedelta(0)),
}


@dataclass(frozen=True)
class Hsm:
    """The session's token and the PKI that certified its keys."""

    folder: Path
    pki_dir: Path
    base_url: str
    module: str = DEFAULT_PKCS11_MODULE
    token: str = "pdfsign"
    pin: str = "TokenPin2026"
    so_pin: str = "TokenSo2026"

    def uri(self, label: str) -> str:
        """The signer URI of the key ``label``."""
        return f"pkcs11:token={self.token};object={label}"

    def settings(self, home: Path, **overrides: object) -> Settings:
        """Settings for a fresh installation signing with the ``rsa`` key of the token."""
        values: dict[str, object] = {"pki_dir": self.pki_dir, "signer": self.uri("rsa"),
                                     "pkcs11_module": self.module, "pin": self.pin,
                                     "actor": "tester", **overrides}
        return Settings(home=home, **values)  # type: ignore[arg-type]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _configure(folder: Path) -> None:
    """A SoftHSM2 configuration of our own: its token folder, for this process and children."""
    tokens = folder / "tokens"
    tokens.mkdir(parents=True)
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n"
                    "log.level = ERROR\nslots.removable = false\n", encoding="utf-8")
    os.environ["SOFTHSM2_CONF"] = str(conf)


@contextmanager
def start_hsm(folder: Path) -> Iterator[Hsm]:
    """The token, its keys and certificates, and the PKI's services on a loopback port."""
    _configure(folder)
    now = dt.datetime.now(dt.UTC)
    port = _free_port()
    hsm = Hsm(folder=folder, pki_dir=folder / "pki", base_url=f"http://127.0.0.1:{port}")
    generate_pki(hsm.pki_dir, at=now, base_url=hsm.base_url)
    init_token(hsm.module, label=hsm.token, so_pin=hsm.so_pin, user_pin=hsm.pin)
    token = Pkcs11Uri(token=hsm.token)
    login = user_login(token, hsm.pin, guard=None, module=hsm.module)
    try:
        for label, (kind, _, _) in KEYS.items():
            generate_key(login, token=token, label=label, kind="ec" if kind == "ec" else "rsa")
    finally:
        login.close()
    for label, (_, name, before) in KEYS.items():
        certify(hsm.pki_dir, hsm.uri(label), common_name=name, unit="保証課", at=now - before,
                module=hsm.module)
    services = PkiServices.from_pki(load_pki(hsm.pki_dir), state_dir=None)
    with ServerThread(services, port=port):
        yield hsm
