"""The work queue's errors (the shared table in :mod:`pdfsign.errors` reports them)."""

from __future__ import annotations

from pdfsign.errors import ConfigurationError

__all__ = ["QueueNeedsPostgresError"]


class QueueNeedsPostgresError(ConfigurationError):
    """``pdfsign worker`` on the embedded default: the work queue lives in PostgreSQL.

    Exit code 7, like every configuration error; its reason token says what to change.
    """

    reason = "queue-needs-postgresql"
