"""Alembic migrations of the registry schema (run by :func:`pdfsign.registry.database.upgrade`)."""
