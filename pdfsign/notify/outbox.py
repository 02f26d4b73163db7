"""Writing upload notifications to the outbox, in the transaction of the version they announce.

:meth:`Notifications.on_version` is the registry's version hook
(:data:`pdfsign.registry.store.VersionHook`): :mod:`pdfsign.issuing` passes it to every issue,
re-issue and invalidation, so the version and its notifications commit together or not at
all.  Recipients are the bank users who may see the file (:func:`pdfsign.registry.may_see`:
its association, bank and current branch; head office sees every branch) and are active,
not locked by an administrator, have notifications on and an e-mail address.  One row per
recipient; invoices and delegation letters are sent to nobody.  The same hook writes the
version's webhook event (:func:`pdfsign.notify.webhooks.enqueue_event`) beside the e-mails.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from pdfsign.accounts.tables import User
from pdfsign.config import Settings
from pdfsign.documents import DocumentKind, UserId
from pdfsign.notify.links import create_link
from pdfsign.notify.messages import KIND_INVALIDATION, Notice, subject_for
from pdfsign.notify.tables import OutboxRow
from pdfsign.notify.webhooks.events import enqueue_event, event_of
from pdfsign.registry import FileInfo, VersionInfo, may_see
from pdfsign.registry import audit as audit_log
from pdfsign.registry.models import Bank, Version

__all__ = ["DEFAULT_DOMAIN", "Notifications", "enqueue_for_version", "notice_kind"]

#: The right-hand side of Message-IDs when ``mail_from`` names no domain.
DEFAULT_DOMAIN = "pdfsign.localhost"
_BANK_ROLES = ("bank-head", "bank-branch")
_HEAD_OFFICE = "000"


@dataclass(frozen=True)
class Notifications:
    """How notifications are written: the link lifetime and the Message-ID domain."""

    #: Days a distribution link works (``link_days``).
    link_days: int = 7
    #: The domain of every Message-ID (``mail_from``'s).
    domain: str = DEFAULT_DOMAIN

    @classmethod
    def from_settings(cls, settings: Settings) -> Notifications:
        """``link_days`` and the domain of ``mail_from``."""
        address = parseaddr(settings.mail_from)[1]
        domain = address.rpartition("@")[2] if "@" in address else ""
        return cls(link_days=settings.link_days, domain=domain or DEFAULT_DOMAIN)

    def on_version(self, session: Session, file: FileInfo, version: VersionInfo) -> None:
        """The registry's version hook: :func:`enqueue_for_version` with these settings, and
        the version's webhook event."""
        enqueue_for_version(session, file, version, link_days=self.link_days,
                            domain=self.domain)
        enqueue_event(session, event_of(version), file, version, version.created_at)


def notice_kind(file: FileInfo, version: VersionInfo) -> int | None:
    """DOMAIN.md's file kind a version is announced as, or ``None`` (nobody is told)."""
    if version.content == "invalidation":
        return KIND_INVALIDATION
    return DocumentKind(file.kind).file_kind_code


def enqueue_for_version(session: Session, file: FileInfo, version: VersionInfo, *,
                        link_days: int = 7, domain: str = DEFAULT_DOMAIN) -> list[int]:
    """Write one notification per recipient of ``version`` (the caller commits).

    In distribution mode each row gets its own link (:func:`pdfsign.notify.links.create_link`),
    so a forwarded mail opens one file for as long as that user could see it.

    :return: the outbox ids written (none for invoices, delegation letters, or no recipient).
    """
    kind = notice_kind(file, version)
    if kind is None:
        return []
    at = version.created_at
    bank = session.get(Bank, file.bank_code)
    mode = bank.delivery_mode if bank is not None else "storage"
    data = _source_data(session, file, version)
    ids: list[int] = []
    for user in _recipients(session, file, at=at):
        notice = _notice(kind, file, version, data, bank, user_name=user.name, mode=mode,
                         link_days=link_days)
        row = OutboxRow(message_id=f"<{secrets.token_hex(16)}@{domain}>", created_at=at,
                        file_id=file.file_id, version=version.number, user_id=user.user_id,
                        recipient=user.email or "", subject=subject_for(notice),
                        facts=notice.to_json(), status="pending", attempts=0,
                        next_attempt_at=at)
        if mode == "distribution":
            link, row.link_token = create_link(session, file, version, user_id=user.user_id,
                                               days=link_days, at=at)
            row.link_id = link.id
        session.add(row)
        session.flush()
        ids.append(row.id)
    if ids:
        audit_log.append(session, at=at, actor=version.actor, action="notify",
                         file_id=file.file_id, version=version.number,
                         detail={"kind": kind, "mode": mode, "outbox": ids})
    return ids


def _recipients(session: Session, file: FileInfo, *, at: dt.datetime) -> list[User]:
    """The bank users to tell, by user ID (the SQL narrows, :func:`may_see` decides)."""
    rows = session.execute(select(User).where(
        User.role.in_(_BANK_ROLES), User.active.is_(True), User.locked.is_(False),
        User.notify.is_(True), User.email.is_not(None), User.email != "",
        User.association_code == file.association_code, User.bank_code == file.bank_code,
        or_(User.branch_code == _HEAD_OFFICE, User.branch_code == file.branch_code),
    ).order_by(User.user_id)).scalars()
    return [u for u in rows if may_see(_viewer(u), file, at=at)]


def _viewer(user: User) -> UserId:
    return UserId(user.association_code or "", user.bank_code or "", user.branch_code or "",
                  user.user_id[-2:])


def _source_data(session: Session, file: FileInfo, version: VersionInfo) -> Mapping[str, Any]:
    """The document data behind the version (for a notice: that of the version it replaced)."""
    data = version.meta.get("data")
    if not isinstance(data, dict) and version.content == "invalidation":
        number = version.meta.get("invalidates_version")
        if isinstance(number, int) and (row := session.get(Version, (file.file_id, number))):
            data = (row.meta or {}).get("data")
    return data if isinstance(data, dict) else {}


def _name(data: Mapping[str, Any], part: str, code: str) -> str:
    """A party's name from the data, if the data's code is the file's (not after a transfer)."""
    value = data.get(part)
    if isinstance(value, dict) and str(value.get("code", "")).zfill(len(code)) == code:
        return str(value.get("name") or "")
    return ""


def _notice(kind: int, file: FileInfo, version: VersionInfo, data: Mapping[str, Any],
            bank: Bank | None, *, user_name: str, mode: str, link_days: int) -> Notice:
    association = _name(data, "association", file.association_code) or \
        f"信用保証協会（{file.association_code}）"
    bank_name = _name(data, "bank", file.bank_code) or (bank.name if bank else "")
    dated = kind in (1, 2) and file.guarantee_date is not None
    return Notice(
        kind=kind, file_id=file.file_id, issue_count=version.issue_count, user_name=user_name,
        association=association, bank_name=bank_name,
        branch_name=_name(data, "branch", file.branch_code),
        bank_code=file.bank_code, branch_code=file.branch_code,
        date_label=DocumentKind(file.kind).date_label_ja if dated else None,
        date=file.guarantee_date if dated else None, mode=mode,
        link_expires=version.created_at + dt.timedelta(days=link_days)
        if mode == "distribution" else None)
