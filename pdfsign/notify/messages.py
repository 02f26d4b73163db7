"""What an upload notification says, and the e-mail that carries it (DOMAIN.md's wording).

The facts of a notification (names, codes, the ``<kind>_<file ID>[_<issue count>]`` token,
the date) are fixed when it is written to the outbox; the e-mail is built from them each
time it is sent or exported, byte for byte the same (its ``Date`` is the moment it was
written, its ``Message-ID`` the row's), so a resend after a crash is the same message.
Encoding is what Japanese mail clients expect: UTF-8, base64 body, RFC 2047 headers, CRLF.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from pdfsign.config import Settings
from pdfsign.notify.tables import OutboxRow
from pdfsign.registry import JST

__all__ = ["KIND_CERTIFICATE", "KIND_CHANGE", "KIND_INVALIDATION", "KIND_TEST_SLIP",
           "PLACEHOLDER_SENDER", "Notice", "body_for", "build_email", "email_for", "link_url",
           "subject_for"]

KIND_CERTIFICATE, KIND_CHANGE, KIND_INVALIDATION, KIND_TEST_SLIP = 1, 2, 3, 4
#: The ``From`` of an exported message when ``mail_from`` is not set.
PLACEHOLDER_SENDER = "noreply@pdfsign.localhost"
#: The seed's closing note of a test slip's e-mail.
_TEST_SLIP_NOTE = ("※このメールは十分注意のうえ発信しておりますが、"
                   "万が一、誤発信された場合は深くお詫び申し上げます。\n"
                   "本メールにお心当たりの無い場合は、"
                   "本メールを削除いただきますよう重ねてお願い申し上げます。")


@dataclass(frozen=True)
class Notice:
    """The facts one notification states to one recipient."""

    #: DOMAIN.md's file kind: 1 guarantee, 2 condition change, 3 invalidation, 4 test slip.
    kind: int
    file_id: str
    issue_count: int
    user_name: str
    association: str
    bank_name: str
    branch_name: str
    bank_code: str
    branch_code: str
    #: ``保証日`` or ``条件変更決定日`` and that date (certificates only).
    date_label: str | None = None
    date: dt.date | None = None
    #: ``storage`` (no link) or ``distribution`` (a direct link, working until ``link_expires``).
    mode: str = "storage"
    link_expires: dt.datetime | None = None

    @property
    def token(self) -> str:
        """``<kind>_<file ID>_<issue count>``; kinds 3 and 4 have no issue count."""
        if self.kind in (KIND_CERTIFICATE, KIND_CHANGE):
            return f"{self.kind}_{self.file_id}_{self.issue_count}"
        return f"{self.kind}_{self.file_id}"

    def to_json(self) -> dict[str, Any]:
        """The outbox's ``facts`` column."""
        out = asdict(self)
        out["date"] = self.date.isoformat() if self.date else None
        out["link_expires"] = self.link_expires.isoformat() if self.link_expires else None
        return out

    @classmethod
    def from_json(cls, facts: dict[str, Any]) -> Notice:
        """Read the ``facts`` column back."""
        values = dict(facts)
        values["date"] = dt.date.fromisoformat(values["date"]) if values.get("date") else None
        expires = values.get("link_expires")
        values["link_expires"] = dt.datetime.fromisoformat(expires) if expires else None
        return cls(**{k: v for k, v in values.items() if k in cls.__dataclass_fields__})


def subject_for(notice: Notice) -> str:
    """``【<association>】アップロードのお知らせ(<token>)``."""
    return f"【{notice.association}】アップロードのお知らせ({notice.token})"


def _japanese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month:02d}月{day.day:02d}日"


def body_for(notice: Notice, *, link: str | None) -> str:
    """The plain-text body: addressee, greeting, the branch, the token, the date, the sender.

    :param link: the distribution link's URL (distribution mode, while the row still holds
        its token); ``None`` in storage mode, or once a sent row's token was erased.
    """
    branch = " ".join(p for p in (notice.bank_name, notice.branch_name) if p)
    lines = [f"{notice.user_name} 御中", "", "いつも大変お世話になっております。",
             "以下の情報を配信サーバにアップロードしました。", "",
             f"取扱店舗：{branch}（{notice.bank_code} - {notice.branch_code}）", notice.token]
    if notice.date_label and notice.date:
        lines.append(f"{notice.date_label}：{_japanese_date(notice.date)}")
    lines.append("")
    if notice.mode == "distribution":
        if link is not None and notice.link_expires is not None:
            until = notice.link_expires.astimezone(JST)
            lines += ["下記のURLから、サインインせずにこのファイルをダウンロードできます"
                      f"（{_japanese_date(until.date())} {until:%H:%M}まで有効）。", link]
        else:
            lines.append("（配信済みのため、このメールのリンクは保存されていません。サインインして"
                         "ご確認ください。）")
    else:
        lines.append("配信サーバにサインインし、検索してご確認ください。")
    lines.append("")
    if notice.kind == KIND_TEST_SLIP:
        lines += [_TEST_SLIP_NOTE, ""]
    lines.append(notice.association)
    return "\n".join(lines) + "\n"


def link_url(web_url: str, token: str) -> str:
    """The URL a distribution link's token is used at (the web UI's ``/d/<token>``)."""
    return f"{web_url.rstrip('/')}/d/{token}"


def build_email(notice: Notice, *, subject: str, message_id: str, written_at: dt.datetime,
                sender: str, recipient: str, reply_to: str = "",
                link: str | None = None) -> EmailMessage:
    """The e-mail, ready for SMTP (``policy.SMTP``: CRLF line ends, RFC 2047 headers).

    :param sender: ``mail_from``: an address, or ``Name <address>``; without a name, the
        association's name is shown.
    :param written_at: when the notification was written (the ``Date`` header, in JST).
    """
    message = EmailMessage(policy=policy.SMTP)
    name, address = parseaddr(sender)
    message["From"] = Address(display_name=name or notice.association, addr_spec=address)
    message["To"] = recipient
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = subject
    message["Date"] = format_datetime(written_at.astimezone(JST))
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    message.set_content(body_for(notice, link=link), charset="utf-8", cte="base64")
    return message


def email_for(row: OutboxRow, settings: Settings) -> EmailMessage:
    """The e-mail of an outbox row, with the sender and link base of ``settings``.

    Without ``mail_from`` (an export before mail is set up) the sender is a placeholder.
    """
    link = link_url(settings.web_url, row.link_token) if row.link_token else None
    return build_email(Notice.from_json(dict(row.facts)), subject=row.subject,
                       message_id=row.message_id, written_at=row.created_at,
                       sender=settings.mail_from or PLACEHOLDER_SENDER, recipient=row.recipient,
                       reply_to=settings.mail_reply_to, link=link)
