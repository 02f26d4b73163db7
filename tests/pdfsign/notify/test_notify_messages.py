"""The e-mail of each kind, as a real SMTP server receives it and Python's ``email`` reads it.

Subject, body, envelope and headers are checked for a new certificate, a re-issue, a
condition change, an invalidation notice and a test slip (DOMAIN.md, "Upload notification
e-mail"; the seed's wording).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from email.utils import parsedate_to_datetime

import pytest
from notify_samples import (
    BRANCH_002,
    HEAD,
    T0,
    FastIssuer,
    Received,
    SmtpServer,
    guarantee,
    sample,
)

from pdfsign import issuing
from pdfsign.config import Settings
from pdfsign.notify import deliver_all
from pdfsign.registry import Registry, VersionInfo

FILE_1 = "14_2345002_000000001_2026000001_000"
CHANGE_1 = "14_2345002_000000001_2026000001_001"
LATER = T0 + dt.timedelta(minutes=1)


def deliver(registry: Registry, settings: Settings, at: dt.datetime = LATER) -> None:
    report = deliver_all(registry, settings, clock=lambda: at)
    assert report.connection_error is None


def _guarantee(issuer: FastIssuer) -> VersionInfo:
    return issuing.issue(issuer, guarantee(1), at=T0)


def _reissue(issuer: FastIssuer) -> VersionInfo:
    issuing.issue(issuer, guarantee(1), at=T0 - dt.timedelta(hours=1))
    return issuing.reissue(issuer, {**guarantee(1), "debtor_name": "株式会社山田製作所（訂正）"},
                           at=T0)


def _change(issuer: FastIssuer) -> VersionInfo:
    return issuing.issue(issuer, guarantee(1, kind="guarantee-change"), at=T0)


def _invalidation(issuer: FastIssuer) -> VersionInfo:
    issuing.issue(issuer, guarantee(1), at=T0 - dt.timedelta(hours=1))
    return issuing.invalidate(issuer, FILE_1, reason="cancelled", at=T0)


def _test_slip(issuer: FastIssuer) -> VersionInfo:
    return issuing.issue(issuer, sample("test-slip"), at=T0)


#: kind → (makes the version, the subject's token, the date line or None)
KINDS: dict[str, tuple[Callable[[FastIssuer], VersionInfo], str, str | None]] = {
    "guarantee": (_guarantee, f"1_{FILE_1}_1", "保証日：2026年11月20日"),
    "reissue": (_reissue, f"1_{FILE_1}_2", "保証日：2026年11月20日"),
    "change": (_change, f"2_{CHANGE_1}_1", "条件変更決定日：2027年04月15日"),
    "invalidation": (_invalidation, f"3_{FILE_1}", None),
    "test-slip": (_test_slip, "4_TS_14_2345002", None),
}


def _of_version(smtp: SmtpServer, token: str) -> dict[str, Received]:
    """The received messages announcing ``token``, by recipient."""
    found: dict[str, Received] = {}
    for received in smtp.received:
        if received.message["Subject"].endswith(f"({token})"):
            (recipient,) = received.recipients
            assert recipient not in found, "one message per recipient"
            found[recipient] = received
    return found


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_as_received(kind: str, fast_issuer: FastIssuer, registry: Registry,
                               settings: Settings, smtp: SmtpServer,
                               users: dict[str, str]) -> None:
    make, token, date_line = KINDS[kind]
    make(fast_issuer)
    deliver(registry, settings)
    received = _of_version(smtp, token)
    assert sorted(received) == sorted([users[HEAD], users[BRANCH_002]])
    for user_id, name in ((HEAD, "みらい銀行 本部 融資部"), (BRANCH_002, "みらい銀行 本町支店")):
        mail = received[users[user_id]]
        message = mail.message
        assert message["Subject"] == f"【さくら信用保証協会】アップロードのお知らせ({token})"
        assert mail.sender == "denshi@sakura-hosho.example"
        assert message["To"] == users[user_id]
        assert message["From"].addresses[0].display_name == "さくら信用保証協会"
        assert message["From"].addresses[0].addr_spec == "denshi@sakura-hosho.example"
        assert message["Reply-To"] == "toiawase@sakura-hosho.example"
        assert message["Auto-Submitted"] == "auto-generated"
        assert parsedate_to_datetime(message["Date"]) == T0
        assert message["Date"].endswith("+0900")  # JST, as a Japanese reader expects
        assert re.fullmatch(r"<[0-9a-f]{32}@sakura-hosho\.example>", message["Message-ID"])
        body = message.get_content()
        lines = body.splitlines()
        assert lines[0] == f"{name} 御中"
        assert "いつも大変お世話になっております。" in lines
        assert "以下の情報を配信サーバにアップロードしました。" in lines
        assert "取扱店舗：みらい銀行 本町支店（2345 - 002）" in lines
        assert token in lines
        assert lines[-1] == "さくら信用保証協会"
        assert "http" not in body  # storage mode: no link
        assert "配信サーバにサインインし、検索してご確認ください。" in lines
        if date_line:
            assert date_line in lines
        else:
            assert not any(line.startswith(("保証日", "条件変更決定日")) for line in lines)
        assert ("誤発信" in body) == (kind == "test-slip")


def test_encoding_is_utf8_base64_with_rfc2047_headers(
        fast_issuer: FastIssuer, registry: Registry, settings: Settings, smtp: SmtpServer,
        users: dict[str, str]) -> None:
    _guarantee(fast_issuer)
    deliver(registry, settings)
    raw = smtp.received[0].raw
    raw.decode("ascii")  # nothing 8-bit travels: headers RFC 2047, body base64
    header_block = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    headers = header_block.replace("\r\n ", " ").split("\r\n")  # unfolded, one a line
    encoded_words = r"(=\?utf-8\?[bq]\?[^?\s]+\?= ?)+"  # RFC 2047, nothing else
    assert any(re.fullmatch(f"Subject: {encoded_words}", h) for h in headers)
    assert any(re.fullmatch(f"From: {encoded_words}<denshi@sakura-hosho\\.example>", h)
               for h in headers)
    assert "MIME-Version: 1.0" in headers
    assert 'Content-Type: text/plain; charset="utf-8"' in headers
    assert "Content-Transfer-Encoding: base64" in headers
    assert max(len(line) for line in raw.split(b"\r\n")) <= 80  # folded (RFC 5322: 78, 998)
    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF line ends only


def test_after_a_transfer_the_new_bank_is_told_with_its_own_name(
        fast_issuer: FastIssuer, registry: Registry, settings: Settings, smtp: SmtpServer,
        users: dict[str, str]) -> None:
    """The invalidation's data (the certificate's) still names the old bank: the file's
    current bank decides who is told and what the branch line says."""
    issuing.issue(fast_issuer, guarantee(1), at=T0 - dt.timedelta(hours=2))
    issuing.transfer(registry, FILE_1, bank_code="3456", branch_code="010", actor="staff-1",
                     at=T0 - dt.timedelta(hours=1))
    issuing.invalidate(fast_issuer, FILE_1, reason="paper-reissue", at=T0)
    deliver(registry, settings)
    received = _of_version(smtp, f"3_{FILE_1}")
    assert list(received) == [users["14345600001"]]
    body = received[users["14345600001"]].message.get_content()
    assert "取扱店舗：あおば銀行（3456 - 010）" in body.splitlines()
