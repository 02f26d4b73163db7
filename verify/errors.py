"""Errors raised by verification when it cannot even start (bad trust input, unreadable path).

A document that fails verification is *not* an error: it is a result with a verdict.
"""

from __future__ import annotations

__all__ = ["TrustInputError", "UnreadablePathError", "VerifyError"]


class VerifyError(Exception):
    """Base class: verification could not be carried out as asked."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        #: What the error is about: an option, a path, a byte range.
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message

    def __reduce__(self) -> tuple[type[VerifyError], tuple[str], dict[str, str | None]]:
        """Pickle with ``field``: a worker process of a large run raises it to the caller."""
        return type(self), (self.message,), {"field": self.field}


class TrustInputError(VerifyError):
    """A trust anchor, CRL or OCSP file given by the user cannot be read."""


class UnreadablePathError(VerifyError):
    """A path given to verify does not exist or cannot be read (exit code 2 at the CLI)."""
