"""The SoftHSM2 token the signing figures' ``sign_es_a_hsm_ms`` signs with (TEST KEYS ONLY).

A token of its own in the run's work folder (``SOFTHSM2_CONF`` points at a configuration with
its own token folder, set before the module is first loaded in this process), an RSA-2048 key
generated on it, certified by a copy of the workbench PKI's issuing CA (the copy keeps the
certificate in ``issued/`` for its OCSP responder), and that copy's embedded services.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass

from benchmarks.workbench import Workbench
from pdfsign.config import DEFAULT_PKCS11_MODULE
from pdfsign.keys.manage import certify
from pdfsign.keys.tokens import generate_key, init_token, user_login
from pdfsign.signing import PadesSigner, Pkcs11Uri, SigningServices, load_signer, signing_services

__all__ = ["HsmBench", "hsm_signer"]

_PIN, _SO_PIN, _TOKEN, _LABEL = "BenchPin2026", "BenchSo2026", "bench", "staff"


@dataclass(frozen=True)
class HsmBench:
    """The token key opened for signing, and the services that know its certificate."""

    signer: PadesSigner
    services: SigningServices


def hsm_signer(bench: Workbench, *, at: dt.datetime) -> HsmBench:
    """Make the token, its key and certificate; open the key as every product path does."""
    folder = bench.folder("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\n"
                    "log.level = ERROR\n", encoding="utf-8")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    pki = bench.work / "hsm-pki"
    shutil.copytree(bench.pki_dir, pki)
    init_token(DEFAULT_PKCS11_MODULE, label=_TOKEN, so_pin=_SO_PIN, user_pin=_PIN)
    token = Pkcs11Uri(token=_TOKEN)
    login = user_login(token, _PIN, guard=None, module=DEFAULT_PKCS11_MODULE)
    try:
        uri = generate_key(login, token=token, label=_LABEL, kind="rsa", bits=2048)
    finally:
        login.close()
    certify(pki, str(uri), common_name="山田 太郎", unit="保証課", at=at,
            module=DEFAULT_PKCS11_MODULE)
    signer = load_signer(str(uri), _PIN, pkcs11_module=DEFAULT_PKCS11_MODULE)
    services = signing_services(pki_dir=pki, state_dir=bench.folder("hsm-tsa"), tsa_url=None)
    return HsmBench(signer, services)
