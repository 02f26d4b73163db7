"""Distribution links: a direct, expiring link to one version of a file, without signing in.

A link is made when the notification to a user of a bank in distribution mode is written:
``secrets.token_urlsafe(32)`` (256 bits), of which only the SHA-256 is stored, with the file
version and the bank/branch the file was attached to.  It works while all of this holds:
not expired, the file's current version is still that version (a re-issue or invalidation
ends it), the file is still attached to that bank and branch (a transfer ends it), it is
not deleted or subrogated, and the user it was mailed to is still an active bank user who
may see the file.  Any refusal is the one opaque :class:`LinkInvalidError`.

Every use, granted or refused, is written to the audit trail; a link gives at most
:data:`LINK_USES_PER_HOUR` downloads in any one-hour window (a counter in its row).  Per
address rate limiting of unknown tokens is the web server's part.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from pdfsign.accounts.tables import User
from pdfsign.documents import UserId
from pdfsign.notify.errors import LinkInvalidError, LinkRateLimitedError
from pdfsign.notify.tables import DistributionLink
from pdfsign.registry import FileInfo, Registry, VersionInfo, may_see
from pdfsign.registry import audit as audit_log
from pdfsign.registry.models import AuditRow, Bank, File, Version

__all__ = ["LINK_USES_PER_HOUR", "create_link", "redeem", "token_hash"]

#: Downloads one link gives in a one-hour window (a bank user needs one or two).
LINK_USES_PER_HOUR = 10
_WINDOW = dt.timedelta(hours=1)
#: The longest token accepted (``token_urlsafe(32)`` is 43 characters).
_MAX_TOKEN = 100


def token_hash(token: str) -> str:
    """The SHA-256 (hex) a link's token is stored as."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def create_link(session: Session, file: FileInfo, version: VersionInfo, *, user_id: str,
                days: int, at: dt.datetime) -> tuple[DistributionLink, str]:
    """Add a link to ``version`` for ``user_id`` in the caller's transaction.

    :return: the row (flushed, so it has its id) and the token, which is stored nowhere here.
    """
    token = secrets.token_urlsafe(32)
    link = DistributionLink(token_hash=token_hash(token), file_id=file.file_id,
                            version=version.number, association_code=file.association_code,
                            bank_code=file.bank_code, branch_code=file.branch_code,
                            user_id=user_id, created_at=at, expires_at=at + dt.timedelta(days=days),
                            uses=0, window_uses=0)
    session.add(link)
    session.flush()
    return link, token


def redeem(registry: Registry, token: str, *, at: dt.datetime,
           max_uses_per_hour: int = LINK_USES_PER_HOUR) -> tuple[VersionInfo, bytes]:
    """The version a link hands out and its bytes (hash-checked); the use is audited.

    :param at: the clock expiry, subrogation and the rate limit are judged by.
    :raises LinkInvalidError: unknown, expired, or the file overwritten, invalidated,
        transferred, subrogated or deleted (one message for all).
    :raises LinkRateLimitedError: the link was used ``max_uses_per_hour`` times this hour.
    """
    digest = token_hash(token[:_MAX_TOKEN])
    with registry.writing() as session:
        link = session.execute(select(DistributionLink).where(
            DistributionLink.token_hash == digest)).scalar_one_or_none()
        refusal = "unknown" if link is None else _refusal(session, link, at=at)
        if link is not None and refusal is None:
            refusal = _count_use(link, at=at, limit=max_uses_per_hour)
        _audit(session, link, digest, refusal, at=at)
        version = None
        if link is not None and refusal is None:
            version = VersionInfo.of(_version_row(session, link))
    if refusal == "rate-limited":
        raise LinkRateLimitedError()
    if version is None:
        raise LinkInvalidError()
    return version, registry.blobs.get(version.sha256)


def _refusal(session: Session, link: DistributionLink, *, at: dt.datetime) -> str | None:
    """Why the link no longer works (a word for the audit trail), or ``None``."""
    file = session.get(File, link.file_id)
    if at >= link.expires_at:
        return "expired"
    if file is None or file.state == "purged":
        return "deleted"
    if file.current_version != link.version:
        return "invalidated" if file.state == "invalidated" else "overwritten"
    if (file.association_code, file.bank_code, file.branch_code) != (
            link.association_code, link.bank_code, link.branch_code) or _moved_since(
            session, link):
        return "transferred"
    if session.get(Version, (link.file_id, link.version)) is None or \
            _version_row(session, link).purged_at is not None:
        return "deleted"
    bank = session.get(Bank, file.bank_code)
    if bank is None or bank.delivery_mode != "distribution":
        return "storage-mode"
    user = session.get(User, link.user_id)
    if user is None or not user.active or user.locked or user.association_code is None \
            or user.bank_code is None or user.branch_code is None:
        return "user"
    viewer = UserId(user.association_code, user.bank_code, user.branch_code,
                    user.user_id[-2:])
    if not may_see(viewer, FileInfo.of(file), at=at):
        return "no-access"
    return None


def _moved_since(session: Session, link: DistributionLink) -> bool:
    """Whether the file was transferred after the link was made (even if back again)."""
    return session.execute(select(AuditRow.seq).where(
        AuditRow.file_id == link.file_id, AuditRow.action == "transfer",
        AuditRow.at >= link.created_at).limit(1)).first() is not None


def _count_use(link: DistributionLink, *, at: dt.datetime, limit: int) -> str | None:
    """Count one download against the link's hourly window; ``rate-limited`` when full."""
    if link.window_start is None or at >= link.window_start + _WINDOW:
        link.window_start, link.window_uses = at, 0
    if link.window_uses >= limit:
        return "rate-limited"
    link.window_uses += 1
    link.uses += 1
    link.last_used_at = at
    return None


def _version_row(session: Session, link: DistributionLink) -> Version:
    row = session.get(Version, (link.file_id, link.version))
    assert row is not None
    return row


def _audit(session: Session, link: DistributionLink | None, digest: str, refusal: str | None,
           *, at: dt.datetime) -> None:
    """One audit entry per use: ``link-download`` or ``link-refused`` with the reason."""
    if link is None:
        audit_log.append(session, at=at, actor="link", action="link-refused",
                         detail={"why": "unknown", "token_sha256": digest[:16]})
        return
    detail: dict[str, object] = {"link": link.id, "user_id": link.user_id}
    if refusal is not None:
        detail["why"] = refusal
    else:
        detail["uses"] = link.uses
    audit_log.append(session, at=at, actor=f"link:{link.user_id}",
                     action="link-refused" if refusal else "link-download",
                     file_id=link.file_id, version=link.version, detail=detail)
