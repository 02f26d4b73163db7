"""What opening a signer asks of whoever keeps its PIN lock and its registered name.

:func:`pdfsign.signing.load_signer` is the one place every signing path opens a key.  It
knows how to try a PIN (decrypt a PKCS#12 file, log in to a token) but not where the lock
and the names live: that is the registry's (:class:`pdfsign.keys.RegistryGuard`), behind
this protocol, so that the signing core stays free of the database and the tests of the
PAdES machinery can open keys without one.

A :class:`SignerRef` names a signer twice over: by its ``id`` (what administrators lock,
rename and list) and by its ``pin_scope``, the holder of the PIN that is counted.  A
PKCS#12 file is its own PIN scope; every key on a PKCS#11 token shares the token's user
PIN, so wrong PINs are counted, and the lock held, for the token.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography import x509

from pdfsign.errors import PdfsignError, SignerCertificateError
from pdfsign.signing.lifecycle import RegisteredName
from pdfsign.signing.pkcs11_uri import Pkcs11Uri

__all__ = ["WRONG_PIN", "SignerGuard", "SignerRef"]

#: The wrong-PIN refusal, the same for a PKCS#12 file and a token: it is an oracle, so it
#: never says more (the lock's own message says when the limit is reached).
WRONG_PIN = "signing PIN is wrong for this signer"


@dataclass(frozen=True)
class SignerRef:
    """A resolved ``--signer``: its registry name, its PIN's scope, and where its key is."""

    #: The name administrators use: a PKI-folder name, a file's absolute path, or the
    #: canonical ``pkcs11:`` URI of a key.
    id: str
    #: Whose PIN is counted and locked: ``id`` for a file, the token's URI for a token key.
    pin_scope: str
    #: The PKCS#12 file, or the key's URI.
    source: Path | Pkcs11Uri

    @property
    def on_token(self) -> bool:
        """Whether the key is on a PKCS#11 token."""
        return isinstance(self.source, Pkcs11Uri)


class SignerGuard(Protocol):
    """The PIN lock and the registered names, asked by :func:`~pdfsign.signing.load_signer`.

    Every method that records something records it in the audit trail too; none is ever
    given the PIN.
    """

    def admit(self, signer: SignerRef) -> None:
        """Before a PIN is tried.

        :raises SignerLockedError: the signer's PIN scope is locked (the refusal audited).
        """

    def wrong_pin(self, signer: SignerRef) -> PdfsignError:
        """Count one wrong PIN, atomically across processes; lock at the limit.

        :return: the error to raise (a wrong PIN, or the lock it caused or met).
        """

    def token_locked(self, signer: SignerRef) -> PdfsignError:
        """The token refused the PIN as locked (its own counter): lock the scope here too.

        :return: the error to raise.
        """

    def pin_accepted(self, signer: SignerRef) -> None:
        """The PIN was right: end the run of failures, unless the scope was locked meanwhile.

        :raises SignerLockedError: locked between :meth:`admit` and now (the refusal audited).
        """

    def registered_name(self, signer: SignerRef,
                        certificate: x509.Certificate) -> RegisteredName:
        """The signer's registered name, registering the certificate's if it has none yet;
        the certificate is recorded as the one last opened.
        """

    def refused(self, signer: SignerRef, problem: SignerCertificateError) -> None:
        """Record that the signer's certificate may not sign (expired, renamed …)."""

    def still_unlocked(self, signer: SignerRef) -> None:
        """Before each signature of an open signer (a read; nothing is written).

        :raises SignerLockedError: locked since the signer was opened.
        """
