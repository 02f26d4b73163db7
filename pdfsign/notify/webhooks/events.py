"""Writing webhook events to the outbox, in the transaction of the registry change they tell of.

:func:`enqueue_event` is the registry's change hook (:data:`pdfsign.registry.store.ChangeHook`:
transfers, renewals) and, through :meth:`pdfsign.notify.Notifications.on_version`, part of
its version hook (issues, re-issues, invalidations): the change and its events commit
together or not at all.

A webhook gets an event when it asked for that event and its owner may see the file *as it
is after the change*, by search's rule: staff see every file not purged; a bank user what
:func:`pdfsign.registry.may_see` lets their ID see (head office: every branch of its bank;
a branch: its own; nothing after the subrogation date).  So after a transfer the old bank
hears nothing more of the file — not even the transfer, which would name the new bank — and
the new bank hears of it from the transfer on.  Deactivated and locked owners get nothing.

The body is fixed here, once per event: its ``id`` is shared by the event's deliveries, each
of which has its own ``X-Pdfsign-Delivery`` ID.  It carries the file's registry metadata, no
PDF and no customer name (a webhook leaves the installation; the receiver downloads what it
needs with its own credentials).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from pdfsign.accounts.roles import Role
from pdfsign.accounts.tables import User
from pdfsign.documents import parse_user_id
from pdfsign.notify.tables import Webhook, WebhookDelivery
from pdfsign.registry import FileInfo, VersionInfo, may_see

__all__ = ["enqueue_event", "event_body", "event_of"]

#: A version's registry reason (before any ``:detail``) → the event it is.
_VERSION_EVENTS = {"issue": "issued", "reissue": "reissued", "invalidate": "invalidated"}


def event_of(version: VersionInfo) -> str:
    """The event a new version is (``issued``, ``reissued`` or ``invalidated``)."""
    return _VERSION_EVENTS[version.reason.split(":")[0]]


def event_body(event_id: str, event: str, file: FileInfo, version: VersionInfo,
               at: dt.datetime) -> str:
    """The JSON every delivery of the event POSTs (compact, keys sorted, UTF-8 as is)."""
    payload = {
        "id": event_id, "type": event, "occurred_at": at.astimezone(dt.UTC).isoformat(),
        "file_id": file.file_id, "kind": file.kind, "shown_kind": file.shown_kind,
        "state": file.state, "version": version.number, "content": version.content,
        "issue_count": version.issue_count, "sha256": version.sha256,
        "association_code": file.association_code, "bank_code": file.bank_code,
        "branch_code": file.branch_code,
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _sees(owner: User, file: FileInfo, at: dt.datetime) -> bool:
    """Search's access rule for the owner of a webhook."""
    if Role(owner.role).is_staff:
        return file.state != "purged"
    return may_see(parse_user_id(owner.user_id), file, at=at)


def enqueue_event(session: Session, event: str, file: FileInfo, version: VersionInfo,
                  at: dt.datetime) -> None:
    """Write one delivery of ``event`` per webhook that wants it and may see ``file``.

    The caller's transaction commits them with the change (whose own audit entry is the
    record of it; the deliveries are the record of who was told).
    """
    hooks = session.execute(
        select(Webhook, User).join(User, User.user_id == Webhook.user_id).where(
            Webhook.removed_at.is_(None), User.active.is_(True), User.locked.is_(False))
        .order_by(Webhook.id)).all()
    receivers = [hook for hook, owner in hooks
                 if event in hook.events and _sees(owner, file, at)]
    if not receivers:
        return
    event_id = f"evt_{secrets.token_hex(16)}"
    body = event_body(event_id, event, file, version, at)
    for hook in receivers:
        session.add(WebhookDelivery(
            delivery_id=f"dlv_{secrets.token_hex(16)}", event_id=event_id, webhook_id=hook.id,
            event=event, file_id=file.file_id, version=version.number, body=body,
            created_at=at, status="pending", attempts=0, next_attempt_at=at))
