"""Changing a signing PIN (``pdfsign keys set-pin``, the web's PIN page).

The new PIN must meet the rule (:mod:`pdfsign.keys.pin_rule`).  Changing a PIN first opens
the key with the current one, through the same lock as signing (a wrong current PIN counts;
a locked signer cannot change its PIN, an administrator unlocks it first).  A PKCS#12
signer's file is written again, encrypted under the new PIN, atomically; a token's user PIN
is changed on the token (``C_SetPIN``), for every key on it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pdfsign.atomic import write_atomically
from pdfsign.config import Settings
from pdfsign.errors import InputError
from pdfsign.keys.guard import RegistryGuard, audit_signer
from pdfsign.keys.pin_rule import check_signing_pin
from pdfsign.keys.tokens import change_token_pin
from pdfsign.registry import Registry
from pdfsign.signing import ParsedKeySigner, SignerRef, open_key, resolve_signer

__all__ = ["change_pin"]

def change_pin(settings: Settings, registry: Registry, signer: str, *, current: str, new: str,
               confirm: str | None = None, actor: str, at: dt.datetime) -> SignerRef:
    """Replace ``signer``'s PIN ``current`` by ``new`` (audited, the PINs never).

    :param signer: a PKI-folder name, a PKCS#12 file, or a ``pkcs11:`` URI (of a key or of
        the token: the user PIN is the token's).
    :param confirm: the new PIN typed again, where a form asks for it.
    :raises InputError: the new PIN breaks the rule or repeats the current one
        (``new_pin``), or the repetition differs (``confirm_pin``).
    :raises WrongPinError, SignerLockedError: as when signing.
    """
    check_signing_pin(new)
    if confirm is not None and confirm != new:
        raise InputError("確認用の署名PINが一致しません / the two new PINs differ",
                         field="confirm_pin")
    if new == current:
        raise InputError("新しい署名PINは現在のものと違うものにしてください / the new PIN must "
                         "differ from the current one", field="new_pin")
    ref = resolve_signer(signer, settings.pki_dir)
    guard = RegistryGuard(registry, actor=actor, at=at, limit=settings.signer_lock_failures)
    if isinstance(ref.source, Path):
        with open_key(ref, current, guard=guard) as key:
            assert isinstance(key, ParsedKeySigner)
            write_atomically(ref.source, key.to_pkcs12(new, name=ref.source.stem.encode()))
    else:
        change_token_pin(ref, guard, current=current, new=new, module=settings.pkcs11_module)
    with registry.writing() as session:
        audit_signer(session, "signer-pin-changed", ref.id, actor=actor, at=at,
                     scope=ref.pin_scope)
    return ref

