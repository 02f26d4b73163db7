"""Shared by the client-certificate tests: a test PKI with banks' client certificates, the
accounts they name, and a test-only route that answers with what :func:`client_user` maps.

The PKI is a copy of ``fixtures/pki`` (its client CA included; TEST KEYS ONLY): the client
certificates are issued into the copy, so the committed folder is never written.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from flask import Blueprint, Flask, jsonify, request
from flask.typing import ResponseReturnValue

from pdfsign.accounts import Role, add_user, deactivate, lock
from pdfsign.errors import AuthenticationError
from pdfsign.registry import Registry
from tsa.client_certs import (
    client_ca_path,
    issue_client_certificate,
    revoke_client_certificates,
    write_client_crl,
)
from tsa.pki import DEFAULT_TEST_PIN, load_pki
from tsa.server_certs import issue_server_certificate
from webui.client_certs import VERIFY_HEADER, client_user
from webui.context import web

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = b"Client-2026"
HEAD, BRANCH = "14234500002", "14234500202"
#: Client certificates issued for the tests: name → subject CN.
CLIENTS = {"head": HEAD, "branch": BRANCH, "revoked": "14234500003", "unknown": "14234500099",
           "locked": "14234500004", "deactivated": "14234500205", "staff": "demo-admin"}
#: The accounts the CNs name ("unknown" has none).
ACCOUNTS = {HEAD: Role.BANK_HEAD, BRANCH: Role.BANK_BRANCH, "14234500003": Role.BANK_HEAD,
            "14234500004": Role.BANK_HEAD, "14234500205": Role.BANK_BRANCH,
            "demo-admin": Role.ADMIN}
#: Certificates with a key that the client CA did not issue: the issuing CA's staff signer
#: (the same root) and the signer of a foreign root.
OTHER_CA = {"other-ca": "staff", "foreign": "untrusted"}


@dataclass(frozen=True)
class Client:
    """A client certificate and its key, both PEM, the key unencrypted (``requests`` takes no
    password), for ``requests``' ``cert=``."""

    cert: Path
    key: Path

    @property
    def pair(self) -> tuple[str, str]:
        return str(self.cert), str(self.key)

    def header(self) -> str:
        """The certificate as nginx passes it: the leaf, PEM, URL-escaped."""
        leaf = self.cert.read_text().split("-----END CERTIFICATE-----")[0]
        return quote(leaf + "-----END CERTIFICATE-----\n", safe="")


@dataclass(frozen=True)
class MtlsPki:
    """The PKI copy and what the tests use from it."""

    directory: Path
    root: Path
    client_ca: Path
    crl: Path
    server_cert: Path
    server_key: Path
    clients: dict[str, Client]


def make_mtls_pki(base: Path, *, at: dt.datetime) -> MtlsPki:
    """Copy the fixtures PKI into ``base`` and issue every test certificate as of ``at``."""
    directory = base / "pki"
    shutil.copytree(ROOT / "fixtures" / "pki", directory)
    clients = {name: _issued(directory, base, name, cn, at) for name, cn in CLIENTS.items()}
    revoke_client_certificates(directory, CLIENTS["revoked"], at=at)
    clients.update({name: _from_p12(directory, base, name, signer)
                    for name, signer in OTHER_CA.items()})
    crl = write_client_crl(directory, base / "client-crl.pem", at=at)
    server_cert = base / "server.pem"
    issue_server_certificate(directory, server_cert, hosts=["127.0.0.1"], at=at)
    return MtlsPki(directory, directory / "root.pem", client_ca_path(directory), crl,
                   server_cert, base / "server.key.pem", clients)


def _issued(directory: Path, base: Path, name: str, cn: str, at: dt.datetime) -> Client:
    issued = issue_client_certificate(directory, cn, out=base / f"{name}.p12",
                                      password=PASSWORD, at=at)
    key = serialization.load_pem_private_key(issued.key_pem.read_bytes(), PASSWORD)
    return Client(issued.cert_pem, _plain_key(base / f"{name}.plain.key.pem", key))


def _from_p12(directory: Path, base: Path, name: str, signer: str) -> Client:
    key, cert, chain = pkcs12.load_key_and_certificates(
        load_pki(directory).signer(signer).p12.read_bytes(), DEFAULT_TEST_PIN.encode())
    assert key is not None
    assert cert is not None
    pem = base / f"{name}.pem"
    pem.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM)
                             for c in (cert, *chain)))
    return Client(pem, _plain_key(base / f"{name}.plain.key.pem", key))


def _plain_key(path: Path, key: object) -> Path:
    path.write_bytes(key.private_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return path


def add_accounts(registry: Registry, *, at: dt.datetime) -> None:
    """The accounts of :data:`ACCOUNTS`; "locked" locked and "deactivated" deactivated by an
    administrator."""
    for user_id, role in ACCOUNTS.items():
        add_user(registry, user_id, role=role, name=f"{user_id} 様", actor="test", at=at)
    lock(registry, CLIENTS["locked"], actor="test", at=at)
    deactivate(registry, CLIENTS["deactivated"], actor="test", at=at)


#: A route for the tests only: who the client certificate is, as the API will ask it.
whoami = Blueprint("mtls_whoami", __name__)
WHOAMI = "/api/_test/whoami"


@whoami.get(WHOAMI)
def _whoami() -> ResponseReturnValue:
    seen = {"verify": request.headers.get(VERIFY_HEADER)}
    try:
        user = client_user(web())
    except AuthenticationError as exc:
        return jsonify(user=None, reason=exc.reason, message=exc.message, **seen), 401
    if user is None:
        return jsonify(user=None, **seen), 401
    return jsonify(user=user.user_id, role=user.role.value, **seen)


def with_whoami(app: Flask) -> Flask:
    """``app`` with the test route registered."""
    app.register_blueprint(whoami)
    return app
