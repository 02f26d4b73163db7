"""The password rule, Argon2id hashing, and the initial passwords handed out once.

DOMAIN.md: 8–16 characters mixing letters and digits.  We take the characters a keyboard
types without a shift into another script (printable ASCII), so a password typed on a
Japanese IME never silently differs from the one set.  Hashes are argon2-cffi's Argon2id
with its RFC 9106 low-memory defaults; :func:`needs_rehash` upgrades old parameters at
the next sign-in.
"""

from __future__ import annotations

import secrets
import string
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from pdfsign.errors import InputError

__all__ = ["MAX_LENGTH", "MIN_LENGTH", "check_password", "dummy_hash", "hash_password",
           "initial_password", "needs_rehash", "verify_password"]

MIN_LENGTH = 8
MAX_LENGTH = 16
_PRINTABLE = frozenset(string.ascii_letters + string.digits + string.punctuation)
#: Characters of generated passwords: no look-alikes (0/O, 1/l/I) for reading off a screen.
_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # Argon2id, argon2-cffi's RFC 9106 low-memory profile


def check_password(password: str, *, field: str = "password") -> None:
    """:raises InputError: the password breaks the rule (the message says which part)."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise InputError(f"パスワードは{MIN_LENGTH}〜{MAX_LENGTH}文字です / a password has "
                         f"{MIN_LENGTH} to {MAX_LENGTH} characters (got {len(password)})",
                         field=field)
    if not set(password) <= _PRINTABLE:
        raise InputError("パスワードには半角英数字と記号のみ使えます / a password uses only ASCII "
                         "letters, digits and symbols (no spaces)", field=field)
    if not any(c in string.ascii_letters for c in password) or not any(
            c in string.digits for c in password):
        raise InputError("パスワードには英字と数字を両方含めてください / a password must mix "
                         "letters and digits", field=field)


def hash_password(password: str) -> str:
    """The Argon2id PHC string of ``password`` (a fresh random salt each time)."""
    return _hasher().hash(password)


def verify_password(stored: str, password: str) -> bool:
    """Whether ``password`` matches ``stored`` (constant-time inside argon2)."""
    try:
        return _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether ``stored`` was made with weaker parameters than today's."""
    return _hasher().check_needs_rehash(stored)


def initial_password() -> str:
    """A random 12-character password that meets the rule (shown once, changed at sign-in)."""
    while True:
        candidate = "".join(secrets.choice(_ALPHABET) for _ in range(12))
        try:
            check_password(candidate)
        except InputError:
            continue
        return candidate


@cache
def dummy_hash() -> str:
    """A hash no password matches, checked when the user ID is unknown, so that an unknown
    ID takes as long to refuse as a wrong password."""
    return hash_password(secrets.token_urlsafe(16))
