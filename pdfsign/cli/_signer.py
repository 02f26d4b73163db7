"""Which key signs and with which PIN: one rule for every command that signs.

``sign``, ``verify --sign``, ``issue``, ``reissue`` and ``invalidate`` all resolve the signer
and the PIN here.

``--signer`` is a PKCS#12 file or a signer name of the PKI folder (``signers/<name>.p12``),
defaulting to the configured signer; the PIN comes from ``--pin-file``, else ``PDFSIGN_PIN``
(or the config file), else a hidden prompt on standard error, so that a report written to
standard output stays clean.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import click

from pdfsign.config import Settings
from pdfsign.errors import InputError
from pdfsign.signing import ParsedKeySigner, load_signer, signer_path

__all__ = ["open_signer", "read_pin", "signer_options", "with_signer"]

F = TypeVar("F", bound=Callable[..., Any])


def read_pin(pin_file: Path | None, settings: Settings) -> str:
    """The PIN from ``pin_file``, else ``settings.pin`` (``PDFSIGN_PIN``), else a hidden prompt.

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
    if settings.pin:
        return settings.pin
    pin: str = click.prompt("Signing PIN", hide_input=True, err=True)
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


def open_signer(settings: Settings, *, signer: str | None,
                pin_file: Path | None) -> ParsedKeySigner:
    """Load the signer ``--signer`` names (or the configured one), unlocked with its PIN.

    :param settings: The loaded settings (default signer, PKI folder, PIN from the environment).
    :param signer: The ``--signer`` value (a name or a PKCS#12 file), or ``None``.
    :param pin_file: The ``--pin-file`` value, or ``None``.
    :raises InputError: The PIN file or the PKCS#12 file cannot be read.
    :raises PermissionDenied: The PIN is wrong.
    """
    resolved = with_signer(settings, signer=signer, pin_file=pin_file)
    return load_signer(signer_path(resolved.signer, resolved.pki_dir), resolved.pin)


def signer_options(command: F) -> F:
    """Add ``--signer NAME`` and ``--pin-file FILE``, passed as ``signer`` and ``pin_file``."""
    command = click.option("--pin-file", type=click.Path(dir_okay=False, path_type=Path),
                           help="File holding the signing PIN, - for standard input "
                                "(else PDFSIGN_PIN, else a prompt).")(command)
    return click.option("--signer", metavar="NAME",
                        help="Signer name in the PKI folder (signers/NAME.p12). "
                             "[default: the configured signer]")(command)
