"""Delivering webhook events: POST the stored body, signed, and record what the receiver said.

Every attempt signs the body anew with the webhook's secret, Stripe's way::

    X-Pdfsign-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>

(the key is the secret's UTF-8 text, ``whsec_…`` included), so a receiver can refuse old or
replayed requests by ``t`` and forged ones by ``v1``.  ``X-Pdfsign-Event`` names the event
and ``X-Pdfsign-Delivery`` is the same on every attempt of one delivery: a receiver that
saw it already has it.

What the answer means: 2xx delivered; 4xx other than 408 and 429 refused for good (the
receiver said the request is wrong, and would say so again); anything else — 3xx
(redirects are not followed), 408, 429, 5xx, a timeout, a refused connection — is tried
again later with the outbox's backoff (:mod:`pdfsign.notify.delivery`).  One receiver's
trouble never holds up another's deliveries.  Requests ignore the environment's proxy
and ``.netrc`` settings, so no credential of this machine goes to a receiver.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType

import requests

from pdfsign.accounts.tables import User
from pdfsign.notify.delivery import (
    BATCH,
    Clock,
    DeliveryFailure,
    DeliveryReport,
    claim_due,
    claimer_name,
    fail,
    keep_delivering,
    record_failure,
    record_sent,
)
from pdfsign.notify.tables import Webhook, WebhookDelivery
from pdfsign.notify.webhooks.receivers import shown_url
from pdfsign.registry import Registry

__all__ = ["DELIVERY_HEADER", "EVENT_HEADER", "SIGNATURE_HEADER", "TIMEOUT", "HttpTransport",
           "deliver_webhooks", "deliver_webhooks_due", "run_webhook_sender", "signature"]

SIGNATURE_HEADER = "X-Pdfsign-Signature"
EVENT_HEADER = "X-Pdfsign-Event"
DELIVERY_HEADER = "X-Pdfsign-Delivery"
#: Seconds to connect, and to wait for the answer.
TIMEOUT = (5.0, 10.0)
#: Answers that mean "later", though they are 4xx: Request Timeout, Too Many Requests.
_RETRIED_4XX = frozenset({408, 429})


def signature(secret: str, body: str, *, at: dt.datetime) -> str:
    """The ``X-Pdfsign-Signature`` value of ``body`` sent at ``at``."""
    stamp = int(at.timestamp())
    mac = hmac.new(secret.encode(), f"{stamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={stamp},v1={mac}"


class HttpTransport:
    """POSTs over one ``requests`` session (connections kept per receiver)."""

    def __init__(self, *, timeout: tuple[float, float] = TIMEOUT) -> None:
        self.timeout = timeout
        self._session = requests.Session()
        self._session.trust_env = False  # no proxies or .netrc credentials from the machine

    def __enter__(self) -> HttpTransport:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Close the kept connections."""
        self._session.close()

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> None:
        """POST ``body`` to ``url``; return once the receiver answered 2xx.

        :raises DeliveryFailure: ``permanent`` for a 4xx other than 408 and 429.
        """
        shown = shown_url(url)
        try:
            answer = self._session.post(url, data=body, headers=dict(headers),
                                        timeout=self.timeout, allow_redirects=False,
                                        stream=True)
        except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema,
                requests.exceptions.MissingSchema) as exc:
            raise DeliveryFailure(f"{shown}: {exc}", permanent=True) from None
        except requests.RequestException as exc:
            raise DeliveryFailure(f"{shown}: {type(exc).__name__}: {exc}") from None
        status = answer.status_code
        answer.close()  # the body is not read: a receiver's answer is its status
        if 200 <= status < 300:
            return
        permanent = 400 <= status < 500 and status not in _RETRIED_4XX
        raise DeliveryFailure(f"{shown}: HTTP {status}", permanent=permanent)


@dataclass(frozen=True)
class _Job:
    """One claimed delivery, with what sending it needs (read in the claim's transaction)."""

    row_id: int
    url: str
    secret: str
    event: str
    delivery_id: str
    body: str


def _claim(registry: Registry, *, at: dt.datetime, limit: int,
           claimer: str) -> tuple[list[_Job], int]:
    """Lease due deliveries; those whose owner may no longer receive fail here.

    :return: the jobs to send, and how many claimed rows failed instead.
    """
    jobs, refused = [], 0
    with registry.writing() as session:
        for row in claim_due(session, WebhookDelivery, at=at, limit=limit, claimer=claimer):
            hook = session.get(Webhook, row.webhook_id)
            owner = session.get(User, hook.user_id) if hook is not None else None
            if hook is None or hook.secret is None or hook.removed_at is not None:
                fail(row, "the webhook was removed")
            elif owner is None or not owner.active or owner.locked:
                fail(row, "the webhook's owner is deactivated or locked")
            else:
                jobs.append(_Job(row.id, hook.url, hook.secret, row.event, row.delivery_id,
                                 row.body))
                continue
            refused += 1
    return jobs, refused


def _headers(job: _Job, at: dt.datetime) -> dict[str, str]:
    return {"Content-Type": "application/json", "User-Agent": "pdfsign-webhook/1",
            EVENT_HEADER: job.event, DELIVERY_HEADER: job.delivery_id,
            SIGNATURE_HEADER: signature(job.secret, job.body, at=at)}


def deliver_webhooks_due(registry: Registry, transport: HttpTransport, *, clock: Clock,
                         limit: int = BATCH) -> DeliveryReport:
    """One pass: claim what is due now, POST each, record each outcome in its own transaction."""
    claimer = claimer_name()
    jobs, refused = _claim(registry, at=clock(), limit=limit, claimer=claimer)
    sent = retrying = 0
    failed = refused
    for job in jobs:
        try:
            transport.post(job.url, job.body.encode(), _headers(job, clock()))
        except DeliveryFailure as failure:
            retry_at = record_failure(registry, WebhookDelivery, job.row_id, claimer, failure,
                                      at=clock())
            failed, retrying = failed + (retry_at is None), retrying + (retry_at is not None)
        else:
            record_sent(registry, WebhookDelivery, job.row_id, at=clock())
            sent += 1
    return DeliveryReport(sent, retrying, failed, len(jobs) + refused)


def deliver_webhooks(registry: Registry, *, clock: Clock, limit: int = BATCH,
                     transport: HttpTransport | None = None) -> DeliveryReport:
    """Passes of :func:`deliver_webhooks_due` until nothing is due (``webhook send --once``)."""
    total = DeliveryReport()
    with transport or HttpTransport() as http:
        while True:
            report = deliver_webhooks_due(registry, http, clock=clock, limit=limit)
            total += report
            if not report.claimed:
                return total


def run_webhook_sender(registry: Registry, stop: threading.Event, *, poll: float = 5.0,
                       clock: Clock | None = None) -> None:
    """Deliver until ``stop`` is set, looking for due deliveries every ``poll`` seconds."""
    tick = clock or (lambda: dt.datetime.now(dt.UTC))
    keep_delivering(lambda: deliver_webhooks(registry, clock=tick), stop, poll=poll,
                    noun="webhooks")
