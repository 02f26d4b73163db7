"""What a user comes back to within a day, in the registry database: any web node finds it.

A web draft (the form between preview and signing) and a verification run (the report
whose downloads follow the page) used to be files in the node's home, so a load balancer
had to send a user back to the node that made them.  Here they are rows: a kind, a random
token, the user who may read it, when it was kept, and the bytes.  Nothing here is
registry state; an item is worth nothing after ``keep_for`` and is deleted by the next
:func:`keep` of its kind.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

from sqlalchemy import delete

from pdfsign.errors import NotFoundError
from pdfsign.registry.models import KeptItem
from pdfsign.registry.store import Registry

__all__ = ["forget", "keep", "kept", "new_token"]

#: A token: 256 random bits, URL-safe base64 (what :func:`new_token` makes).
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


def new_token() -> str:
    """A fresh, unguessable token."""
    return secrets.token_urlsafe(32)


def keep(registry: Registry, *, kind: str, token: str, owner: str, data: bytes,
         at: dt.datetime, keep_for: dt.timedelta) -> None:
    """Keep ``data`` under (``kind``, ``token``) for ``owner``, replacing what the token held;
    delete the items of ``kind`` older than ``keep_for`` on the way."""
    with registry.writing() as session:
        session.execute(delete(KeptItem).where(KeptItem.kind == kind,
                                               KeptItem.kept_at < at - keep_for))
        session.merge(KeptItem(kind=kind, token=token, owner=owner, kept_at=at, data=data))


def kept(registry: Registry, *, kind: str, token: str, owner: str, at: dt.datetime,
         keep_for: dt.timedelta, missing: NotFoundError) -> bytes:
    """The bytes ``owner`` kept under (``kind``, ``token``) less than ``keep_for`` before ``at``.

    :raises NotFoundError: ``missing``, whether the token is malformed or unknown, the item
        expired or someone else's: all alike, so a guess learns nothing.
    """
    if _TOKEN.fullmatch(token):
        with registry.reading() as session:
            item = session.get(KeptItem, (kind, token))
            if item is not None and item.owner == owner and at - item.kept_at < keep_for:
                return bytes(item.data)
    raise missing


def forget(registry: Registry, *, kind: str, token: str) -> None:
    """Delete one item (a draft once issued)."""
    with registry.writing() as session:
        session.execute(delete(KeptItem).where(KeptItem.kind == kind, KeptItem.token == token))
