"""The signing PIN's lock, held in the registry so it holds across processes and machines.

:class:`RegistryGuard` is the :class:`~pdfsign.signing.SignerGuard` every product path hands
:func:`~pdfsign.signing.load_signer`.  Counting is one conditional ``UPDATE … SET failures =
failures + 1, locked_at = CASE WHEN failures + 1 >= limit …  WHERE locked_at IS NULL``, never
a read followed by a write: of processes racing with wrong PINs, exactly ``limit`` are
counted and the one that reaches it locks; a process that finds no unlocked row is refused
as locked.  A right PIN ends the run of failures with the same condition, so a signer locked
between the check and the PIN is refused too.  Every attempt, refusal and lock is audited
(signer and counts, never the PIN), in the same transaction as the change it records.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import case, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from pdfsign.errors import PdfsignError, SignerCertificateError, SignerLockedError, WrongPinError
from pdfsign.keys.tables import SignerName, SignerPin
from pdfsign.registry import Registry
from pdfsign.registry import audit as audit_log
from pdfsign.signing import RegisteredName, SignerRef
from pdfsign.signing.guard import WRONG_PIN

__all__ = ["RegistryGuard", "audit_signer", "ensure_pin_row", "locked_error"]


def locked_error(scope: str, *, just_now: int | None = None) -> SignerLockedError:
    """The refusal of a locked signer; ``just_now``: the failures that have just locked it."""
    if just_now is not None:
        return SignerLockedError(
            f"署名PINを{just_now}回続けて誤ったため、{scope} をロックしました。管理者に解除を"
            f"依頼してください / the signing PIN was wrong {just_now} times in a row: {scope} "
            "is now locked; ask an administrator to unlock it", field="signer")
    return SignerLockedError(f"{scope} はロックされています。管理者に解除を依頼してください / "
                             f"{scope} is locked; ask an administrator to unlock it",
                             field="signer")


def ensure_pin_row(session: Session, scope: str, at: dt.datetime) -> None:
    """Create the scope's row unless it exists (``INSERT … ON CONFLICT DO NOTHING``)."""
    dialect = session.get_bind().dialect.name
    insert: Any = sqlite.insert if dialect == "sqlite" else postgresql.insert
    session.execute(insert(SignerPin).values(scope=scope, failures=0, updated_at=at)
                    .on_conflict_do_nothing(index_elements=["scope"]))


def audit_signer(session: Session, action: str, signer: str, *, actor: str, at: dt.datetime,
                 **detail: object) -> None:
    """One audit entry about a signer (its ID in the detail; there is no file)."""
    audit_log.append(session, at=at, actor=actor, action=action,
                     detail={"signer": signer, **detail})


@dataclass(frozen=True)
class RegistryGuard:
    """The PIN lock and registered names of one attempt to open a signer."""

    registry: Registry
    #: Who is trying (the audit trail's actor).
    actor: str
    #: When (the audit trail's time; the lock's).
    at: dt.datetime
    #: Consecutive wrong PINs that lock (the ``signer_lock_failures`` setting).
    limit: int = 5

    def _locked(self, scope: str) -> bool:
        with self.registry.reading() as session:
            locked = session.scalar(select(SignerPin.locked_at).where(SignerPin.scope == scope))
        return locked is not None

    def _refuse(self, session: Session, signer: SignerRef, why: str) -> SignerLockedError:
        audit_signer(session, "signer-refused", signer.id, actor=self.actor, at=self.at,
                     why=why, scope=signer.pin_scope)
        return locked_error(signer.pin_scope)

    def admit(self, signer: SignerRef) -> None:
        """:raises SignerLockedError: the PIN scope is locked (audited)."""
        if not self._locked(signer.pin_scope):
            return
        with self.registry.writing() as session:
            refusal = self._refuse(session, signer, "locked")
        raise refusal

    def wrong_pin(self, signer: SignerRef) -> PdfsignError:
        """Count one wrong PIN; the error to raise (the lock's at the limit)."""
        scope = SignerPin.scope == signer.pin_scope
        reaches = SignerPin.failures + 1 >= self.limit
        with self.registry.writing() as session:
            ensure_pin_row(session, signer.pin_scope, self.at)
            counted = session.execute(
                update(SignerPin).where(scope, SignerPin.locked_at.is_(None))
                .values(failures=SignerPin.failures + 1, updated_at=self.at,
                        locked_at=case((reaches, self.at), else_=None),
                        locked_by=case((reaches, "failures"), else_=None))
                .returning(SignerPin.failures, SignerPin.locked_at)
                .execution_options(synchronize_session=False)).one_or_none()
            if counted is None:  # locked by someone else since admit()
                return self._refuse(session, signer, "locked")
            audit_signer(session, "signer-pin-failed", signer.id, actor=self.actor, at=self.at,
                         scope=signer.pin_scope, failures=counted.failures)
            if counted.locked_at is None:
                return WrongPinError(WRONG_PIN, field="pin")
            audit_signer(session, "signer-locked", signer.pin_scope, actor=self.actor,
                         at=self.at, by="failures", failures=counted.failures)
            return locked_error(signer.pin_scope, just_now=counted.failures)

    def token_locked(self, signer: SignerRef) -> PdfsignError:
        """The token locked its PIN itself: hold the lock here too, and say so."""
        with self.registry.writing() as session:
            ensure_pin_row(session, signer.pin_scope, self.at)
            session.execute(update(SignerPin)
                            .where(SignerPin.scope == signer.pin_scope,
                                   SignerPin.locked_at.is_(None))
                            .values(locked_at=self.at, locked_by="token", updated_at=self.at)
                            .execution_options(synchronize_session=False))
            audit_signer(session, "signer-locked", signer.pin_scope, actor=self.actor,
                         at=self.at, by="token")
        return locked_error(signer.pin_scope)

    def pin_accepted(self, signer: SignerRef) -> None:
        """End the run of failures; :raises SignerLockedError: locked meanwhile."""
        refusal = None
        with self.registry.writing() as session:
            ensure_pin_row(session, signer.pin_scope, self.at)
            done = session.execute(update(SignerPin)
                                   .where(SignerPin.scope == signer.pin_scope,
                                          SignerPin.locked_at.is_(None))
                                   .values(failures=0, updated_at=self.at)
                                   .execution_options(synchronize_session=False))
            if done.rowcount == 0:  # type: ignore[attr-defined]
                refusal = self._refuse(session, signer, "locked")
            else:
                audit_signer(session, "signer-pin-accepted", signer.id, actor=self.actor,
                             at=self.at, scope=signer.pin_scope)
        if refusal is not None:
            raise refusal

    def registered_name(self, signer: SignerRef,
                        certificate: x509.Certificate) -> RegisteredName:
        """The registered name (the certificate's, registered now, on first use)."""
        der = certificate.public_bytes(serialization.Encoding.DER)
        with self.registry.writing() as session:
            row = session.get(SignerName, signer.id)
            if row is None:
                seen = RegisteredName.of(certificate)
                row = SignerName(signer_id=signer.id, pin_scope=signer.pin_scope,
                                 common_name=seen.common_name, organization=seen.organization,
                                 registered_at=self.at, registered_by=self.actor)
                session.add(row)
                audit_signer(session, "signer-registered", signer.id, actor=self.actor,
                             at=self.at, name=str(seen))
            row.cert_sha256 = hashlib.sha256(der).hexdigest()
            row.cert_subject = certificate.subject.rfc4514_string()
            row.cert_not_after = certificate.not_valid_after_utc
            row.last_opened_at = self.at
            return RegisteredName(row.common_name, row.organization)

    def refused(self, signer: SignerRef, problem: SignerCertificateError) -> None:
        """Audit that the certificate may not sign (the message says why)."""
        with self.registry.writing() as session:
            audit_signer(session, "signer-refused", signer.id, actor=self.actor, at=self.at,
                         why="certificate", message=problem.message)

    def still_unlocked(self, signer: SignerRef) -> None:
        """Before each signature: a read only (it may run inside another write)."""
        if self._locked(signer.pin_scope):
            raise locked_error(signer.pin_scope)
