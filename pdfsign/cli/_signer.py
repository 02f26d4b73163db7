"""Which key signs and with which PIN: one rule for every command that signs.

``sign``, ``verify --sign``, ``issue``, ``reissue`` and ``invalidate`` all resolve the signer
and the PIN here.

``--signer`` is a PKCS#12 file, a signer name of the PKI folder (``signers/<name>.p12``) or a
key on a PKCS#11 token named by its URI (``pkcs11:token=pdfsign;object=staff``), defaulting to
the configured signer; it is opened through the signer's PIN lock in the registry
(:func:`pdfsign.keys.open_signer`); the PIN comes from ``--pin-file``, else ``PDFSIGN_PIN``
(or the config file), else a hidden prompt on standard error, so that a report written to
standard output stays clean.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import click

from pdfsign.config import Settings
from pdfsign.errors import InputError
from pdfsign.keys import open_signer as open_guarded
from pdfsign.registry import Registry
from pdfsign.signing import PadesSigner, signer_path

__all__ = ["open_signer", "read_pin", "signer_options", "signer_path", "with_signer"]

F = TypeVar("F", bound=Callable[..., Any])


def read_pin(pin_file: Path | None, settings: Settings | None, *, prompt: str = "Signing PIN",
             confirm: bool = False) -> str:
    """The PIN from ``pin_file``, else ``settings.pin`` (``PDFSIGN_PIN``), else a hidden prompt.

    A new PIN (``keys set-pin``, ``keys init-token``) passes ``settings=None`` (no PIN of the
    environment is a new one), its own ``prompt``, and ``confirm`` to be asked twice.

    ``--pin-file -`` reads the first line of standard input: how the web UI hands a PIN to
    the batch process it starts, never through arguments, the environment or a file.
    Only the line break ending the file is dropped: every other character belongs to the PIN.

    :raises InputError: The PIN file cannot be read, or standard input holds no PIN
        (``field="pin-file"``).
    """
    if pin_file == Path("-"):
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise InputError("no PIN on standard input", field="pin-file")
        return line
    if pin_file is not None:
        try:
            return pin_file.read_text(encoding="utf-8").rstrip("\r\n")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read the PIN file: {exc}", field="pin-file") from None
    if settings is not None and settings.pin:
        return settings.pin
    pin: str = click.prompt(prompt, hide_input=True, err=True, confirmation_prompt=confirm)
    return pin


def with_signer(settings: Settings, *, signer: str | None, pin_file: Path | None) -> Settings:
    """``settings`` with the signer and its PIN resolved, the PIN read (or asked for) once.

    Issuing keeps both in the settings: batch workers open the signer from them.

    :param settings: The loaded settings (default signer, PKI folder, PIN from the environment).
    :param signer: The ``--signer`` value, or ``None`` for ``settings.signer``.
    :param pin_file: The ``--pin-file`` value, or ``None``.
    :raises InputError: The PIN file cannot be read.
    """
    return replace(settings, signer=signer or settings.signer,
                   pin=read_pin(pin_file, settings))


def open_signer(settings: Settings, *, signer: str | None, pin_file: Path | None,
                at: dt.datetime | None = None) -> PadesSigner:
    """Open the signer ``--signer`` names (or the configured one) with its PIN, through its
    lock in the registry of ``settings.home``.

    :param settings: The loaded settings (default signer, PKI folder, PIN from the environment).
    :param signer: The ``--signer`` value (a name, a PKCS#12 file or a URI), or ``None``.
    :param pin_file: The ``--pin-file`` value, or ``None``.
    :param at: When (the certificate must be valid then); default now.
    :raises InputError: The PIN file, the PKCS#12 file or the token key cannot be read.
    :raises WrongPinError: The PIN is wrong.
    :raises SignerLockedError: The signer is locked.
    :raises SignerCertificateError: Its certificate is expired or names another signer.
    """
    resolved = with_signer(settings, signer=signer, pin_file=pin_file)
    return open_guarded(resolved, Registry.open(resolved), pin=resolved.pin,
                        actor=resolved.actor, at=at or dt.datetime.now(dt.UTC))


def signer_options(command: F) -> F:
    """Add ``--signer NAME`` and ``--pin-file FILE``, passed as ``signer`` and ``pin_file``."""
    command = click.option("--pin-file", type=click.Path(dir_okay=False, path_type=Path),
                           help="File holding the signing PIN, - for standard input "
                                "(else PDFSIGN_PIN, else a prompt).")(command)
    return click.option("--signer", metavar="NAME",
                        help="Signer name in the PKI folder (signers/NAME.p12), a PKCS#12 "
                             "file, or a token key's PKCS#11 URI "
                             "('pkcs11:token=T;object=K'). [default: the configured signer]"
                        )(command)
