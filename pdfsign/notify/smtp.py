"""SMTP delivery: the ``smtp_url`` setting, one reusable connection, and what a failure means.

``smtp://[user:password@]host[:port]`` speaks plain SMTP and upgrades with STARTTLS when the
server offers it; ``smtps://…`` uses implicit TLS (port 465 by default).  Certificates are
checked against the system's roots.  A password is sent only over TLS (or to a loopback
server) and never appears in a message: :func:`masked_url` shows it as ``***``.

Failures are sorted for the sender: a 5xx answer to one message (its recipient refused, its
data refused) is *permanent* and reported; a 4xx answer is *temporary* for that message; and
anything that breaks the connection (refused, timed out, 421, TLS or sign-in trouble) is a
*connection* failure, retried later for every message alike.
"""

from __future__ import annotations

import ipaddress
import smtplib
import ssl
from dataclasses import dataclass, field
from types import TracebackType
from urllib.parse import unquote, urlsplit

from pdfsign.notify.delivery import DeliveryFailure
from pdfsign.notify.errors import SmtpUrlError

__all__ = ["DeliveryFailure", "SmtpTransport", "SmtpUrl", "masked_url"]

_DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
#: Seconds to wait for the server at each step.
TIMEOUT = 30.0


def masked_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (safe to print or log)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unreadable URL>"
    if parts.password is None:
        return url
    netloc = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{parts.username}:***@{netloc}").geturl()


@dataclass(frozen=True)
class SmtpUrl:
    """A parsed ``smtp_url``."""

    scheme: str
    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, url: str) -> SmtpUrl:
        """:raises SmtpUrlError: empty, not ``smtp://`` or ``smtps://``, or no host or port."""
        shown = masked_url(url)
        if not url:
            raise SmtpUrlError("no SMTP server is configured (PDFSIGN_SMTP_URL)",
                               field="smtp_url")
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise SmtpUrlError(f"not a valid URL: {shown}", field="smtp_url") from None
        if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
            raise SmtpUrlError(f"must be smtp://[user:password@]host:port or smtps://…, not "
                               f"{shown}", field="smtp_url")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise SmtpUrlError(f"has a path or query, which SMTP does not use: {shown}",
                               field="smtp_url")
        return cls(parts.scheme, parts.hostname, port or _DEFAULT_PORTS[parts.scheme],
                   unquote(parts.username) if parts.username else None,
                   unquote(parts.password) if parts.password is not None else None)

    def __str__(self) -> str:
        user = f"{self.username}:***@" if self.username else ""
        return f"{self.scheme}://{user}{self.host}:{self.port}"

    @property
    def loopback(self) -> bool:
        """Whether the server is this machine (a password may then go unencrypted)."""
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


class SmtpTransport:
    """One SMTP session, opened at the first message and reused for the next ones."""

    def __init__(self, url: SmtpUrl, *, timeout: float = TIMEOUT) -> None:
        self.url = url
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Say QUIT (if the server still listens) and forget the connection."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    def send(self, sender: str, recipient: str, data: bytes) -> None:
        """Deliver one message to one recipient.

        :raises DeliveryFailure: with ``permanent`` or ``connection`` set as the answer means.
        """
        try:
            smtp = self._connection()
            smtp.sendmail(sender, [recipient], data)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            raise self._answer(code, text, f"recipient {recipient} refused") from None
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            what = "sender refused" if isinstance(exc, smtplib.SMTPSenderRefused) else \
                "message refused"
            raise self._answer(exc.smtp_code, exc.smtp_error, what) from None
        except DeliveryFailure:
            self._drop()
            raise
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            raise DeliveryFailure(f"{self.url}: {_text(exc)}", connection=True) from None

    def _answer(self, code: int, text: bytes | str, what: str) -> DeliveryFailure:
        """A server's refusal of one message as a failure (421 and -1 lose the connection)."""
        detail = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        lost = code in (421, -1)
        if lost:
            self._drop()
        return DeliveryFailure(f"{what}: {code} {detail}".strip(), permanent=code >= 500,
                               connection=lost)

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            self._smtp = self._open()
        return self._smtp

    def _open(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.url.scheme == "smtps":
            smtp = smtplib.SMTP_SSL(self.url.host, self.url.port, timeout=self.timeout,
                                    context=context)
        else:
            smtp = smtplib.SMTP(self.url.host, self.url.port, timeout=self.timeout)
        try:
            smtp.ehlo()
            encrypted = self.url.scheme == "smtps"
            if not encrypted and smtp.has_extn("starttls"):
                smtp.starttls(context=context)
                smtp.ehlo()
                encrypted = True
            if self.url.username:
                if not encrypted and not self.url.loopback:
                    raise DeliveryFailure(f"{self.url}: the server offers no STARTTLS; the "
                                          "password is not sent unencrypted", connection=True)
                smtp.login(self.url.username, self.url.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()


def _text(exc: BaseException) -> str:
    """An exception as one line (smtplib's carry bytes)."""
    if isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error
        detail = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
        return f"{exc.smtp_code} {detail}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
