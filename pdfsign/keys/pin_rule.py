"""The signing PIN's rule (DOMAIN.md: 8–32 characters, at least one upper-case letter).

It is checked where a PIN is chosen — a new token's user PIN, a changed PIN — and nowhere
else: a PIN typed to sign is only ever checked by the key it opens.  The CLI and the web's
PIN page call the same function, so both say the same thing.
"""

from __future__ import annotations

from pdfsign.errors import InputError

__all__ = ["PIN_RULE", "check_signing_pin"]

PIN_RULE = ("署名PINは8〜32文字で、英大文字を1文字以上含めてください / a signing PIN has 8 to 32 "
            "characters, at least one of them an upper-case letter")


def check_signing_pin(pin: str, *, field: str = "new_pin") -> str:
    """``pin`` if it meets the rule (ASCII upper case ``A``–``Z`` counts as upper case).

    :raises InputError: it does not (``field``); the message never repeats the PIN.
    """
    if not 8 <= len(pin) <= 32 or not any("A" <= c <= "Z" for c in pin):
        raise InputError(PIN_RULE, field=field)
    if any(not c.isprintable() for c in pin):
        raise InputError("署名PINに制御文字は使えません / a signing PIN has no control characters",
                         field=field)
    return pin
