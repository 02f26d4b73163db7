"""The product's errors and the one table that turns any error into what a user sees.

Each class carries its exit code and HTTP status, so the CLI and the web UI
(both through :func:`describe`) show the same message with consistent codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from tsa.errors import PkiError, PkiWriteError, TsaError
from verify.errors import VerifyError

__all__ = [
    "AccountLockedError",
    "AuthenticationError",
    "BranchUserError",
    "ConfigurationError",
    "ConflictError",
    "InputError",
    "NotFoundError",
    "PdfsignError",
    "PermissionDenied",
    "Problem",
    "SignerCertificateError",
    "SignerLockedError",
    "SigningError",
    "TimestampError",
    "WriteError",
    "WrongPinError",
    "describe",
]


class PdfsignError(Exception):
    """Base class of every error the product reports to a user."""

    exit_code: ClassVar[int] = 10
    http_status: ClassVar[int] = 500
    #: A stable machine-readable token (``--json`` errors, the web UI); subclasses refine it.
    reason: ClassVar[str] = "error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        #: The input field, file or byte range the error is about, if any.
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class InputError(PdfsignError):
    """User-supplied data is malformed or breaks a domain rule."""

    exit_code = 3
    http_status = 400
    reason = "invalid-input"


class NotFoundError(PdfsignError):
    """A file, version or record that was asked for does not exist."""

    exit_code = 4
    http_status = 404
    reason = "not-found"


class ConflictError(PdfsignError):
    """The operation contradicts the current state (e.g. re-issuing an invalidated file)."""

    exit_code = 5
    http_status = 409
    reason = "conflict"


class PermissionDenied(PdfsignError):
    """The acting user or signer may not do this (role, locked PIN, wrong PIN)."""

    exit_code = 6
    http_status = 403
    reason = "permission-denied"


class BranchUserError(PermissionDenied):
    """A branch user asked for what only its head office may do (the bulk download)."""

    reason = "branch-user"


class WrongPinError(PermissionDenied):
    """The signing PIN does not open the signer's key (counted towards its lock)."""


class SignerLockedError(PermissionDenied):
    """The signer's PIN is locked (wrong PINs, an administrator, or the token): no signing."""

    http_status = 423
    reason = "signer-locked"


class ConfigurationError(PdfsignError):
    """Settings or the PKI folder are missing or invalid."""

    exit_code = 7
    http_status = 500
    reason = "configuration"


class SigningError(PdfsignError):
    """The PDF could not be signed (unreadable input, key problem)."""

    exit_code = 8
    http_status = 422
    reason = "signing-failed"


class SignerCertificateError(SigningError):
    """The signer's certificate may not sign now: expired, not yet valid, or its subject no
    longer the signer's registered name (renamed signer or organisation)."""

    reason = "signer-certificate"


class TimestampError(PdfsignError):
    """The time-stamp authority refused the request or could not be reached."""

    exit_code = 9
    http_status = 502
    reason = "tsa-failed"


class WriteError(PdfsignError):
    """A file could not be written (permissions, disk full); nothing half-written is left."""

    exit_code = 11
    http_status = 500
    reason = "write-failed"


class AuthenticationError(PdfsignError):
    """Sign-in failed; the message never says whether the user ID exists."""

    exit_code = 12
    http_status = 401
    reason = "authentication-failed"


class AccountLockedError(AuthenticationError):
    """Too many failed sign-ins (or an administrator's lock): no sign-in until it lifts."""

    exit_code = 13
    http_status = 423
    reason = "account-locked"


@dataclass(frozen=True)
class Problem:
    """What a front end shows for an error: one message, one exit code, one HTTP status."""

    message: str
    exit_code: int
    http_status: int
    #: The error class's stable token (e.g. ``agreement-window``), for scripts.
    reason: str = "error"
    #: The field, file or byte range the error is about, if it names one.
    field: str | None = None

    def to_json(self) -> dict[str, object]:
        """What ``--json`` prints (and the web UI returns) for this error."""
        return {"error": {"reason": self.reason, "field": self.field, "message": self.message,
                          "exit_code": self.exit_code}}


def describe(exc: BaseException) -> Problem | None:
    """Translate a known error from any layer into a :class:`Problem`.

    :return: ``None`` for an unexpected error, which the boundary logs with its traceback.
    """
    if isinstance(exc, PdfsignError):
        kind: type[PdfsignError] = type(exc)
    elif isinstance(exc, PkiWriteError):
        kind = WriteError
    elif isinstance(exc, PkiError):
        kind = ConfigurationError
    elif isinstance(exc, TsaError):
        kind = TimestampError
    elif isinstance(exc, VerifyError):
        kind = InputError
    else:
        return None
    return Problem(str(exc), kind.exit_code, kind.http_status, kind.reason,
                   getattr(exc, "field", None))
