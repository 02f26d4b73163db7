"""Signed webhooks: tell pipelines and banks of each change instead of being polled.

A user (or an administrator for them) registers a URL and the events it wants
(:func:`add_webhook`; the secret is shown once).  Each registry change writes its event to
the outbox in the change's own transaction (:func:`enqueue_event`), for every webhook whose
owner may see the file; a sender POSTs it signed, retrying with the outbox's backoff
(:func:`deliver_webhooks`, :func:`run_webhook_sender`); :func:`webhook_status` shows how
that goes.
"""

from pdfsign.notify.webhooks.events import enqueue_event, event_body, event_of
from pdfsign.notify.webhooks.receivers import (
    EVENTS,
    MAX_PER_USER,
    SECRET_PREFIX,
    WebhookInfo,
    add_webhook,
    list_webhooks,
    parse_events,
    parse_url,
    remove_webhook,
    shown_url,
)
from pdfsign.notify.webhooks.sending import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMEOUT,
    HttpTransport,
    deliver_webhooks,
    deliver_webhooks_due,
    run_webhook_sender,
    signature,
)
from pdfsign.notify.webhooks.status import DeliveryEntry, WebhookStatus, webhook_status

__all__ = [
    "DELIVERY_HEADER",
    "EVENTS",
    "EVENT_HEADER",
    "MAX_PER_USER",
    "SECRET_PREFIX",
    "SIGNATURE_HEADER",
    "TIMEOUT",
    "DeliveryEntry",
    "HttpTransport",
    "WebhookInfo",
    "WebhookStatus",
    "add_webhook",
    "deliver_webhooks",
    "deliver_webhooks_due",
    "enqueue_event",
    "event_body",
    "event_of",
    "list_webhooks",
    "parse_events",
    "parse_url",
    "remove_webhook",
    "run_webhook_sender",
    "shown_url",
    "signature",
    "webhook_status",
]
