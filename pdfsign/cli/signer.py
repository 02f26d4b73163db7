"""``pdfsign signer``: an administrator's list, lock, unlock and rename of signers.

A signer is named as ``--signer`` names it: a PKI-folder name, a PKCS#12 file, or a token
key's ``pkcs11:`` URI.  The lock is held in the registry, per PIN: locking a key on a token
locks every key sharing the token's user PIN.  Each command calls one function of
:mod:`pdfsign.keys` (which audits it) and prints a line, or ``--json``.
"""

from __future__ import annotations

from collections.abc import Callable

import click

from pdfsign.cli._home import emit, home_options, now, parse_instant
from pdfsign.config import Settings
from pdfsign.keys import (
    SignerStatus,
    list_signers,
    lock_signer,
    rename_signer,
    unlock_signer,
)
from pdfsign.registry import Registry

__all__ = ["signer"]


def _line(status: SignerStatus) -> str:
    """``ID  registered name  certificate end  flags``."""
    name = str(status.registered) if status.registered else "(not registered yet)"
    ends = f"until {status.cert_not_after:%Y-%m-%d}" if status.cert_not_after else "no cert seen"
    flags = [flag for flag, on in (
        (f"LOCKED ({status.locked_by})", status.locked),
        ("EXPIRED", status.expired),
        ("EXPIRES WITHIN 30 DAYS", status.expiring and not status.expired),
        (f"{status.failures} wrong PIN(s)", status.failures and not status.locked)) if on]
    return f"{status.signer_id}  {name}  {ends}  {' '.join(flags)}".rstrip()


@click.group()
def signer() -> None:
    """Signers: their PIN lock, registered names and certificates."""


@signer.command("list")
@click.option("--at", "at_text", metavar="TIME",
              help="Judge the certificates' ends as of TIME (ISO 8601; JST if no zone).")
@home_options
def signer_list(at_text: str | None, settings: Settings, as_json: bool) -> None:
    """Every signer, locked ones and those whose certificate ends within 30 days flagged."""
    at = parse_instant(at_text, field="--at") or now()
    found = list_signers(Registry.open(settings), settings.pki_dir, at=at)
    emit(as_json, [s.to_json() for s in found], "\n".join(_line(s) for s in found)
         or "no signers")


def _lock_command(action: str, operation: Callable[..., SignerStatus], help_text: str) -> None:
    """``signer lock NAME`` / ``signer unlock NAME``: the one call, the one line."""

    @signer.command(action, help=help_text)
    @click.argument("name")
    @home_options
    def command(name: str, settings: Settings, as_json: bool) -> None:
        status = operation(Registry.open(settings), name, pki_dir=settings.pki_dir,
                           actor=settings.actor, at=now())
        emit(as_json, status.to_json(), f"{action}ed {status.pin_scope}")


_lock_command("lock", lock_signer, "Lock NAME: it signs nothing until an administrator "
              "unlocks it.")
_lock_command("unlock", unlock_signer, "Unlock NAME (an administrator's lock or one after "
              "wrong PINs) and clear its failures.")


@signer.command("rename")
@click.argument("name")
@click.option("--name", "common_name", help="The signer's new name (the certificate's CN).")
@click.option("--organization", help="The organisation's new name (the certificate's O).")
@home_options
def signer_rename(name: str, common_name: str | None, organization: str | None,
                  settings: Settings, as_json: bool) -> None:
    """Register a new name for NAME; it then needs a certificate with that name to sign."""
    status = rename_signer(Registry.open(settings), name, pki_dir=settings.pki_dir,
                           common_name=common_name, organization=organization,
                           actor=settings.actor, at=now())
    emit(as_json, status.to_json(), f"{status.signer_id} is registered as {status.registered}; "
         "it needs a new certificate with that name to sign")
