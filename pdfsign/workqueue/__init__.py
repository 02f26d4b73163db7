"""The distributed work queue (PostgreSQL, through procrastinate): ``pdfsign worker``.

See :mod:`pdfsign.workqueue.app` for the queues, :mod:`pdfsign.workqueue.tasks` for the
jobs and :mod:`pdfsign.workqueue.worker` for the worker processes and their PINs.
"""

from pdfsign.workqueue.app import (
    MAINTENANCE,
    SCHEMA,
    batch_queue,
    queue_app,
    require_queue,
    uses_queue,
)
from pdfsign.workqueue.errors import QueueNeedsPostgresError

__all__ = ["MAINTENANCE", "SCHEMA", "QueueNeedsPostgresError", "batch_queue", "queue_app",
           "require_queue", "uses_queue"]
