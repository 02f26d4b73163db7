"""Errors raised by the time-stamp authority and the test PKI services.

Every error carries a user-facing message and, where it applies, the field
(a request part, a file, a setting) it is about.  Front ends map them to exit
codes and HTTP statuses through :func:`pdfsign.errors.describe`.
"""

from __future__ import annotations

__all__ = ["PkiError", "PkiWriteError", "TsaError"]


class TsaError(Exception):
    """Base class: something the TSA or a revocation service refused or could not do."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        #: What the error is about: a request field, a file or a setting.
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class PkiError(TsaError):
    """The PKI folder is missing, incomplete, or a key cannot be opened."""


class PkiWriteError(PkiError):
    """The PKI folder cannot be written (permissions, disk full, a file in the way)."""
