"""Registering webhooks: a user's URL, the events it wants, and the secret that signs them.

The secret is made here and returned once, to be shown once (``pdfsign webhook add``, the
web page).  It is stored as it is — every delivery is signed with it, which a hash could not
do — so it is never logged, never audited, never listed, and erased when the webhook is
removed.  A URL must be ``http://`` or ``https://`` with a host and no user name or
password in it (a URL is shown in lists and logs).  Adding and removing are audited, with
the URL's scheme, host and path only (a query string may carry the receiver's own token).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import func, select, update

from pdfsign.accounts.users import load_user
from pdfsign.errors import ConflictError, InputError, NotFoundError
from pdfsign.notify.tables import Webhook, WebhookDelivery
from pdfsign.registry import Registry
from pdfsign.registry import audit as audit_log

__all__ = ["EVENTS", "MAX_PER_USER", "SECRET_PREFIX", "WebhookInfo", "add_webhook",
           "list_webhooks", "parse_events", "parse_url", "remove_webhook", "shown_url"]

#: The events a webhook may ask for, in the registry's order of things.
EVENTS = ("issued", "reissued", "invalidated", "transferred", "renewed")
#: Webhooks one user may have at once (each costs a POST per event).
MAX_PER_USER = 10
SECRET_PREFIX = "whsec_"
_MAX_URL = 2000


#: Hosts a plain-http webhook may name: this machine only.
_LOOPBACK = frozenset({"127.0.0.1", "localhost"})


def parse_url(value: str, *, field: str = "url") -> str:
    """A webhook URL as given, once checked.

    :raises InputError: not ``http(s)://host…``, credentials or a fragment in it, too long.
    """
    url = value.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - reading it is what checks it
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"URLは http:// または https:// で始まり、ホスト名を含めてください / "
                         f"the URL must be http:// or https:// with a host, not {url!r}",
                         field=field)
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        raise InputError("http:// はこのマシン上の受信先（127.0.0.1）だけです。https:// を使ってく"
                         "ださい / plain http:// is only for a receiver on this machine "
                         "(127.0.0.1): use https://, so the events and their signatures are not "
                         "sent in the clear", field=field)
    if parts.username is not None or parts.password is not None or parts.fragment:
        raise InputError("URLに利用者名・パスワード・#以降は含められません / the URL may not "
                         "contain a user name, a password or a #fragment", field=field)
    if len(url) > _MAX_URL or any(c.isspace() or ord(c) < 0x20 for c in url):
        raise InputError(f"URLは空白を含まず{_MAX_URL}文字以内です / the URL must be at most "
                         f"{_MAX_URL} characters without spaces", field=field)
    return url


def parse_events(values: Iterable[str], *, field: str = "events") -> tuple[str, ...]:
    """The events asked for, each once, in :data:`EVENTS` order.

    :raises InputError: none, or one not in :data:`EVENTS`.
    """
    wanted = {v.strip() for v in values if v.strip()}
    names = ", ".join(EVENTS)
    if unknown := sorted(wanted - set(EVENTS)):
        raise InputError(f"イベントは {names} から選んでください / events must be among "
                         f"{names}, not {', '.join(unknown)}", field=field)
    if not wanted:
        raise InputError(f"イベントを1つ以上選んでください（{names}） / choose at least one "
                         f"event ({names})", field=field)
    return tuple(e for e in EVENTS if e in wanted)


@dataclass(frozen=True)
class WebhookInfo:
    """A webhook as the front ends show it (never its secret)."""

    id: int
    user_id: str
    url: str
    events: tuple[str, ...]
    created_at: dt.datetime
    created_by: str

    @classmethod
    def of(cls, row: Webhook) -> WebhookInfo:
        """The public view of a row."""
        return cls(row.id, row.user_id, row.url, tuple(row.events), row.created_at,
                   row.created_by)

    def to_json(self) -> dict[str, object]:
        """What ``webhook list --json`` prints."""
        return {"id": self.id, "user_id": self.user_id, "url": self.url,
                "events": list(self.events), "created_at": self.created_at.isoformat(),
                "created_by": self.created_by}


def shown_url(url: str) -> str:
    """A URL as audit entries and logs show it: without its query string."""
    return urlsplit(url)._replace(query="", fragment="").geturl()


def add_webhook(registry: Registry, user_id: str, url: str, events: Iterable[str], *,
                actor: str, at: dt.datetime) -> tuple[WebhookInfo, str]:
    """Register ``url`` for ``user_id``'s ``events``; the secret is returned here only.

    :raises InputError: a bad URL (``url``) or events (``events``).
    :raises NotFoundError: no such user.
    :raises ConflictError: the user has :data:`MAX_PER_USER` webhooks already.
    """
    checked, wanted = parse_url(url), parse_events(events)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    with registry.writing() as session:
        owner = load_user(session, user_id)
        count = session.execute(select(func.count()).select_from(Webhook).where(
            Webhook.user_id == owner.user_id, Webhook.removed_at.is_(None))).scalar_one()
        if count >= MAX_PER_USER:
            raise ConflictError(f"Webhookは1人{MAX_PER_USER}件までです / a user may have at most "
                                f"{MAX_PER_USER} webhooks", field="user_id")
        row = Webhook(user_id=owner.user_id, url=checked, events=list(wanted), secret=secret,
                      created_at=at, created_by=actor)
        session.add(row)
        session.flush()
        audit_log.append(session, at=at, actor=actor, action="webhook-add",
                         detail={"webhook_id": row.id, "user_id": owner.user_id,
                                 "url": shown_url(checked), "events": list(wanted)})
        return WebhookInfo.of(row), secret


def remove_webhook(registry: Registry, webhook_id: int, *, actor: str, at: dt.datetime,
                   owner: str | None = None) -> WebhookInfo:
    """Remove a webhook for good: its secret is erased and its pending deliveries fail.

    :param owner: if given, the webhook must be this user's (a user removing their own).
    :raises NotFoundError: no such webhook (or removed, or not ``owner``'s).
    """
    with registry.writing() as session:
        row = session.get(Webhook, webhook_id, with_for_update=True)
        if row is None or row.removed_at is not None or (owner is not None
                                                         and row.user_id != owner):
            raise NotFoundError(f"Webhook {webhook_id} はありません / no webhook {webhook_id}",
                                field="webhook_id")
        row.removed_at, row.removed_by, row.secret = at, actor, None
        session.execute(update(WebhookDelivery).where(
            WebhookDelivery.webhook_id == row.id, WebhookDelivery.status == "pending")
            .values(status="failed", last_error="the webhook was removed",
                    claimed_until=None, claimed_by=None))
        audit_log.append(session, at=at, actor=actor, action="webhook-remove",
                         detail={"webhook_id": row.id, "user_id": row.user_id})
        return WebhookInfo.of(row)


def list_webhooks(registry: Registry, user_id: str | None = None) -> list[WebhookInfo]:
    """The webhooks in use (or ``user_id``'s), oldest first."""
    stmt = select(Webhook).where(Webhook.removed_at.is_(None)).order_by(Webhook.id)
    if user_id is not None:
        stmt = stmt.where(Webhook.user_id == user_id)
    with registry.reading() as session:
        return [WebhookInfo.of(row) for row in session.execute(stmt).scalars()]

