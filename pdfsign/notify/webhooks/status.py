"""Reading the webhook deliveries: counts per state, the pending and the failed ones.

What ``pdfsign webhook status`` prints, as ``pdfsign mail status`` does for the e-mails
(the counts come from the same :func:`pdfsign.notify.delivery.state_counts`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from pdfsign.notify.delivery import state_counts
from pdfsign.notify.tables import Webhook, WebhookDelivery
from pdfsign.notify.webhooks.receivers import shown_url
from pdfsign.registry import Registry

__all__ = ["DeliveryEntry", "WebhookStatus", "webhook_status"]

#: How many pending and failed deliveries a status lists (newest first); counts are complete.
_LISTED = 100


@dataclass(frozen=True)
class DeliveryEntry:
    """One delivery as an administrator reads it (never the body's secret: it has none)."""

    id: int
    delivery_id: str
    event_id: str
    event: str
    webhook_id: int
    #: The webhook's URL without its query string.
    url: str
    file_id: str
    version: int
    status: str
    attempts: int
    created_at: dt.datetime
    next_attempt_at: dt.datetime
    sent_at: dt.datetime | None
    last_error: str | None

    @classmethod
    def of(cls, row: WebhookDelivery, hook: Webhook) -> DeliveryEntry:
        """Snapshot a row and its webhook."""
        return cls(row.id, row.delivery_id, row.event_id, row.event, row.webhook_id,
                   shown_url(hook.url), row.file_id, row.version, row.status, row.attempts,
                   row.created_at, row.next_attempt_at, row.sent_at, row.last_error)

    def to_json(self) -> dict[str, object]:
        """JSON-ready (times as ISO 8601)."""
        return {name: value.isoformat() if isinstance(value, dt.datetime) else value
                for name, value in self.__dict__.items()}


@dataclass(frozen=True)
class WebhookStatus:
    """How many deliveries are in each state; the pending and the failed ones."""

    pending: int
    delivered: int
    failed: int
    waiting: tuple[DeliveryEntry, ...]
    failures: tuple[DeliveryEntry, ...]

    def to_json(self) -> dict[str, object]:
        """What ``webhook status --json`` prints."""
        return {"pending": self.pending, "delivered": self.delivered, "failed": self.failed,
                "waiting": [e.to_json() for e in self.waiting],
                "failures": [e.to_json() for e in self.failures]}


def webhook_status(registry: Registry) -> WebhookStatus:
    """Counts per state, and the newest pending and failed deliveries."""
    def listed(status: str) -> tuple[DeliveryEntry, ...]:
        rows = session.execute(
            select(WebhookDelivery, Webhook).join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
            .where(WebhookDelivery.status == status)
            .order_by(WebhookDelivery.id.desc()).limit(_LISTED)).all()
        return tuple(DeliveryEntry.of(row, hook) for row, hook in rows)

    with registry.reading() as session:
        counts = state_counts(session, WebhookDelivery)
        return WebhookStatus(counts.get("pending", 0), counts.get(WebhookDelivery.DONE, 0),
                             counts.get("failed", 0), listed("pending"), listed("failed"))
