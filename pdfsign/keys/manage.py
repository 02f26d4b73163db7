"""The key-management use cases behind ``pdfsign keys`` and ``pdfsign pki certify``.

Each one logs in (where it needs the user PIN) through the token's PIN lock, does one thing
with :mod:`pdfsign.keys.tokens`, and records it in the audit trail — never a PIN.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pdfsign.config import Settings
from pdfsign.errors import InputError
from pdfsign.keys.guard import RegistryGuard, audit_signer
from pdfsign.keys.tokens import (
    KeyKind,
    TokenInfo,
    certify_key,
    generate_key,
    import_signer,
    init_token,
    read_public_key,
    user_login,
)
from pdfsign.registry import Registry
from pdfsign.signing import (
    CERTIFICATE_LIFETIME,
    ParsedKeySigner,
    Pkcs11Uri,
    is_pkcs11_uri,
    open_key,
    parse_pkcs11_uri,
    resolve_signer,
)
from tsa.issued import IssuedCertificate, issue_signer_certificate

__all__ = ["certify", "import_key", "new_key", "new_token", "token_uri"]


def token_uri(token: str) -> Pkcs11Uri:
    """``--token``: a token's label, or its ``pkcs11:`` URI."""
    uri = parse_pkcs11_uri(token, field="token") if is_pkcs11_uri(token) else Pkcs11Uri(token=token)
    if not uri.names_token:
        raise InputError("name the token (token=LABEL or its serial)", field="token")
    return uri.token_uri


def _guard(settings: Settings, registry: Registry, actor: str, at: dt.datetime) -> RegistryGuard:
    return RegistryGuard(registry, actor=actor, at=at, limit=settings.signer_lock_failures)


def new_token(settings: Settings, registry: Registry, *, label: str, so_pin: str,
              user_pin: str, actor: str, at: dt.datetime) -> TokenInfo:
    """Initialise a token ``label`` with both PINs (each meeting the PIN rule); audited."""
    info = init_token(settings.pkcs11_module, label=label, so_pin=so_pin, user_pin=user_pin)
    with registry.writing() as session:
        audit_signer(session, "token-initialized", info.uri, actor=actor, at=at)
    return info


def new_key(settings: Settings, registry: Registry, *, token: str, label: str, kind: KeyKind,
            pin: str, actor: str, at: dt.datetime, bits: int = 2048) -> Pkcs11Uri:
    """Generate a non-extractable key on the token; its URI (audited)."""
    where = token_uri(token)
    login = user_login(where, pin, guard=_guard(settings, registry, actor, at),
                       module=settings.pkcs11_module)
    try:
        uri = generate_key(login, token=where, label=label, kind=kind, bits=bits)
    finally:
        login.close()
    with registry.writing() as session:
        audit_signer(session, "signer-key-generated", str(uri), actor=actor, at=at, kind=kind)
    return uri


def import_key(settings: Settings, registry: Registry, *, token: str, p12: Path,
               p12_pin: str, pin: str, label: str | None, actor: str,
               at: dt.datetime) -> Pkcs11Uri:
    """Move a PKCS#12 signer onto the token (migration); its URI (audited).

    The file is opened through its own PIN lock, the token through the token's.
    """
    guard = _guard(settings, registry, actor, at)
    source = resolve_signer(p12, settings.pki_dir)
    with open_key(source, p12_pin, guard=guard) as opened:
        assert isinstance(opened, ParsedKeySigner)
        where = token_uri(token)
        login = user_login(where, pin, guard=guard, module=settings.pkcs11_module)
        try:
            uri = import_signer(login, opened, token=where, label=label or p12.stem)
        finally:
            login.close()
    with registry.writing() as session:
        audit_signer(session, "signer-key-imported", str(uri), actor=actor, at=at,
                     source=source.id)
    return uri


def certify(directory: Path, signer: str, *, common_name: str, unit: str | None,
            at: dt.datetime, module: str,
            lifetime: dt.timedelta = CERTIFICATE_LIFETIME) -> IssuedCertificate:
    """Issue the certificate of a token key with the PKI folder's CA and put it on the token.

    CSR-less: the public key is read from the token (a public object: no PIN), the folder's
    issuing CA signs it, and the certificate and the CAs above it become certificate objects
    beside the key.
    """
    uri = parse_pkcs11_uri(signer)
    if not uri.names_object:
        raise InputError(f"{uri} names no key (give object=LABEL)", field="signer")
    issued = issue_signer_certificate(directory, read_public_key(uri, uri.module_path or module),
                                      common_name=common_name, unit=unit, at=at,
                                      lifetime=lifetime)
    certify_key(uri, issued.cert, issued.chain, module=uri.module_path or module)
    return issued
