"""The queue's tasks: batch chunks, and the periodic jobs every installation needs.

Each task calls the same core function as the command line does (``pdfsign issue``,
``pdfsign renew``, ``pdfsign mail send``, ``pdfsign webhook send``); the worker that runs it
hands it its :class:`WorkerState` through procrastinate's job context.  Periodic jobs are
deferred by every worker's periodic deferrer, and procrastinate keeps one job per task and
period whatever the number of workers; a ``queueing_lock`` keeps a slow pass from piling
up behind itself.  The outbox's own leases (:mod:`pdfsign.notify.delivery`) stay: they are
what keeps a row from being sent twice, whoever sends it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from procrastinate import Blueprint, JobContext, RetryStrategy

from pdfsign import issuing
from pdfsign.archive_chain import parse_weak_algorithms
from pdfsign.batch_queue import run_chunk
from pdfsign.config import Settings
from pdfsign.errors import ConfigurationError
from pdfsign.notify import deliver_all
from pdfsign.notify.webhooks import deliver_webhooks
from pdfsign.registry import Registry
from pdfsign.renewal import run_renewal
from pdfsign.signing import signing_services_from
from pdfsign.workqueue.app import MAINTENANCE

__all__ = ["RENEWAL_CRON", "STALLED_CHECK_SECONDS", "WorkerState", "blueprint"]

_log = logging.getLogger(__name__)
blueprint = Blueprint()
#: How often the stalled-job check runs (a 6th cron field: seconds).
STALLED_CHECK_SECONDS = 5
#: The outbox's passes (mail and webhooks), like the senders' own poll.
_OUTBOX_CRON = "* * * * * */10"
#: Renewals once a day, at 02:00 JST (17:00 UTC), when nobody issues.
RENEWAL_CRON = "0 17 * * *"
#: The key of :class:`WorkerState` in the worker's ``additional_context``.
STATE = "pdfsign"


@dataclass
class WorkerState:
    """What a worker process holds: settings, the registry, a warm issuer per signer held."""

    settings: Settings
    registry: Registry
    #: Signer name → its warm issuer (opened at the worker's start with the PIN file's PIN).
    issuers: dict[str, issuing.Issuer] = field(default_factory=dict)
    #: A worker whose heartbeat is older than this many seconds is taken for dead.
    stalled_after: float = 30.0
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)

    def issuer(self, signer: str) -> issuing.Issuer:
        """The warm issuer of ``signer``.

        :raises ConfigurationError: this worker was not started with that signer's PIN (a
            chunk reaches only the workers that listen to its signer's queue).
        """
        if signer not in self.issuers:
            raise ConfigurationError(f"this worker holds no PIN for signer {signer!r}",
                                     field="signer")
        return self.issuers[signer]


def _state(context: JobContext) -> WorkerState:
    state = context.additional_context[STATE]
    assert isinstance(state, WorkerState)
    return state


@blueprint.task(name="issue_chunk", pass_context=True,
                retry=RetryStrategy(max_attempts=5, wait=5))
def issue_chunk(context: JobContext, job_id: str, first: int, last: int) -> None:
    """Issue a batch job's rows ``first``…``last`` (:func:`pdfsign.batch_queue.run_chunk`)."""
    state = _state(context)
    ran = run_chunk(state.registry, job_id, first, last, issuer=state.issuer,
                    clock=state.clock)
    _log.info("batch %s lines %d-%d: %d rows issued or found", job_id, first, last, ran)


@blueprint.periodic(cron=f"* * * * * */{STALLED_CHECK_SECONDS}")
@blueprint.task(name="retry_stalled", queue=MAINTENANCE, queueing_lock="retry_stalled",
                pass_context=True)
async def retry_stalled(context: JobContext, timestamp: int) -> None:
    """Put back on their queues the jobs of workers whose heartbeat stopped (a killed worker).

    The documented procrastinate way (``get_stalled_jobs`` + ``retry_job``); a chunk run
    again issues nothing twice (idempotency keys).
    """
    state = _state(context)
    manager = context.app.job_manager
    for job in await manager.get_stalled_jobs(seconds_since_heartbeat=state.stalled_after):
        _log.warning("retrying stalled job %s (%s) of worker %s", job.id, job.task_name,
                     job.worker_id)
        await manager.retry_job(job)


@blueprint.periodic(cron=_OUTBOX_CRON)
@blueprint.task(name="send_mail", queue=MAINTENANCE, queueing_lock="send_mail",
                pass_context=True)
def send_mail(context: JobContext, timestamp: int) -> None:
    """Deliver the due notification e-mail (``pdfsign mail send --once``), if SMTP is set."""
    state = _state(context)
    if state.settings.smtp_url:
        deliver_all(state.registry, state.settings, clock=state.clock)


@blueprint.periodic(cron=_OUTBOX_CRON)
@blueprint.task(name="send_webhooks", queue=MAINTENANCE, queueing_lock="send_webhooks",
                pass_context=True)
def send_webhooks(context: JobContext, timestamp: int) -> None:
    """Deliver the due webhook events (``pdfsign webhook send --once``)."""
    state = _state(context)
    deliver_webhooks(state.registry, clock=state.clock)


@blueprint.periodic(cron=RENEWAL_CRON)
@blueprint.task(name="renew_due", queue=MAINTENANCE, queueing_lock="renew_due",
                pass_context=True)
def renew_due(context: JobContext, timestamp: int) -> None:
    """Renew the archive time-stamps that are due (``pdfsign renew`` on the registry)."""
    state = _state(context)
    settings = state.settings
    outcomes = run_renewal(state.registry, at=state.clock(), within=None,
                           weak=parse_weak_algorithms(settings.weak_algorithms),
                           services=signing_services_from(settings),
                           actor=settings.actor or "pdfsign-worker")
    counts = {s: sum(o.status == s for o in outcomes) for s in ("renewed", "failed")}
    _log.info("renewal: %(renewed)d renewed, %(failed)d failed", counts)
