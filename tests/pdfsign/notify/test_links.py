"""Distribution links: mailed to banks in distribution mode, working for one version only,
refused with one opaque message once anything changed, every use audited, rate-limited."""

from __future__ import annotations

import datetime as dt
import email
import json
import re
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner
from notify_samples import BRANCH_002, HEAD, T0, FastIssuer, SmtpServer, guarantee, sample
from sqlalchemy import select, text

from pdfsign import issuing
from pdfsign.accounts import deactivate
from pdfsign.cli._root import root
from pdfsign.config import Settings
from pdfsign.notify import (
    LINK_INVALID_MESSAGE,
    LINK_USES_PER_HOUR,
    LinkInvalidError,
    LinkRateLimitedError,
    Notifications,
    deliver_all,
    list_outbox,
    redeem,
    token_hash,
)
from pdfsign.notify.tables import DistributionLink, OutboxRow
from pdfsign.registry import Registry, purge, set_bank
from pdfsign.registry.models import AuditRow

FILE_1 = "14_2345002_000000001_2026000001_000"
T1 = T0 + dt.timedelta(minutes=5)
LINK = re.compile(r"^http://127\.0\.0\.1:8080/d/([A-Za-z0-9_-]{43})\r?$", re.MULTILINE)


@pytest.fixture
def distribution(registry: Registry) -> None:
    """Bank 2345 switched to distribution mode."""
    set_bank(registry, code="2345", name="みらい銀行", start=dt.date(2026, 1, 1),
             mode="distribution", actor="admin", at=T0)


def mailed_links(registry: Registry, settings: Settings, smtp: SmtpServer) -> dict[str, str]:
    """Send what is due; recipient → the token in the link its newest mail carries."""
    assert deliver_all(registry, settings, clock=lambda: T1).connection_error is None
    found = {}
    for received in smtp.received:
        (match,) = LINK.findall(received.message.get_content())
        found[received.recipients[0]] = match
    return found


def refused_as(registry: Registry, token: str, at: dt.datetime) -> str:
    """Redeem, expecting the opaque refusal; the audit trail's reason for it."""
    with pytest.raises(LinkInvalidError) as caught:
        redeem(registry, token, at=at)
    assert str(caught.value) == LINK_INVALID_MESSAGE
    with registry.reading() as session:
        last = session.execute(select(AuditRow).order_by(AuditRow.seq.desc()).limit(1)).scalar_one()
        assert last.action == "link-refused"
        return str(json.loads(last.detail)["why"])


@pytest.mark.usefixtures("distribution")
def test_the_mail_carries_a_link_that_downloads_the_version(
        fast_issuer: FastIssuer, registry: Registry, settings: Settings, smtp: SmtpServer,
        users: dict[str, str]) -> None:
    version = issuing.issue(fast_issuer, guarantee(1), at=T0)
    links = mailed_links(registry, settings, smtp)
    assert sorted(links) == sorted([users[HEAD], users[BRANCH_002]])
    assert links[users[HEAD]] != links[users[BRANCH_002]]  # one link per recipient
    body = smtp.received[0].message.get_content()
    assert "（2026年12月01日 10:00まで有効）" in body  # T0 + 7 days, in JST
    got, pdf = redeem(registry, links[users[HEAD]], at=T1)
    assert got == version
    assert pdf == registry.pdf(FILE_1)[1]
    with registry.reading() as session:
        entry = session.execute(select(AuditRow).where(AuditRow.action == "link-download")
                                ).scalar_one()
        assert (entry.file_id, entry.version, entry.actor) == (FILE_1, 1, f"link:{HEAD}")


@pytest.mark.usefixtures("distribution")
def test_only_the_tokens_hash_is_kept_and_the_outbox_forgets_it_once_sent(
        fast_issuer: FastIssuer, registry: Registry, settings: Settings, smtp: SmtpServer,
        users: dict[str, str]) -> None:
    issuing.issue(fast_issuer, guarantee(1), at=T0)
    with registry.reading() as session:
        queued = {r.user_id: r.link_token for r in session.execute(select(OutboxRow)).scalars()}
    links = mailed_links(registry, settings, smtp)
    assert queued == {HEAD: links[users[HEAD]], BRANCH_002: links[users[BRANCH_002]]}
    with registry.reading() as session:
        stored = session.execute(select(DistributionLink)).scalars().all()
        assert {link.token_hash for link in stored} == {token_hash(t) for t in links.values()}
        assert session.execute(select(OutboxRow.link_token)).scalars().all() == [None, None]
        dump = "\n".join(str(row) for table in ("notify_links", "notify_outbox", "audit")
                         for row in session.execute(text(f"SELECT * FROM {table}")))
    assert not any(token in dump for token in links.values())
    assert len(base64url_bits(links[users[HEAD]])) >= 128


def base64url_bits(token: str) -> str:
    """The bits a ``token_urlsafe`` string carries (6 a character)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return "".join(f"{alphabet.index(c):06b}" for c in token)


@pytest.mark.usefixtures("distribution")
@pytest.mark.parametrize("change", ["reissue", "invalidation", "transfer", "transfer-and-back",
                                    "subrogation", "deactivated"])
def test_a_link_stops_when_the_file_changes(
        change: str, fast_issuer: FastIssuer, registry: Registry, settings: Settings,
        smtp: SmtpServer, users: dict[str, str]) -> None:
    issuing.issue(fast_issuer, guarantee(1), at=T0)
    token = mailed_links(registry, settings, smtp)[users[BRANCH_002]]
    redeem(registry, token, at=T1)
    later = T1 + dt.timedelta(minutes=1)
    if change == "reissue":
        issuing.reissue(fast_issuer, guarantee(1), at=later)
    elif change == "invalidation":
        issuing.invalidate(fast_issuer, FILE_1, reason="cancelled", at=later)
    elif change == "transfer":
        issuing.transfer(registry, FILE_1, bank_code="3456", branch_code="002", actor="staff",
                         at=later)
    elif change == "transfer-and-back":
        for bank in ("3456", "2345"):
            issuing.transfer(registry, FILE_1, bank_code=bank, branch_code="002",
                             actor="staff", at=later)
    elif change == "subrogation":
        issuing.subrogate(registry, FILE_1, on=dt.date(2026, 11, 24), actor="staff", at=later)
    else:
        deactivate(registry, BRANCH_002, actor="admin", at=later)
    why = refused_as(registry, token, later + dt.timedelta(seconds=1))
    assert why == {"reissue": "overwritten", "invalidation": "invalidated",
                   "transfer": "transferred", "transfer-and-back": "transferred",
                   "subrogation": "no-access",
                   "deactivated": "user"}[change]


@pytest.mark.usefixtures("distribution")
def test_the_new_versions_mail_has_a_link_of_its_own(
        fast_issuer: FastIssuer, registry: Registry, settings: Settings, smtp: SmtpServer,
        users: dict[str, str]) -> None:
    """An invalidation notice in distribution mode is itself linked, and that link works."""
    issuing.issue(fast_issuer, guarantee(1), at=T0)
    old = mailed_links(registry, settings, smtp)[users[HEAD]]
    notice = issuing.invalidate(fast_issuer, FILE_1, reason="cancelled", at=T0)
    new = mailed_links(registry, settings, smtp)[users[HEAD]]
    assert new != old
    assert redeem(registry, new, at=T1)[0] == notice
    refused_as(registry, old, T1)


@pytest.mark.usefixtures("distribution")
def test_a_link_expires_after_link_days(
        fast_issuer: FastIssuer, registry: Registry, settings: Settings, smtp: SmtpServer,
        users: dict[str, str]) -> None:
    issuing.issue(fast_issuer, guarantee(1), at=T0)
    token = mailed_links(registry, settings, smtp)[users[HEAD]]
    expiry = T0 + dt.timedelta(days=settings.link_days)
    redeem(registry, token, at=expiry - dt.timedelta(seconds=1))
    assert refused_as(registry, token, expiry) == "expired"


@pytest.mark.usefixtures("distribution")
def test_a_deleted_file_and_an_unknown_token_say_the_same(
        registry: Registry, settings: Settings, smtp: SmtpServer, users: dict[str, str]) -> None:
    """A test slip is deleted 60 days after sending (a 90-day link outlives it here)."""
    long_links = FastIssuer(registry, None, None, "staff-1",  # type: ignore[arg-type]
                            Notifications(link_days=90))
    issuing.issue(long_links, sample("test-slip"), at=T0)
    token = mailed_links(registry, settings, smtp)[users[HEAD]]
    redeem(registry, token, at=T1)
    purge(registry, at=T0 + dt.timedelta(days=61), actor="retention")
    assert refused_as(registry, token, T0 + dt.timedelta(days=61)) == "deleted"
    assert refused_as(registry, "x" * 43, T1) == "unknown"
    assert refused_as(registry, token[:-1], T1) == "unknown"


@pytest.mark.usefixtures("distribution")
def test_a_link_gives_a_limited_number_of_downloads_an_hour(
        fast_issuer: FastIssuer, registry: Registry, settings: Settings, smtp: SmtpServer,
        users: dict[str, str]) -> None:
    issuing.issue(fast_issuer, guarantee(1), at=T0)
    token = mailed_links(registry, settings, smtp)[users[HEAD]]
    for minute in range(LINK_USES_PER_HOUR):
        redeem(registry, token, at=T1 + dt.timedelta(minutes=minute))
    with pytest.raises(LinkRateLimitedError) as caught:
        redeem(registry, token, at=T1 + dt.timedelta(minutes=59))
    assert caught.value.http_status == 429
    redeem(registry, token, at=T1 + dt.timedelta(hours=1))  # a new hour, a new allowance
    with registry.reading() as session:
        actions = session.execute(select(AuditRow.action).where(
            AuditRow.action.startswith("link-"))).scalars().all()
    assert actions == ["link-download"] * LINK_USES_PER_HOUR + ["link-refused", "link-download"]


def test_storage_mode_mails_have_no_link(
        fast_issuer: FastIssuer, registry: Registry, settings: Settings, smtp: SmtpServer,
        users: dict[str, str]) -> None:
    issuing.issue(fast_issuer, guarantee(1), at=T0)
    deliver_all(registry, settings, clock=lambda: T1)
    assert all("/d/" not in m.message.get_content() for m in smtp.received)
    with registry.reading() as session:
        assert session.execute(select(DistributionLink)).scalars().all() == []


@pytest.mark.usefixtures("distribution")
def test_export_writes_the_messages_as_eml_without_sending(
        fast_issuer: FastIssuer, registry: Registry, settings: Settings, smtp: SmtpServer,
        users: dict[str, str], tmp_path: Path) -> None:
    issuing.issue(fast_issuer, guarantee(1), at=T0)
    folder = tmp_path / "out" / "mail"
    env = {"PDFSIGN_HOME": str(settings.home), "PDFSIGN_MAIL_FROM": settings.mail_from}
    result = CliRunner().invoke(root, ["mail", "export", str(folder)], env=env)
    assert result.exit_code == 0, result.output
    files = sorted(folder.iterdir())
    assert [f.name for f in files] == [f"{e.id:06d}.eml" for e in list_outbox(registry)]
    message = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    assert message["Subject"] == f"【さくら信用保証協会】アップロードのお知らせ(1_{FILE_1}_1)"
    (token,) = LINK.findall(message.get_content())
    assert redeem(registry, token, at=T1)[0].file_id == FILE_1
    assert smtp.received == []
    assert {e.status for e in list_outbox(registry)} == {"pending"}
