"""The bulk download tool's errors: one class per ERROR family of its log, each with its
exit code.

Seed 002's log table names the families (設定ファイル無し … その他、予期しないエラー); each
gets a class here, one documented exit code, and its own wording, so a scheduler (or the
operator reading the log) tells them apart.  A family may be *retryable* (the network
errors and 5xx): the tool then tries again ``retry_count`` times before it gives up.
"""

from __future__ import annotations

import enum
from typing import ClassVar

__all__ = [
    "BadNumber",
    "CertificateFileError",
    "CertificatePasswordError",
    "ConnectionFailed",
    "ExitCode",
    "FetchError",
    "FileAccessError",
    "MissingKey",
    "MissingPath",
    "ReceiveError",
    "ServerStatusError",
    "SettingsFileError",
]


class ExitCode(enum.IntEnum):
    """The tool's exit codes: 0 when it ends well, one code per ERROR family otherwise."""

    #: ``[INFO] done`` or ``[INFO] no new data``.
    OK = 0
    #: The settings file is missing, not TOML, or has an unknown or malformed key.
    SETTINGS_FILE = 10
    #: A required key is missing or empty.
    MISSING_KEY = 11
    #: A file or folder the settings name does not exist.
    MISSING_PATH = 12
    #: A number setting is not a number or out of range.
    BAD_NUMBER = 13
    #: The client certificate file cannot be read as PEM or PKCS#12.
    CERTIFICATE_FILE = 14
    #: The client certificate's password does not open it.
    CERTIFICATE_PASSWORD = 15
    #: No connection to the server (TCP, TLS or proxy), after the retries.
    CONNECTION = 16
    #: The server refused (authentication, a branch user, …) or failed (5xx after retries).
    SERVER_STATUS = 17
    #: The answer timed out or was malformed (a digest that does not match, bad JSON).
    RECEIVE = 18
    #: A file or folder could not be read or written (output, log, state).
    FILE_ACCESS = 19
    #: Anything else (a bug): the message names the exception, no traceback.
    UNEXPECTED = 70


class FetchError(Exception):
    """An error the tool reports as one ``[ERROR]`` line and an exit code."""

    exit_code: ClassVar[ExitCode] = ExitCode.UNEXPECTED
    #: What the ERROR line starts with (the family's wording).
    label: ClassVar[str] = "unexpected error"

    def __init__(self, detail: str, *, retryable: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail
        #: Whether trying again may help (network errors, timeouts, 5xx).
        self.retryable = retryable

    @property
    def message(self) -> str:
        """The log line's text after ``[ERROR]`` (or ``[WARN]``, when retried)."""
        return f"{self.label}: {self.detail}"


class SettingsFileError(FetchError):
    """The settings file is missing, not TOML, or has an unknown or malformed key."""

    exit_code = ExitCode.SETTINGS_FILE
    label = "settings file"


class MissingKey(FetchError):
    """A required setting is absent or empty (the detail is the key)."""

    exit_code = ExitCode.MISSING_KEY
    label = "missing required key"


class MissingPath(FetchError):
    """A file or folder named in the settings does not exist (the detail is key = path)."""

    exit_code = ExitCode.MISSING_PATH
    label = "file or folder not found"


class BadNumber(FetchError):
    """A number setting is not a number, or out of its range (the detail names the key)."""

    exit_code = ExitCode.BAD_NUMBER
    label = "bad number"


class CertificateFileError(FetchError):
    """The client certificate file is neither a usable PEM nor a PKCS#12 file."""

    exit_code = ExitCode.CERTIFICATE_FILE
    label = "bad certificate file"


class CertificatePasswordError(FetchError):
    """``client_cert_password`` does not open the client certificate's key."""

    exit_code = ExitCode.CERTIFICATE_PASSWORD
    label = "bad certificate password"


class ConnectionFailed(FetchError):
    """No connection to the server or the proxy (TCP or TLS level)."""

    exit_code = ExitCode.CONNECTION
    label = "connection error"


class ServerStatusError(FetchError):
    """The server answered with an error status (its reason and message in the detail)."""

    exit_code = ExitCode.SERVER_STATUS
    label = "bad server status"


class ReceiveError(FetchError):
    """The answer timed out or was not what the API promises."""

    exit_code = ExitCode.RECEIVE
    label = "receive error"


class FileAccessError(FetchError):
    """A local file or folder could not be read or written (the detail starts with its path)."""

    exit_code = ExitCode.FILE_ACCESS
    label = "file read/write error"
