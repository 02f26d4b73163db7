"""``pdfsign keys``: tokens and the keys on them, and changing a signing PIN.

A key generated here never leaves the token (sensitive, not extractable); ``import`` moves a
PKCS#12 signer onto one.  The token is named by its label or its ``pkcs11:`` URI, its module
by the ``pkcs11_module`` setting (``PDFSIGN_PKCS11_MODULE``; default Debian's SoftHSM2).
PINs come from files (``-``: standard input) or hidden prompts, never from arguments; new
PINs must have 8–32 characters with an upper-case letter.  Each command calls one function of
:mod:`pdfsign.keys` (which audits it) and prints a line, or ``--json``.
"""

from __future__ import annotations

from pathlib import Path

import click

from pdfsign.cli._home import emit, home_options, now
from pdfsign.cli._signer import read_pin
from pdfsign.config import Settings
from pdfsign.keys import change_pin
from pdfsign.keys.manage import import_key, new_key, new_token
from pdfsign.keys.tokens import list_tokens
from pdfsign.registry import Registry

__all__ = ["keys"]

_PIN_FILE = click.Path(dir_okay=False, path_type=Path)


@click.group()
def keys() -> None:
    """Keys on PKCS#11 tokens (HSMs) and signing PINs."""


@keys.command("init-token")
@click.option("--label", required=True, help="The new token's label (1 to 32 bytes).")
@click.option("--so-pin-file", type=_PIN_FILE, help="File holding the security officer's PIN.")
@click.option("--pin-file", type=_PIN_FILE, help="File holding the user (signing) PIN.")
@home_options
def init_token(label: str, so_pin_file: Path | None, pin_file: Path | None, settings: Settings,
               as_json: bool) -> None:
    """Initialise a free slot's token as LABEL with its SO PIN and user PIN."""
    so_pin = read_pin(so_pin_file, None, prompt="New SO PIN", confirm=True)
    user_pin = read_pin(pin_file, None, prompt="New signing PIN", confirm=True)
    info = new_token(settings, Registry.open(settings), label=label, so_pin=so_pin,
                     user_pin=user_pin, actor=settings.actor, at=now())
    emit(as_json, info.to_json(), f"initialised token {info.label} ({info.uri})")


@keys.command("generate")
@click.option("--token", required=True, metavar="LABEL|URI", help="The token.")
@click.option("--label", required=True, help="The new key's label (its URI's object=).")
@click.option("--type", "kind", type=click.Choice(["rsa", "ec"]), default="rsa",
              show_default=True, help="RSA-2048 (or --bits) or ECDSA P-256.")
@click.option("--bits", type=click.IntRange(2048, 4096), default=2048, show_default=True,
              help="RSA modulus size.")
@click.option("--pin-file", type=_PIN_FILE, help="File holding the token's user PIN "
              "(- for standard input; else PDFSIGN_PIN, else a prompt).")
@home_options
def generate(token: str, label: str, kind: str, bits: int, pin_file: Path | None,
             settings: Settings, as_json: bool) -> None:
    """Generate a key pair on the token that never leaves it."""
    uri = new_key(settings, Registry.open(settings), token=token, label=label,
                  kind="ec" if kind == "ec" else "rsa", bits=bits,
                  pin=read_pin(pin_file, settings), actor=settings.actor, at=now())
    emit(as_json, {"signer": str(uri), "type": kind},
         f"generated {kind} key {uri} (certify it: pdfsign pki certify DIR '{uri}' --name …)")


@keys.command("import")
@click.argument("p12", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--token", required=True, metavar="LABEL|URI", help="The token.")
@click.option("--label", help="The key's label on the token [default: the file's name].")
@click.option("--p12-pin-file", type=_PIN_FILE, help="File holding the PKCS#12 file's PIN.")
@click.option("--pin-file", type=_PIN_FILE, help="File holding the token's user PIN "
              "(- for standard input; else PDFSIGN_PIN, else a prompt).")
@home_options
def import_p12(p12: Path, token: str, label: str | None, p12_pin_file: Path | None,
               pin_file: Path | None, settings: Settings, as_json: bool) -> None:
    """Move the PKCS#12 signer P12 (key, certificate, chain) onto the token."""
    p12_pin = read_pin(p12_pin_file, None, prompt="PKCS#12 file's PIN")
    uri = import_key(settings, Registry.open(settings), token=token, p12=p12, p12_pin=p12_pin,
                     pin=read_pin(pin_file, settings), label=label, actor=settings.actor,
                     at=now())
    emit(as_json, {"signer": str(uri), "source": str(p12)}, f"imported {p12} as {uri}")


@keys.command("list")
@home_options
def list_keys(settings: Settings, as_json: bool) -> None:
    """List the module's tokens and the keys on them, with their certificates."""
    tokens = list_tokens(settings.pkcs11_module)
    lines = []
    for info in tokens:
        flags = " ".join(name for name, on in (("PIN-LOCKED", info.user_pin_locked),
                                               ("PIN-COUNT-LOW", info.user_pin_count_low)) if on)
        lines.append(f"{info.uri}  {info.model.strip()}  {flags}".rstrip())
        lines += [f"  {key.uri}  {key.kind}  "
                  + (f"{key.certificate_subject}  until {key.certificate_not_after:%Y-%m-%d}"
                     if key.certificate_not_after else "no certificate")
                  for key in info.keys]
    emit(as_json, [info.to_json() for info in tokens], "\n".join(lines) or "no tokens")


@keys.command("set-pin")
@click.argument("signer", required=False)
@click.option("--pin-file", type=_PIN_FILE, help="File holding the current PIN "
              "(- for standard input; else PDFSIGN_PIN, else a prompt).")
@click.option("--new-pin-file", type=_PIN_FILE, help="File holding the new PIN.")
@home_options
def set_pin(signer: str | None, pin_file: Path | None, new_pin_file: Path | None,
            settings: Settings, as_json: bool) -> None:
    """Change SIGNER's PIN (a token's user PIN, for every key on it) [default: configured]."""
    current = read_pin(pin_file, settings)
    new = read_pin(new_pin_file, None, prompt="New signing PIN", confirm=True)
    ref = change_pin(settings, Registry.open(settings), signer or settings.signer,
                     current=current, new=new, actor=settings.actor, at=now())
    emit(as_json, {"signer": ref.id, "pin_scope": ref.pin_scope},
         f"changed the signing PIN of {ref.pin_scope}")
