"""Secrets the whole installation shares, kept in the registry database.

A web node behind a load balancer must sign session cookies with the same key as every
other node, so the key cannot live in one node's home folder.  The first node that asks
makes it; of two asking at once, the first insert wins and both read it back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from pdfsign.registry.database import insert_once
from pdfsign.registry.models import InstallationSecret
from pdfsign.registry.store import Registry

__all__ = ["shared_secret"]


def shared_secret(registry: Registry, name: str, make: Callable[[], bytes]) -> bytes:
    """The secret ``name``, made with ``make`` (and stored) if there is none yet."""
    with registry.reading() as session:
        row = session.get(InstallationSecret, name)
        if row is not None:
            return bytes(row.value)
    with registry.writing() as session:
        insert_once(session.connection(), InstallationSecret,
                    {"name": name, "value": make(), "created_at": dt.datetime.now(dt.UTC)})
    with registry.reading() as session:
        row = session.get(InstallationSecret, name)
        assert row is not None  # inserted above, by us or by whoever won
        return bytes(row.value)
