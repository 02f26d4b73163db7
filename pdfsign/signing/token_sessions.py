"""PKCS#11 sessions: the module, the token a URI names, and one login per token per process.

PKCS#11 keeps the login state per *application* (a process, after ``C_Initialize``), not per
session: a second ``C_Login`` answers ``CKR_USER_ALREADY_LOGGED_IN`` whatever PIN it is given,
and closing any logged-in session through python-pkcs11 logs the whole process out.  So a
process holds at most one logged-in session per token (:class:`Login`), shared by the
signers open on it and closed when the last of them is released.  A PIN is checked by the
token when that login is made; while it lasts, the same PIN (compared by an HMAC under a
per-process key, never stored) joins it, and any other PIN waits until the login ends and
is then checked by the token itself — so a wrong PIN is never accepted, and never counted
twice or not at all.

After ``fork()`` the child inherits the module's state but must initialise it anew
(PKCS#11 v2.40 §6.6.1): the logins are forgotten and the module re-initialised on its next
use, so each batch worker opens its own session.

python-pkcs11 cannot close a session whose ``C_Login`` failed; such a session holds no
login and is bounded by the signer lock (a few per lock).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pkcs11
from pkcs11 import TokenFlag
from pkcs11.exceptions import (
    PinIncorrect,
    PinInvalid,
    PinLenRange,
    PinLocked,
    PKCS11Error,
    TokenNotPresent,
    TokenNotRecognised,
)

from pdfsign.errors import (
    ConfigurationError,
    InputError,
    SignerLockedError,
    SigningError,
    WrongPinError,
)
from pdfsign.signing.guard import WRONG_PIN
from pdfsign.signing.pkcs11_uri import Pkcs11Uri

__all__ = ["LOGINS", "Login", "find_token", "library", "public_session", "token_error",
           "token_locked_error", "token_login"]

#: How long a different PIN waits for the process's login on the token to end.
_BUSY_SECONDS = 60.0
_stale: set[str] = set()


def token_locked_error() -> SignerLockedError:
    """The token itself refuses the user PIN as locked (its own counter)."""
    return SignerLockedError("トークンの利用者PINがロックされています。トークンの管理者（SO）による"
                             "再設定が必要です / the token has locked its user PIN: its security "
                             "officer must reset it", field="signer")


def token_error(exc: PKCS11Error, what: str) -> SigningError:
    """A PKCS#11 failure as the product's error, naming what was being done."""
    return SigningError(f"PKCS#11: {what} failed: {type(exc).__name__} {exc}".strip(),
                        field="signer")


def _after_fork() -> None:
    """In a forked child: every loaded module needs ``C_Initialize`` again; no login is ours."""
    _stale.update(pkcs11._loaded)  # python-pkcs11's own record of the modules it loaded
    LOGINS.forget()


def library(module: str) -> Any:
    """The PKCS#11 module at ``module``, loaded and initialised in this process.

    :raises ConfigurationError: it cannot be loaded (``field="pkcs11_module"``).
    """
    try:
        lib = pkcs11.lib(module)
    except PKCS11Error as exc:
        raise ConfigurationError(f"cannot load the PKCS#11 module: {exc}",
                                 field="pkcs11_module") from None
    if module in _stale:
        _stale.discard(module)
        try:
            lib.finalize()
        except PKCS11Error:
            pass  # a module that resets itself on fork (SoftHSM's reset_on_fork)
        lib.initialize()
    return lib


def find_token(uri: Pkcs11Uri, module: str) -> Any:
    """The one initialised token the URI names.

    :raises InputError: no token, or several, match (``field="signer"``).
    """
    found = []
    for slot in library(module).get_slots(token_present=True):
        try:
            token = slot.get_token()
        except (TokenNotPresent, TokenNotRecognised):
            continue
        serial = token.serial.decode("ascii", "replace").strip()
        if token.flags & TokenFlag.TOKEN_INITIALIZED and uri.matches_token(
                label=token.label, serial=serial, manufacturer=token.manufacturer_id,
                model=token.model, slot_id=slot.slot_id):
            found.append(token)
    if len(found) != 1:
        which = "no token" if not found else f"{len(found)} tokens"
        raise InputError(f"{which} match {uri.token_uri}", field="signer")
    return found[0]


def _digest(pin: str) -> bytes:
    return hmac.new(_PROCESS_KEY, pin.encode("utf-8"), hashlib.sha256).digest()


_PROCESS_KEY = os.urandom(32)


@dataclass(eq=False)
class Login:
    """This process's logged-in session on one token, and who is using it."""

    key: tuple[str, bytes]
    session: Any
    digest: bytes
    generation: int
    users: int = 1
    #: Serialises operations on the session (python-pkcs11 sessions are not thread-safe).
    lock: threading.Lock = field(default_factory=threading.Lock)

    def close(self) -> None:
        """This user is done with the login."""
        LOGINS.release(self)


class _Logins:
    """The process's logins, one per (module, token serial)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._open: dict[tuple[str, bytes], Login] = {}
        self._generation = 0

    def acquire(self, token: Any, module: str, pin: str) -> Login:
        """Join the login on ``token`` made with ``pin``, or log in with ``pin``.

        :raises WrongPinError: the token refused the PIN.
        :raises SignerLockedError: the token has locked its user PIN.
        :raises SigningError: another PIN's login stayed open for a minute.
        """
        key, digest = (module, bytes(token.serial)), _digest(pin)
        with self._changed:
            current = self._open.get(key)
            if current is not None and hmac.compare_digest(current.digest, digest):
                current.users += 1
                return current
            if not self._changed.wait_for(lambda: key not in self._open, _BUSY_SECONDS):
                raise SigningError("トークンは別の署名で使用中です / the token is busy with "
                                   "another signature; try again", field="signer")
            login = Login(key, _log_in(token, pin), digest, self._generation)
            self._open[key] = login
            return login

    def release(self, login: Login) -> None:
        """One user fewer; the last one logs out and closes the session."""
        with self._changed:
            if login.generation != self._generation or self._open.get(login.key) is not login:
                return  # inherited through fork(), or already gone
            login.users -= 1
            if login.users > 0:
                return
            del self._open[login.key]
            self._changed.notify_all()
        try:
            login.session.close()
        except PKCS11Error:
            pass  # the token went away: nothing is left to log out of

    def changed_pin(self, login: Login, pin: str) -> None:
        """The user PIN was changed through ``login``: the login now stands for the new one."""
        with self._changed:
            login.digest = _digest(pin)

    def held(self) -> int:
        """How many tokens this process is logged in to (none once every signer is closed)."""
        with self._changed:
            return len(self._open)

    def forget(self) -> None:
        """Drop every login (a forked child owns none of its parent's)."""
        self._open = {}
        self._changed = threading.Condition()
        self._generation += 1


LOGINS = _Logins()
os.register_at_fork(after_in_child=_after_fork)


def _log_in(token: Any, pin: str) -> Any:
    """A read-write session on ``token`` logged in as its user with ``pin``."""
    if token.flags & TokenFlag.USER_PIN_LOCKED:
        raise token_locked_error()
    try:
        return token.open(rw=True, user_pin=pin)
    except (PinIncorrect, PinLenRange, PinInvalid):
        raise WrongPinError(WRONG_PIN, field="pin") from None
    except PinLocked:
        raise token_locked_error() from None
    except PKCS11Error as exc:
        raise token_error(exc, "logging in to the token") from None


def token_login(uri: Pkcs11Uri, pin: str, module: str) -> Login:
    """Log in to (or join the process's login on) the token ``uri`` names; ``close()`` it.

    :raises WrongPinError: the token refused the PIN.
    :raises SignerLockedError: the token has locked its user PIN.
    """
    module = uri.module_path or module
    return LOGINS.acquire(find_token(uri, module), module, pin)


@contextmanager
def public_session(uri: Pkcs11Uri, module: str) -> Iterator[Any]:
    """A read-write session without login: for public objects (certificates, public keys)."""
    token = find_token(uri, module)
    try:
        session = token.open(rw=True)
    except PKCS11Error as exc:
        raise token_error(exc, "opening a session") from None
    try:
        yield session
    finally:
        session.close()
