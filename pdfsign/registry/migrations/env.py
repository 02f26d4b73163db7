"""Alembic environment: runs on the connection :func:`pdfsign.registry.database.upgrade` passes."""

from __future__ import annotations

from alembic import context

from pdfsign.registry.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only the programmatic entry point is supported
    raise RuntimeError("run migrations through pdfsign.registry.database.upgrade()")
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
