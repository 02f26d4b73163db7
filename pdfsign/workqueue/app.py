"""The work queue: procrastinate on the registry's own PostgreSQL database.

Any number of ``pdfsign worker`` processes, on any number of machines, take jobs from the
queues below; the web nodes and the command line only defer jobs.  Procrastinate's tables
live in the PostgreSQL schema :data:`SCHEMA` (made by the registry's migration ``0012``), so
its connections put that schema on their ``search_path``.  The embedded default (SQLite)
has no queue: its batches run as local processes (:mod:`pdfsign.batch_jobs`).

Queues:

- ``batch:<signer>`` (:func:`batch_queue`): the chunks of batches signed by ``<signer>``;
  only workers started with that signer's PIN listen to it, so a PIN never travels.
- :data:`MAINTENANCE`: the periodic jobs (stalled-job retries, renewals, the outbox), which
  need no PIN; every worker listens to it.
"""

from __future__ import annotations

import hashlib

from procrastinate import App, PsycopgConnector
from sqlalchemy.engine import make_url

from pdfsign.config import Settings
from pdfsign.workqueue.errors import QueueNeedsPostgresError

__all__ = ["MAINTENANCE", "SCHEMA", "batch_queue", "queue_app", "require_queue", "uses_queue"]

#: The PostgreSQL schema of procrastinate's tables and functions (migration ``0012``).
SCHEMA = "procrastinate"
#: The queue of the periodic jobs.
MAINTENANCE = "maintenance"
_QUEUE_NAME_MAX = 100


def uses_queue(settings: Settings) -> bool:
    """Whether batches, renewals and the outbox run as queue jobs: the registry is PostgreSQL."""
    return settings.url.startswith("postgresql")


def require_queue(settings: Settings) -> None:
    """:raises QueueNeedsPostgresError: the registry is not on PostgreSQL."""
    if not uses_queue(settings):
        raise QueueNeedsPostgresError(
            "ワーカーにはPostgreSQLのレジストリが必要です（database_url を設定してください）。"
            "組み込みの既定（SQLite）では一括発行はローカルのプロセスで動きます / a worker "
            "needs the registry on PostgreSQL (set database_url); on the embedded default "
            "(SQLite) batches run as local processes", field="database_url")


def batch_queue(signer: str) -> str:
    """The queue of the batch chunks that ``signer`` signs (a long name or URI is hashed)."""
    name = f"batch:{signer}"
    if len(name) <= _QUEUE_NAME_MAX:
        return name
    return "batch:" + hashlib.sha256(signer.encode()).hexdigest()[:32]


def queue_app(settings: Settings, *, pool_size: int = 2, with_tasks: bool = False) -> App:
    """A procrastinate app on the registry's database (not yet open).

    :param pool_size: the most connections it keeps (a worker needs one to listen, one to
        fetch and finish jobs, one for its heartbeat).
    :param with_tasks: register pdfsign's tasks: a worker's app, made once per process,
        since procrastinate's ``add_tasks_from`` renames the blueprint's tasks in place (a
        second app would find them as ``pdfsign:pdfsign:…``).  Deferring needs none: a web
        node or the command line defers by task name (``App.configure_task``), as often as
        it likes.
    :raises QueueNeedsPostgresError: the registry is not on PostgreSQL.
    """
    require_queue(settings)
    conninfo = make_url(settings.url).set(drivername="postgresql").render_as_string(
        hide_password=False)
    connector = PsycopgConnector(conninfo=conninfo, min_size=1, max_size=pool_size,
                                 kwargs={"options": f"-c search_path={SCHEMA}"})
    app = App(connector=connector)
    if with_tasks:
        from pdfsign.workqueue.tasks import blueprint

        app.add_tasks_from(blueprint, namespace="pdfsign")
    return app
