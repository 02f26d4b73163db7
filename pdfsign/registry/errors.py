"""The registry's refusals: each a subclass of the product error it is, with its own reason.

The exit code and HTTP status come from the parent class in :mod:`pdfsign.errors`
(so the CLI/web table stays one table); ``reason`` is a stable machine-readable
token for scripts (``--json``) and the web UI.
"""

from __future__ import annotations

from typing import ClassVar

from pdfsign.errors import ConflictError, InputError, NotFoundError

__all__ = [
    "AgreementWindowError",
    "AlreadyIssuedError",
    "ChangedMeanwhileError",
    "FileStateError",
    "UnknownBankError",
    "UnknownFileError",
    "VersionPurgedError",
]


class UnknownFileError(NotFoundError):
    """No file (or no such version of it) is in the registry."""

    reason: ClassVar[str] = "unknown-file"


class VersionPurgedError(NotFoundError):
    """The version existed but its retention ended and its bytes were deleted."""

    reason: ClassVar[str] = "purged"


class UnknownBankError(InputError):
    """The bank code names no bank with an electronic-issuing agreement."""

    reason: ClassVar[str] = "unknown-bank"


class AlreadyIssuedError(ConflictError):
    """``issue`` was asked for a file ID that already exists (use ``reissue``)."""

    reason: ClassVar[str] = "already-issued"


class FileStateError(ConflictError):
    """The file's lifecycle state forbids the operation (e.g. re-issuing an invalidated file)."""

    reason: ClassVar[str] = "state"


class AgreementWindowError(ConflictError):
    """Electronic issuing is outside the bank's agreement window."""

    reason: ClassVar[str] = "agreement-window"


class ChangedMeanwhileError(ConflictError):
    """The file moved on since the caller read it (another re-issue, an invalidation...).

    Two staff acting on one file at once: the second is told what it is now, not overwritten.
    """

    reason: ClassVar[str] = "changed-meanwhile"
