"""The settings file (TOML): read once, checked strictly, frozen.

Seed 002's ``syncdl.ini`` keys, in TOML and named as in DOMAIN.md; ``ca_file`` and ``token``
are ours.  Relative paths are taken from the settings file's folder, so a folder holding
the tool's settings, ``out/`` and ``log/`` can move as a whole (the seed asks for absolute
paths; both work).  Checks follow the seed's ERROR families: an unknown or malformed key,
a missing required key, a missing file or folder, a bad number.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .endpoints import Endpoint, Proxy, parse_proxy, parse_service_url
from .errors import BadNumber, FileAccessError, MissingKey, MissingPath, SettingsFileError

__all__ = ["KEYS", "FetchSettings", "log_folder", "read_settings"]

#: Every key the settings file may hold.
KEYS = ("service_url", "user_id", "password", "token", "output_dir", "log_dir", "client_cert",
        "client_cert_password", "ca_file", "proxy", "connect_timeout", "read_timeout",
        "retry_count", "retry_wait")
#: Number settings: key → (default, smallest, largest, whole numbers only).
_NUMBERS: dict[str, tuple[float, float, float, bool]] = {
    "connect_timeout": (10, 0.001, 600, False),
    "read_timeout": (10, 0.001, 600, False),
    "retry_count": (3, 0, 100, True),
    "retry_wait": (3, 0, 3600, False),
}


@dataclass(frozen=True, kw_only=True)
class FetchSettings:
    """One run's settings, checked."""

    service: Endpoint
    #: The head office's user ID (required with ``password``; a token names its own user).
    user_id: str | None
    password: str | None
    #: A personal API token (``pdfsign token create … --scope read``) instead of a password.
    token: str | None
    output_dir: Path
    log_dir: Path
    client_cert: Path | None
    client_cert_password: str | None
    #: The CA that issued the server's certificate; ``None`` for the system's store.
    ca_file: Path | None
    proxy: Proxy | None
    #: Seconds to wait for the TCP connection and TLS handshake.
    connect_timeout: float
    #: Seconds the server may stay silent while answering.
    read_timeout: float
    retry_count: int
    #: Seconds between two tries.
    retry_wait: float

    @property
    def password_signin(self) -> tuple[str, str] | None:
        """``(user_id, password)`` when the run signs in with a password (not a token)."""
        if self.user_id is None or self.password is None:
            return None
        return self.user_id, self.password

    @classmethod
    def from_mapping(cls, raw: Mapping[str, object], *, base: Path) -> FetchSettings:
        """Check the settings file's table.

        :param base: the folder relative paths are taken from (the settings file's).
        :raises SettingsFileError, MissingKey, BadNumber, MissingPath: in that order of
            checks, the first problem found.
        """
        unknown = sorted(set(raw) - set(KEYS))
        if unknown:
            raise SettingsFileError(f"unknown key: {', '.join(unknown)} (the keys are "
                                    f"{', '.join(KEYS)})")
        text = {key: _text(raw, key) for key in KEYS if key not in _NUMBERS}
        _require(text)
        numbers = {key: _number(raw, key) for key in _NUMBERS}
        if text["client_cert_password"] is not None and text["client_cert"] is None:
            raise SettingsFileError("client_cert_password is set but client_cert is not")
        proxy = text["proxy"]
        return cls(service=parse_service_url(str(text["service_url"])),
                   user_id=text["user_id"], password=text["password"], token=text["token"],
                   output_dir=_folder(base, "output_dir", text["output_dir"]),
                   log_dir=_folder(base, "log_dir", text["log_dir"]),
                   client_cert=_existing(base, "client_cert", text["client_cert"]),
                   client_cert_password=text["client_cert_password"],
                   ca_file=_existing(base, "ca_file", text["ca_file"]),
                   proxy=parse_proxy(proxy) if proxy is not None else None,
                   connect_timeout=numbers["connect_timeout"],
                   read_timeout=numbers["read_timeout"],
                   retry_count=int(numbers["retry_count"]), retry_wait=numbers["retry_wait"])


def read_settings(path: Path) -> dict[str, object]:
    """The settings file's table (UTF-8, a BOM allowed: Notepad writes one).

    :raises SettingsFileError: no such file, or not TOML.
    :raises FileAccessError: it exists but cannot be read.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SettingsFileError(f"not found: {path}") from None
    except OSError as exc:
        raise FileAccessError(f"{path}: {exc.strerror or exc}") from None
    try:
        return tomllib.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise SettingsFileError(f"not valid TOML: {path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsFileError(f"not valid TOML: {path}: {exc}") from None


def log_folder(raw: Mapping[str, object], *, base: Path) -> Path | None:
    """The log folder, if the table names one that exists — before the rest is checked,
    so that a settings error still reaches the log file when it can."""
    value = raw.get("log_dir")
    if not isinstance(value, str) or not value.strip():
        return None
    folder = base / Path(value.strip()).expanduser()
    return folder if folder.is_dir() else None


def _text(raw: Mapping[str, object], key: str) -> str | None:
    """A text setting; ``None`` when absent or empty."""
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise SettingsFileError(f"{key} must be text in double quotes, e.g. {key} = \"…\"")
    return value.strip() or None


def _require(text: Mapping[str, str | None]) -> None:
    """The keys every run needs: where to, as whom, and where to put files and logs."""
    for key in ("service_url", "output_dir", "log_dir"):
        if text[key] is None:
            raise MissingKey(key)
    if text["password"] is None and text["token"] is None:
        raise MissingKey("password (or token)")
    if text["password"] is not None and text["token"] is not None:
        raise SettingsFileError("give password or token, not both")
    if text["password"] is not None and text["user_id"] is None:
        raise MissingKey("user_id")


def _number(raw: Mapping[str, object], key: str) -> float:
    """A number setting, its default when absent; a quoted number is accepted too.

    :raises BadNumber: not a number, a fraction where a whole number is needed, or out of
        range.
    """
    default, low, high, whole = _NUMBERS[key]
    value = raw.get(key, default)
    rule = (f"a whole number from {low:g} to {high:g}" if whole
            else f"a number of seconds from {low:g} to {high:g}")
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None or not math.isfinite(number) or not low <= number <= high \
            or (whole and not number.is_integer()):
        raise BadNumber(f"{key} = {value!r} ({rule})")
    return number


def _existing(base: Path, key: str, value: str | None, *, folder: bool = False) -> Path | None:
    """A path setting that must name an existing file (or folder)."""
    if value is None:
        return None
    path = base / Path(value).expanduser()
    if not (path.is_dir() if folder else path.is_file()):
        raise MissingPath(f"{key} = {path}" + ("" if not path.exists()
                                               else " (not a folder)" if folder
                                               else " (not a file)"))
    return path


def _folder(base: Path, key: str, value: str | None) -> Path:
    """A required folder setting."""
    path = _existing(base, key, value, folder=True)
    if path is None:
        raise MissingKey(key)
    return path
