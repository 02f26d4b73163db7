"""A ``pdfsign worker`` process: warm issuers for the signers it holds, procrastinate workers.

The worker is started with the PINs of the signers it may use (``--signer NAME --pin-file
PATH``, each file read once, the PIN checked through the signer's lock at start); it listens
to those signers' batch queues and to the maintenance queue.  Each process runs two
procrastinate workers on one event loop, each taking one job at a time: signing is CPU
work, so one batch chunk runs at a time per process while the periodic jobs (the
stalled-job check above all) never wait behind it.  ``--concurrency N`` forks N such
processes; a child whose parent is gone ends at once, like the parent (its job is then
retried by another worker, see :func:`pdfsign.workqueue.tasks.retry_stalled`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Mapping
from dataclasses import replace

from pdfsign import issuing
from pdfsign.config import Settings
from pdfsign.registry import Registry
from pdfsign.workqueue.app import MAINTENANCE, batch_queue, queue_app, require_queue
from pdfsign.workqueue.tasks import STATE, WorkerState

__all__ = ["check_pins", "run_workers"]

_log = logging.getLogger(__name__)
#: How often a forked worker checks that its parent still lives.
_PARENT_POLL_S = 0.5


def check_pins(settings: Settings, pins: Mapping[str, str]) -> None:
    """Open each signer with its PIN through its lock, and close it again.

    :raises WrongPinError, SignerLockedError, SignerCertificateError: as :func:`open_signer`.
    """
    from pdfsign.keys import open_signer

    registry = Registry.open(settings)
    for signer, pin in pins.items():
        open_signer(replace(settings, signer=signer), registry, pin=pin,
                    actor=settings.actor, at=WorkerState(settings, registry).clock()).close()
    registry.db.dispose()


def run_workers(settings: Settings, pins: Mapping[str, str], *, concurrency: int,
                stalled_after: float) -> None:
    """Work until SIGTERM or SIGINT: in this process, or in ``concurrency`` forked ones.

    :param pins: signer name → its PIN (held in memory only).
    :raises QueueNeedsPostgresError: the registry is not on PostgreSQL.
    """
    require_queue(settings)
    check_pins(settings, pins)
    if concurrency <= 1:
        _work(settings, pins, stalled_after=stalled_after)
        return
    context = multiprocessing.get_context("fork")
    parent = os.getpid()
    children = [context.Process(target=_child, args=(settings, pins, stalled_after, parent),
                                name=f"pdfsign-worker-{n}") for n in range(concurrency)]
    for child in children:
        child.start()

    def forward(signum: int, _frame: object) -> None:
        for child in children:
            if child.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child.pid, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    for child in children:
        child.join()


def _child(settings: Settings, pins: Mapping[str, str], stalled_after: float,
           parent: int) -> None:
    """A forked worker: end at once when the parent is gone, else work."""
    def watch() -> None:
        while os.getppid() == parent:
            threading.Event().wait(_PARENT_POLL_S)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
    _work(settings, pins, stalled_after=stalled_after)


def _work(settings: Settings, pins: Mapping[str, str], *, stalled_after: float) -> None:
    """Build this process's issuers, then run its procrastinate workers until stopped."""
    registry = Registry.open(settings, migrate=False)
    issuers = {signer: issuing.Issuer.open(replace(settings, signer=signer, pin=pin),
                                           migrate=False)
               for signer, pin in pins.items()}
    state = WorkerState(settings, registry, issuers, stalled_after=stalled_after)
    asyncio.run(_serve(settings, state, [batch_queue(signer) for signer in pins]))


async def _serve(settings: Settings, state: WorkerState, batch_queues: list[str]) -> None:
    """The batch worker (if any signer is held) and the maintenance worker, on one loop."""
    app = queue_app(settings, pool_size=6, with_tasks=True)
    options = {"additional_context": {STATE: state}, "delete_jobs": "successful",
               "update_heartbeat_interval": max(0.5, state.stalled_after / 4),
               "stalled_worker_timeout": state.stalled_after,
               "fetch_job_polling_interval": 2.0, "concurrency": 1}
    async with app.open_async():
        maintenance = asyncio.create_task(app.run_worker_async(
            queues=[MAINTENANCE], name="maintenance", install_signal_handlers=not batch_queues,
            **options))  # type: ignore[arg-type]
        if not batch_queues:
            await maintenance
            return
        _log.info("pdfsign worker %d: queues %s", os.getpid(), ", ".join(batch_queues))
        try:
            await app.run_worker_async(queues=batch_queues, name="batch",
                                       **options)  # type: ignore[arg-type]
        finally:
            maintenance.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await maintenance
