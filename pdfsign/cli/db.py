"""``pdfsign db upgrade``: bring the registry database's schema to this release's, once."""

from __future__ import annotations

import click

from pdfsign.cli._home import emit, home_options
from pdfsign.config import Settings
from pdfsign.registry.database import open_database, schema_revision

__all__ = ["db"]


@click.group()
def db() -> None:
    """The registry database's schema."""


@db.command("upgrade")
@home_options
def upgrade(settings: Settings, as_json: bool) -> None:
    """Apply this release's pending migrations to the registry database, then exit.

    Every command and node also upgrades when it opens the registry (one at a time on
    PostgreSQL). Run this once, from one machine, before starting the nodes of a new
    release: a migration that fails then stops the rollout, not every node.
    """
    before_db = open_database(settings.url, migrate=False)
    before = schema_revision(before_db.engine)
    before_db.dispose()
    after_db = open_database(settings.url)
    after = schema_revision(after_db.engine)
    after_db.dispose()
    human = (f"registry schema already at {after}" if before == after else
             f"registry schema {before or '(new)'} → {after}")
    emit(as_json, {"before": before, "after": after}, human)
