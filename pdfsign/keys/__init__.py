"""Signing keys as the installation knows them: which signers exist and where their keys
are (PKCS#12 files, PKCS#11 tokens), their PIN lock in the registry, their registered names,
and the keys on tokens.

:func:`open_signer` is how the product opens a signer — the CLI, the web, the API, batch
workers and the report signer all call it: :func:`pdfsign.signing.load_signer` with this
installation's PKI folder, PKCS#11 module and lock limit, and the registry's
:class:`RegistryGuard`.
"""

from __future__ import annotations

import datetime as dt

from pdfsign.config import Settings
from pdfsign.keys.admin import (
    SignerStatus,
    list_signers,
    lock_signer,
    rename_signer,
    signer_status,
    unlock_signer,
)
from pdfsign.keys.guard import RegistryGuard
from pdfsign.keys.pin_rule import PIN_RULE, check_signing_pin
from pdfsign.keys.pins import change_pin
from pdfsign.registry import Registry
from pdfsign.signing import PadesSigner, load_signer

__all__ = ["PIN_RULE", "RegistryGuard", "SignerStatus", "change_pin", "check_signing_pin",
           "guard_for", "list_signers", "lock_signer", "open_signer", "rename_signer",
           "signer_status", "unlock_signer"]


def guard_for(settings: Settings, registry: Registry, *, actor: str,
              at: dt.datetime) -> RegistryGuard:
    """The signer lock of this installation, for one attempt by ``actor`` at ``at``."""
    return RegistryGuard(registry, actor=actor, at=at, limit=settings.signer_lock_failures)


def open_signer(settings: Settings, registry: Registry, *, pin: str, actor: str,
                at: dt.datetime, signer: str | None = None) -> PadesSigner:
    """Open ``signer`` (default: the configured one) with ``pin``, through the lock.

    :raises WrongPinError: the PIN is wrong (counted).
    :raises SignerLockedError: the signer is locked (exit code 6).
    :raises SignerCertificateError: expired, not yet valid, or renamed (exit code 8).
    :raises InputError: no such signer file, token or key.
    """
    return load_signer(signer or settings.signer, pin, pki_dir=settings.pki_dir,
                       pkcs11_module=settings.pkcs11_module,
                       guard=guard_for(settings, registry, actor=actor, at=at), at=at)
