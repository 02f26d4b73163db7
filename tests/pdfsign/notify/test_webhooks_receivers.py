"""Registering webhooks: URL and event rules with field-named messages, a secret shown once and
never audited, removal that erases the secret, a limit per user."""

from __future__ import annotations

import pytest
from notify_samples import HEAD, T0

from pdfsign.errors import ConflictError, InputError, NotFoundError
from pdfsign.notify.tables import Webhook
from pdfsign.notify.webhooks import (
    EVENTS,
    MAX_PER_USER,
    add_webhook,
    list_webhooks,
    parse_events,
    parse_url,
    remove_webhook,
)
from pdfsign.registry import AuditQuery, Registry, audit_page


def test_a_webhook_is_listed_without_its_secret_and_audited_without_it(
        registry: Registry, users: dict[str, str]) -> None:
    info, secret = add_webhook(registry, HEAD, "https://ci.example/hook?token=abc",
                               ["renewed", "issued", "issued"], actor="admin", at=T0)

    assert secret.startswith("whsec_")
    assert len(secret) > 40
    assert info.events == ("issued", "renewed")  # each once, in EVENTS order
    assert list_webhooks(registry) == [info] == list_webhooks(registry, HEAD)
    assert list_webhooks(registry, "staff-1") == []
    assert secret not in repr(info)
    assert secret not in str(info.to_json())
    [entry] = audit_page(registry, AuditQuery(action="webhook-add")).entries
    assert entry.actor == "admin"
    assert entry.detail["url"] == "https://ci.example/hook"  # no query string
    assert secret not in str(entry.detail)
    assert "abc" not in str(entry.detail)


def test_removing_erases_the_secret_and_is_audited(registry: Registry,
                                                   users: dict[str, str]) -> None:
    info, _ = add_webhook(registry, HEAD, "http://127.0.0.1:9/h", EVENTS, actor="a", at=T0)

    with pytest.raises(NotFoundError, match="no webhook"):
        remove_webhook(registry, info.id, actor=HEAD, at=T0, owner="staff-1")  # not theirs
    remove_webhook(registry, info.id, actor=HEAD, at=T0, owner=HEAD)

    assert list_webhooks(registry) == []
    with registry.reading() as session:
        row = session.get(Webhook, info.id)
        assert row is not None
        assert row.secret is None
        assert row.removed_by == HEAD
    [entry] = audit_page(registry, AuditQuery(action="webhook-remove")).entries
    assert (entry.actor, entry.detail["webhook_id"]) == (HEAD, info.id)
    with pytest.raises(NotFoundError):
        remove_webhook(registry, info.id, actor="admin", at=T0)  # already removed


def test_a_user_has_at_most_ten_webhooks_and_must_exist(registry: Registry,
                                                         users: dict[str, str]) -> None:
    for n in range(MAX_PER_USER):
        add_webhook(registry, HEAD, f"http://127.0.0.1:9/{n}", EVENTS, actor="a", at=T0)
    with pytest.raises(ConflictError, match="at most 10"):
        add_webhook(registry, HEAD, "http://127.0.0.1:9/x", EVENTS, actor="a", at=T0)
    with pytest.raises(NotFoundError, match="no user nobody"):
        add_webhook(registry, "nobody", "http://127.0.0.1:9/x", EVENTS, actor="a", at=T0)


@pytest.mark.parametrize(("url", "says"), [
    ("", "http:// or https://"),
    ("ftp://127.0.0.1/hook", "http:// or https://"),
    ("javascript:alert(1)", "http:// or https://"),
    ("http:///no-host", "http:// or https://"),
    ("http://127.0.0.1:99999/", "http:// or https://"),
    ("http://user:pw@127.0.0.1/hook", "user name, a password"),
    ("http://ci.example/hook", "plain http:// is only for a receiver on this machine"),
    ("https://127.0.0.1/hook#part", "#fragment"),
    ("https://127.0.0.1/a b", "without spaces"),
    ("https://127.0.0.1/" + "a" * 2000, "at most 2000"),
])
def test_a_bad_url_is_refused_naming_the_field(url: str, says: str) -> None:
    with pytest.raises(InputError, match=says) as refused:
        parse_url(url, field="url")
    assert refused.value.field == "url"


def test_good_urls_pass_as_given() -> None:
    for url in ("http://127.0.0.1:8080/hook", "https://ci.example/hooks/pdfsign?x=1"):
        assert parse_url(f" {url} ") == url


def test_events_must_be_known_and_at_least_one() -> None:
    with pytest.raises(InputError, match="not deleted") as unknown:
        parse_events(["issued", "deleted"], field="--event")
    assert unknown.value.field == "--event"
    with pytest.raises(InputError, match="at least one"):
        parse_events([" "])
