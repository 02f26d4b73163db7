"""The notifications' refusals, each a subclass of the product error it is (one table of codes).

A distribution link that does not work answers with one message whatever the cause
(unknown, expired, overwritten, invalidated, transferred, deleted): the holder of a token
learns nothing about the file from a refusal, and a guesser nothing about which tokens exist.
"""

from __future__ import annotations

from typing import ClassVar

from pdfsign.errors import ConfigurationError, NotFoundError, PermissionDenied

__all__ = ["LINK_INVALID_MESSAGE", "LinkInvalidError", "LinkRateLimitedError", "SmtpUrlError"]

#: What every refused distribution link says (the web page shows it as it is).
LINK_INVALID_MESSAGE = ("このリンクは無効になりました。サインインしてファイルをご確認ください / "
                        "this link is no longer valid: sign in to see the file")


class LinkInvalidError(NotFoundError):
    """A distribution link is unknown, expired, or its file changed: one opaque answer."""

    reason: ClassVar[str] = "link-invalid"

    def __init__(self) -> None:
        super().__init__(LINK_INVALID_MESSAGE)


class LinkRateLimitedError(PermissionDenied):
    """A valid link was used more often than the limit allows in the current hour."""

    http_status: ClassVar[int] = 429
    reason: ClassVar[str] = "link-rate-limited"

    def __init__(self) -> None:
        super().__init__("このリンクは短時間に何度も使われました。しばらくしてから再度お試しいただくか、"
                         "サインインしてください / this link was used too often: try again "
                         "later, or sign in")


class SmtpUrlError(ConfigurationError):
    """``smtp_url`` is malformed (the message shows it with the password masked)."""

    reason: ClassVar[str] = "smtp-url"
