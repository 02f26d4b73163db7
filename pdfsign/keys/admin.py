"""An administrator's signer actions: lock, unlock, rename, and the list with what needs doing.

``pdfsign signer lock|unlock|rename|list`` and the web's signer page call these.  A lock is
held per PIN scope (:mod:`pdfsign.keys.guard`): locking a key on a token locks every key on
that token, whose one user PIN they share.  The list shows each signer the registry knows
and each one of the PKI folder, with its lock, its registered name, and its certificate's
end, flagged when that is within 30 days (DOMAIN.md: renew in time).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from sqlalchemy import select, update

from pdfsign.errors import InputError
from pdfsign.keys.guard import audit_signer, ensure_pin_row
from pdfsign.keys.tables import SignerName, SignerPin
from pdfsign.registry import Registry
from pdfsign.signing import RegisteredName, SignerRef, expires_soon, resolve_signer

__all__ = ["SignerStatus", "list_signers", "lock_signer", "rename_signer", "signer_status",
           "unlock_signer"]


@dataclass(frozen=True)
class SignerStatus:
    """One signer as an administrator sees it."""

    signer_id: str
    pin_scope: str
    #: The registered name, ``None`` before the signer is first opened or renamed.
    registered: RegisteredName | None
    failures: int
    locked_at: dt.datetime | None
    #: ``failures``, ``token`` or the administrator who locked it.
    locked_by: str | None
    #: The certificate last seen (subject, end), ``None`` if never seen.
    cert_subject: str | None
    cert_not_after: dt.datetime | None
    #: The certificate ends within 30 days of the time the list was made, or has ended.
    expiring: bool
    #: The certificate has ended.
    expired: bool

    @property
    def locked(self) -> bool:
        """Whether the signer may not sign."""
        return self.locked_at is not None

    def to_json(self) -> dict[str, object]:
        """What ``pdfsign signer list --json`` prints."""
        return {"signer": self.signer_id, "pin_scope": self.pin_scope,
                "registered_name": None if self.registered is None else {
                    "common_name": self.registered.common_name,
                    "organization": self.registered.organization},
                "locked": self.locked, "locked_at": _iso(self.locked_at),
                "locked_by": self.locked_by, "failures": self.failures,
                "certificate_subject": self.cert_subject,
                "certificate_not_after": _iso(self.cert_not_after), "expiring": self.expiring,
                "expired": self.expired}


def _iso(instant: dt.datetime | None) -> str | None:
    return None if instant is None else instant.isoformat()


def _status(signer_id: str, scope: str, name: SignerName | None, pin: SignerPin | None,
            *, subject: str | None, not_after: dt.datetime | None,
            at: dt.datetime) -> SignerStatus:
    return SignerStatus(
        signer_id=signer_id, pin_scope=scope,
        registered=RegisteredName(name.common_name, name.organization) if name else None,
        failures=pin.failures if pin else 0, locked_at=pin.locked_at if pin else None,
        locked_by=pin.locked_by if pin else None, cert_subject=subject, cert_not_after=not_after,
        expiring=not_after is not None and expires_soon(not_after, at),
        expired=not_after is not None and not_after < at)


def _folder_certificate(pki_dir: Path, name: str) -> x509.Certificate | None:
    """A PKI-folder signer's certificate (``signers/<name>.pem``), if readable."""
    try:
        return x509.load_pem_x509_certificate((pki_dir / "signers" / f"{name}.pem").read_bytes())
    except (OSError, ValueError):
        return None


def list_signers(registry: Registry, pki_dir: Path, *, at: dt.datetime) -> list[SignerStatus]:
    """Every signer the registry knows, the PKI folder's others, and any PIN scope counted or
    locked without a signer opened under it yet (a token after wrong PINs), by ID."""
    with registry.reading() as session:
        names = {row.signer_id: row for row in session.scalars(select(SignerName))}
        pins = {row.scope: row for row in session.scalars(select(SignerPin))}
        found = [_status(row.signer_id, row.pin_scope, row, pins.get(row.pin_scope),
                         subject=row.cert_subject, not_after=row.cert_not_after, at=at)
                 for row in names.values()]
        for path in sorted((pki_dir / "signers").glob("*.p12")):
            if path.stem in names or (cert := _folder_certificate(pki_dir, path.stem)) is None:
                continue
            found.append(_status(path.stem, path.stem, None, pins.get(path.stem),
                                 subject=cert.subject.rfc4514_string(),
                                 not_after=cert.not_valid_after_utc, at=at))
        shown = {status.pin_scope for status in found}
        found += [_status(scope, scope, None, pin, subject=None, not_after=None, at=at)
                  for scope, pin in pins.items() if scope not in shown]  # e.g. a token's
    return sorted(found, key=lambda status: status.signer_id)


def signer_status(registry: Registry, signer: SignerRef, *, at: dt.datetime) -> SignerStatus:
    """One signer now (as much as the registry knows of it)."""
    with registry.reading() as session:
        name = session.get(SignerName, signer.id)
        pin = session.get(SignerPin, signer.pin_scope)
        return _status(signer.id, signer.pin_scope, name, pin,
                       subject=name.cert_subject if name else None,
                       not_after=name.cert_not_after if name else None, at=at)


def lock_signer(registry: Registry, signer: str, *, pki_dir: Path, actor: str,
                at: dt.datetime) -> SignerStatus:
    """Lock ``signer``'s PIN scope until an administrator unlocks it (audited)."""
    ref = resolve_signer(signer, pki_dir)
    with registry.writing() as session:
        ensure_pin_row(session, ref.pin_scope, at)
        session.execute(update(SignerPin)
                        .where(SignerPin.scope == ref.pin_scope, SignerPin.locked_at.is_(None))
                        .values(locked_at=at, locked_by=actor[:64], updated_at=at)
                        .execution_options(synchronize_session=False))
        audit_signer(session, "signer-locked", ref.pin_scope, actor=actor, at=at, by="admin")
    return signer_status(registry, ref, at=at)


def unlock_signer(registry: Registry, signer: str, *, pki_dir: Path, actor: str,
                  at: dt.datetime) -> SignerStatus:
    """Lift the lock of ``signer``'s PIN scope and forget its failures (audited)."""
    ref = resolve_signer(signer, pki_dir)
    with registry.writing() as session:
        ensure_pin_row(session, ref.pin_scope, at)
        was = session.scalar(select(SignerPin.locked_by).where(SignerPin.scope == ref.pin_scope))
        session.execute(update(SignerPin).where(SignerPin.scope == ref.pin_scope)
                        .values(locked_at=None, locked_by=None, failures=0, updated_at=at)
                        .execution_options(synchronize_session=False))
        audit_signer(session, "signer-unlocked", ref.pin_scope, actor=actor, at=at,
                     was_locked_by=was)
    return signer_status(registry, ref, at=at)


def rename_signer(registry: Registry, signer: str, *, pki_dir: Path,
                  common_name: str | None = None, organization: str | None = None,
                  actor: str, at: dt.datetime) -> SignerStatus:
    """Register a new name for ``signer`` (the person, the organisation, or both).

    Its present certificate then no longer names it, so it signs nothing until a certificate
    with the new name is installed (DOMAIN.md: renaming requires a new certificate).

    :raises InputError: neither name given, or one empty (``field="name"`` /
        ``"organization"``), or a signer never seen given no organisation.
    """
    ref = resolve_signer(signer, pki_dir)
    for value, field in ((common_name, "name"), (organization, "organization")):
        if value is not None and not value.strip():
            raise InputError("空にはできません / must not be empty", field=field)
    if common_name is None and organization is None:
        raise InputError("新しい氏名か組織名を指定してください / give a new name or "
                         "organisation", field="name")
    with registry.writing() as session:
        ensure_pin_row(session, ref.pin_scope, at)
        row = session.get(SignerName, ref.id)
        if row is None:
            if common_name is None or organization is None:
                raise InputError("未登録の署名者には氏名と組織名の両方が必要です / a signer not "
                                 "yet registered needs both a name and an organisation",
                                 field="organization")
            row = SignerName(signer_id=ref.id, pin_scope=ref.pin_scope, common_name="",
                             organization="", registered_at=at, registered_by=actor[:64])
            session.add(row)
        before = str(RegisteredName(row.common_name, row.organization))
        row.common_name = (common_name or row.common_name).strip()
        row.organization = (organization or row.organization).strip()
        audit_signer(session, "signer-renamed", ref.id, actor=actor, at=at, before=before,
                     after=str(RegisteredName(row.common_name, row.organization)))
    return signer_status(registry, ref, at=at)
