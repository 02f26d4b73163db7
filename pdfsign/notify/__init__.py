"""Upload notification e-mail and distribution links (DOMAIN.md, "Upload notification e-mail").

A version's notifications are written to the outbox in the version's own transaction
(:class:`Notifications`, the registry's version hook), then delivered over SMTP by a sender
(:func:`deliver_all`, :func:`run_sender`) with leases, retries and backoff.  Banks in
distribution mode get an expiring direct link per recipient (:func:`redeem`).  Webhooks
(:mod:`pdfsign.notify.webhooks`) take the same way: their events are written with each
change, and delivered over HTTP with the same leases and backoff (:mod:`pdfsign.notify.delivery`).
"""

from pdfsign.notify.errors import (
    LINK_INVALID_MESSAGE,
    LinkInvalidError,
    LinkRateLimitedError,
    SmtpUrlError,
)
from pdfsign.notify.links import LINK_USES_PER_HOUR, redeem, token_hash
from pdfsign.notify.messages import Notice, body_for, build_email, email_for, subject_for
from pdfsign.notify.outbox import Notifications, enqueue_for_version, notice_kind
from pdfsign.notify.sender import (
    LEASE,
    RETRY_FOR,
    DeliveryReport,
    backoff,
    deliver_all,
    deliver_due,
    envelope_sender,
    run_sender,
)
from pdfsign.notify.smtp import DeliveryFailure, SmtpTransport, SmtpUrl, masked_url
from pdfsign.notify.status import (
    OutboxEntry,
    OutboxStatus,
    export_messages,
    list_outbox,
    outbox_status,
    requeue_failed,
)

__all__ = [
    "LEASE",
    "LINK_INVALID_MESSAGE",
    "LINK_USES_PER_HOUR",
    "RETRY_FOR",
    "DeliveryFailure",
    "DeliveryReport",
    "LinkInvalidError",
    "LinkRateLimitedError",
    "Notice",
    "Notifications",
    "OutboxEntry",
    "OutboxStatus",
    "SmtpTransport",
    "SmtpUrl",
    "SmtpUrlError",
    "backoff",
    "body_for",
    "build_email",
    "deliver_all",
    "deliver_due",
    "email_for",
    "enqueue_for_version",
    "envelope_sender",
    "export_messages",
    "list_outbox",
    "masked_url",
    "notice_kind",
    "outbox_status",
    "redeem",
    "requeue_failed",
    "run_sender",
    "subject_for",
    "token_hash",
]
