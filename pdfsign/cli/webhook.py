"""``pdfsign webhook``: signed webhooks — add, list, remove, status, send.

A new webhook's secret is printed once, to standard output only; it signs every delivery
(``X-Pdfsign-Signature``).  ``send`` runs the sender loop as ``pdfsign mail send`` does;
``--once`` delivers what is due now and exits.
"""

from __future__ import annotations

import click

from pdfsign.cli._home import emit, home_options, now
from pdfsign.cli._sending import run_until_stopped, sender_options
from pdfsign.config import Settings
from pdfsign.notify.webhooks import (
    EVENTS,
    WebhookInfo,
    WebhookStatus,
    add_webhook,
    deliver_webhooks,
    list_webhooks,
    remove_webhook,
    run_webhook_sender,
    webhook_status,
)
from pdfsign.registry import JST, Registry

__all__ = ["webhook"]


def _line(info: WebhookInfo) -> str:
    return f"{info.id}  {info.user_id}  {info.url}  {','.join(info.events)}"


@click.group()
def webhook() -> None:
    """Signed webhooks: POST each registry event to a receiver's URL."""


@webhook.command("add")
@click.argument("user_id")
@click.argument("url")
@click.option("--event", "events", multiple=True, required=True, metavar="EVENT",
              help=f"An event to send (repeat for more): {', '.join(EVENTS)}.")
@home_options
def webhook_add(user_id: str, url: str, events: tuple[str, ...], settings: Settings,
                as_json: bool) -> None:
    """Register URL for USER_ID's EVENTs; the signing secret is printed once."""
    info, secret = add_webhook(Registry.open(settings), user_id, url, events,
                               actor=settings.actor, at=now())
    emit(as_json, {"id": info.id, "secret": secret},
         f"added webhook {info.id} for {info.user_id} ({', '.join(info.events)}); its "
         f"secret is shown only now:\n{secret}")


@webhook.command("list")
@click.argument("user_id", required=False)
@home_options
def webhook_list(user_id: str | None, settings: Settings, as_json: bool) -> None:
    """List the webhooks in use (or USER_ID's), never their secrets."""
    hooks = list_webhooks(Registry.open(settings), user_id)
    emit(as_json, [h.to_json() for h in hooks],
         "\n".join(_line(h) for h in hooks) or "no webhooks")


@webhook.command("remove")
@click.argument("webhook_id", metavar="ID", type=int)
@home_options
def webhook_remove(webhook_id: int, settings: Settings, as_json: bool) -> None:
    """Remove webhook ID: its secret is erased and its pending deliveries fail."""
    info = remove_webhook(Registry.open(settings), webhook_id, actor=settings.actor, at=now())
    emit(as_json, info.to_json(), f"removed webhook {info.id} of {info.user_id}")


def _status_lines(status: WebhookStatus) -> str:
    lines = [f"pending {status.pending}, delivered {status.delivered}, failed {status.failed}"]
    lines += [f"  waiting #{e.id}  {e.event} {e.file_id} v{e.version} → {e.url}  attempt "
              f"{e.attempts}, next {e.next_attempt_at.astimezone(JST):%Y-%m-%d %H:%M:%S JST}"
              + (f"  {e.last_error}" if e.last_error else "") for e in status.waiting]
    lines += [f"  failed  #{e.id}  {e.event} {e.file_id} v{e.version} → {e.url}  "
              f"{e.last_error}" for e in status.failures]
    return "\n".join(lines)


@webhook.command("status")
@home_options
def webhook_status_command(settings: Settings, as_json: bool) -> None:
    """Count pending, delivered and failed deliveries; list the pending and failed ones."""
    status = webhook_status(Registry.open(settings))
    emit(as_json, status.to_json(), _status_lines(status))


@webhook.command("send")
@sender_options
@home_options
def webhook_send(once: bool, interval: float, settings: Settings, as_json: bool) -> None:
    """POST pending events to their webhooks, signed, retrying with backoff."""
    registry = Registry.open(settings)
    if once:
        report = deliver_webhooks(registry, clock=now)
        emit(as_json, report.__dict__, f"delivered {report.sent}, retrying "
             f"{report.retrying}, failed {report.failed}")
        return
    run_until_stopped(lambda stop: run_webhook_sender(registry, stop, poll=interval,
                                                      clock=now))
