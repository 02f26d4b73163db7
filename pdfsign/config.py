"""Typed settings, loaded once at the edge (CLI or server) and passed down.

All state lives under one home directory (``--home`` or ``PDFSIGN_HOME``): the
SQLite database, the content-addressed PDF store and the TSA's serial state.
The database may live elsewhere (``PDFSIGN_DATABASE_URL``, e.g. PostgreSQL).
An optional ``config.toml`` in the home directory sets the same keys; unknown
keys are rejected so that a typo never silently falls back to a default.
"""

from __future__ import annotations

import getpass
import ipaddress
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pdfsign.errors import ConfigurationError

__all__ = ["DEFAULT_PKCS11_MODULE", "DEFAULT_PKI_DIR", "Settings", "TsaMode", "check_blobs_url",
           "default_home"]

TsaMode = Literal["embedded", "http"]

#: Debian's SoftHSM2, the PKCS#11 module token signers use unless ``pkcs11_module`` says.
DEFAULT_PKCS11_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
#: The committed test PKI (TEST KEYS ONLY), used when no other PKI folder is configured.
DEFAULT_PKI_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "pki"

_ENV_KEYS = {
    "PDFSIGN_DATABASE_URL": "database_url",
    "PDFSIGN_BLOBS": "blobs",
    "PDFSIGN_S3_ENDPOINT_URL": "s3_endpoint_url",
    "PDFSIGN_S3_REGION": "s3_region",
    "PDFSIGN_S3_ACCESS_KEY_ID": "s3_access_key_id",
    "PDFSIGN_S3_SECRET_ACCESS_KEY": "s3_secret_access_key",
    "PDFSIGN_TSA_MODE": "tsa_mode",
    "PDFSIGN_TSA_URL": "tsa_url",
    "PDFSIGN_PKI_DIR": "pki_dir",
    "PDFSIGN_SIGNER": "signer",
    "PDFSIGN_PIN": "pin",
    "PDFSIGN_PKCS11_MODULE": "pkcs11_module",
    "PDFSIGN_ACTOR": "actor",
    "PDFSIGN_WEAK_ALGORITHMS": "weak_algorithms",
    "PDFSIGN_REVOCATION_GRACE": "revocation_grace",
    "PDFSIGN_TRUST": "trust",
    "PDFSIGN_SMTP_URL": "smtp_url",
    "PDFSIGN_MAIL_FROM": "mail_from",
    "PDFSIGN_MAIL_REPLY_TO": "mail_reply_to",
    "PDFSIGN_LINK_DAYS": "link_days",
    "PDFSIGN_WEB_URL": "web_url",
    "PDFSIGN_TRUSTED_PROXIES": "trusted_proxies",
    "PDFSIGN_CLIENT_CA": "client_ca",
    "PDFSIGN_PROXY_SECRET_FILE": "proxy_secret_file",
}


def default_home(env: Mapping[str, str]) -> Path:
    """The data directory when neither ``--home`` nor ``PDFSIGN_HOME`` is given (XDG data dir)."""
    base = env.get("XDG_DATA_HOME") or str(Path(env.get("HOME", "~")).expanduser() / ".local/share")
    return Path(base) / "pdfsign"


@dataclass(frozen=True)
class Settings:
    """Everything the registry, the signer and the TSA need to know about this installation."""

    #: The data directory: database (SQLite default), PDF store, TSA state.
    home: Path
    #: SQLAlchemy URL; empty means the SQLite file ``<home>/registry.sqlite3``.
    database_url: str = ""
    #: Where PDF bytes go: ``file:///PATH`` (a folder; empty means ``<home>/objects``),
    #: ``postgresql`` (the registry database, in the version's transaction) or
    #: ``s3://BUCKET/PREFIX`` (an S3-compatible object store, reached as the ``s3_*`` say).
    blobs: str = ""
    #: The object store's endpoint (empty: AWS's own for ``s3_region``), region and access
    #: key; empty keys fall back to boto3's usual sources (``AWS_*`` variables, instance roles).
    #: The secret key is never printed or logged.
    s3_endpoint_url: str = ""
    s3_region: str = ""
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""
    #: ``embedded`` runs the bundled TSA in-process; ``http`` calls ``tsa_url``.
    tsa_mode: TsaMode = "embedded"
    #: The RFC 3161 endpoint when ``tsa_mode`` is ``http``.
    tsa_url: str = ""
    #: The PKI folder (keys, certificates, ``pki.json``).
    pki_dir: Path = DEFAULT_PKI_DIR
    #: The signer: a name in the PKI folder (``signers/<name>.p12``), a PKCS#12 file, or a
    #: key on a PKCS#11 token named by its RFC 7512 URI (``pkcs11:token=pdfsign;object=staff``).
    signer: str = "staff"
    #: The PKCS#11 module (shared library) token signers are reached through.
    pkcs11_module: str = DEFAULT_PKCS11_MODULE
    #: Consecutive wrong signing PINs that lock a signer (until an administrator unlocks it).
    signer_lock_failures: int = 5
    #: The signing PIN (prefer the environment over the config file).
    pin: str = ""
    #: Who is acting, written into the audit log.
    actor: str = ""
    #: Algorithms an archive time-stamp must not rest on, comma-separated (``pdfsign renew``
    #: plans files whose newest one uses any): digests by name, keys as ``rsa<bits>``/``ec<bits>``.
    weak_algorithms: str = "md5,sha1,rsa1024"
    #: Seconds after an ES-A's signature time-stamp before its revocation data may be issued
    #: (ETSI EN 319 102-1's grace period, for revocations still on their way); default 0.
    revocation_grace: str = "0"
    #: Trusted roots (PEM/DER files) for ``pdfsign verify`` without ``--trust`` and the web UI.
    trust: tuple[str, ...] = ()
    #: Consecutive sign-in failures that lock an account, and for how many minutes.
    lockout_failures: int = 5
    lockout_minutes: int = 30
    #: Days a password stays valid.
    password_max_age_days: int = 120
    #: Roles that must sign in with a second factor (``admin``, ``issuer``, ``auditor``).
    require_second_factor: tuple[str, ...] = ()
    #: Web sessions end after this many idle minutes, and after this many hours in any case.
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    #: The largest PDF the web UI accepts, in megabytes.
    upload_max_mb: int = 20
    #: Where upload notifications are delivered: ``smtp://[user:password@]host:port`` (plain,
    #: or STARTTLS when the server offers it) or ``smtps://…`` (implicit TLS); empty: not sent.
    #: The password is never printed or logged (see :func:`pdfsign.notify.masked_url`).
    smtp_url: str = ""
    #: The notifications' sender (``From``) and, optionally, where replies go (``Reply-To``).
    mail_from: str = ""
    mail_reply_to: str = ""
    #: Days a distribution link (a bank in distribution mode) works after it is mailed.
    link_days: int = 7
    #: The web UI's base URL, as a bank user's browser reaches it (distribution links).
    web_url: str = "http://127.0.0.1:8080"
    #: The reverse proxies (IP addresses) whose X-SSL-Client-Verify and X-SSL-Client-Cert
    #: headers the app believes (:mod:`webui.client_certs`), if they also carry the secret of
    #: ``proxy_secret_file``; empty: always ignored.
    trusted_proxies: tuple[str, ...] = ()
    #: The CA certificate(s), PEM, that issue the banks' TLS client certificates; required
    #: with ``trusted_proxies`` (the app checks each certificate against it again).
    client_ca: str = ""
    #: A file holding the secret nginx sends in X-Pdfsign-Proxy on every request (at least 32
    #: characters, e.g. ``openssl rand -hex 32``); required with ``trusted_proxies``, since any
    #: local process connects from 127.0.0.1 as nginx does.  Read once, by the web app.
    proxy_secret_file: str = ""

    def __post_init__(self) -> None:
        self.grace  # noqa: B018 - an unreadable grace period fails at load, naming the key
        if self.tsa_mode not in ("embedded", "http"):
            raise ConfigurationError(f"must be 'embedded' or 'http', not {self.tsa_mode!r}",
                                     field="tsa_mode")
        if self.tsa_mode == "http" and not self.tsa_url:
            raise ConfigurationError("tsa_mode 'http' needs tsa_url", field="tsa_url")
        if self.signer_lock_failures < 1:
            raise ConfigurationError("must be at least 1", field="signer_lock_failures")
        if not 1 <= self.link_days <= 365:
            raise ConfigurationError(f"must be a number of days from 1 to 365, not "
                                     f"{self.link_days}", field="link_days")
        if not self.web_url.startswith(("http://", "https://")):
            raise ConfigurationError(f"must be an http:// or https:// URL, not "
                                     f"{self.web_url!r}", field="web_url")
        self._check_proxies()
        check_blobs_url(self.blobs_url)

    def _check_proxies(self) -> None:
        """Trusted proxies are IP addresses, and come with the CA their certificates need and
        the secret that tells them from any other process on their address."""
        for address in self.trusted_proxies:
            try:
                ipaddress.ip_address(address)
            except ValueError:
                raise ConfigurationError(f"must be IP addresses, not {address!r}",
                                         field="trusted_proxies") from None
        if self.trusted_proxies and not self.client_ca:
            raise ConfigurationError("trusted_proxies needs client_ca (the CA of the client "
                                     "certificates the proxy passes on)", field="client_ca")
        if self.trusted_proxies and not self.proxy_secret_file:
            raise ConfigurationError("trusted_proxies needs proxy_secret_file (the secret the "
                                     "proxy sends in X-Pdfsign-Proxy: any local process may "
                                     "connect from the proxy's address)",
                                     field="proxy_secret_file")

    @property
    def grace(self) -> timedelta:
        """:attr:`revocation_grace` as a duration.

        :raises ConfigurationError: not a number of seconds from 0 to 86400.
        """
        try:
            seconds = float(self.revocation_grace)
        except ValueError:
            seconds = -1.0
        if not 0 <= seconds <= 86400:
            raise ConfigurationError(f"must be a number of seconds from 0 to 86400, not "
                                     f"{self.revocation_grace!r}", field="revocation_grace")
        return timedelta(seconds=seconds)

    @property
    def url(self) -> str:
        """The effective database URL."""
        return self.database_url or f"sqlite:///{self.home / 'registry.sqlite3'}"

    @property
    def store_dir(self) -> Path:
        """The embedded default's PDF folder, addressed by SHA-256."""
        return self.home / "objects"

    @property
    def blobs_url(self) -> str:
        """The effective PDF store (:attr:`blobs`, or the folder :attr:`store_dir`)."""
        return self.blobs or self.store_dir.resolve().as_uri()

    @property
    def tsa_state_dir(self) -> Path:
        """Where the embedded TSA keeps its serial-number state."""
        return self.home / "tsa"

    @classmethod
    def load(cls, *, home: Path | None = None, env: Mapping[str, str] | None = None,
             **overrides: object) -> Settings:
        """Build settings from ``<home>/config.toml``, then the environment, then ``overrides``.

        :param home: the data directory; default ``PDFSIGN_HOME`` or the XDG data dir.
        :param env: the environment (default :data:`os.environ`), a parameter for tests.
        :raises ConfigurationError: unknown or malformed keys in the file or values.
        """
        env = os.environ if env is None else env
        home = Path(home or env.get("PDFSIGN_HOME") or default_home(env)).expanduser()
        values: dict[str, object] = _read_toml(home / "config.toml")
        values.update({key: env[name] for name, key in _ENV_KEYS.items() if env.get(name)})
        values.update({k: v for k, v in overrides.items() if v is not None})
        values.setdefault("actor", env.get("USER") or env.get("LOGNAME") or (
            getpass.getuser() if env is os.environ else "unknown"))
        settings = cls(home=home)
        known = {f.name for f in fields(cls)} - {"home"}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigurationError(f"unknown setting(s): {', '.join(unknown)}", field="config")
        if "pki_dir" in values:
            values["pki_dir"] = Path(str(values["pki_dir"])).expanduser()
        typed: dict[str, Any] = {k: _typed(k, v) for k, v in values.items()}
        return replace(settings, **typed)


def check_blobs_url(url: str, *, field: str = "blobs") -> None:
    """Refuse a ``blobs`` value that names no store, at load rather than at first write.

    :param field: what the error names (``--to`` for ``migrate-store``).
    :raises ConfigurationError: not ``file:///PATH``, ``postgresql`` or ``s3://BUCKET[/PREFIX]``.
    """
    parts = urlsplit(url)
    if (url == "postgresql"
            or (parts.scheme == "file" and parts.netloc in ("", "localhost")
                and parts.path.startswith("/"))
            or (parts.scheme == "s3" and parts.netloc and not parts.query
                and not parts.fragment)):
        return
    raise ConfigurationError(f"must be file:///PATH, postgresql or s3://BUCKET/PREFIX, not "
                             f"{url!r}", field=field)


def _read_toml(path: Path) -> dict[str, object]:
    """The key/value table of an optional TOML file.

    Every setting is text (a URL, a path, a name), so a number or a table is refused here,
    naming the key, rather than failing later somewhere far from the file.
    """
    if not path.exists():
        return {}
    try:
        with path.open("rb") as fh:
            table = dict(tomllib.load(fh))
    except UnicodeDecodeError as exc:
        raise ConfigurationError(f"cannot read: not UTF-8 text ({exc.reason} at byte "
                                 f"{exc.start})", field=str(path)) from None
    except (OSError, ValueError) as exc:  # ValueError: TOMLDecodeError, a 4,300-digit integer
        raise ConfigurationError(f"cannot read: {exc}", field=str(path)) from exc
    except RecursionError:
        raise ConfigurationError("cannot read: arrays or tables nested too deeply",
                                 field=str(path)) from None
    for key, value in table.items():
        expected = _KINDS.get(key, str)
        if expected is tuple:
            ok = isinstance(value, list) and all(isinstance(item, str) for item in value)
        else:
            ok = isinstance(value, expected) and not isinstance(value, bool)
        if not ok:
            raise ConfigurationError(f"must be {_KIND_NAMES[expected]}, not "
                                     f"{type(value).__name__} ({value!r})",
                                     field=f"{path}: {key}")
    return table


#: The settings that are not text, by the TOML type they take (all others are strings).
_KINDS: dict[str, type] = {f.name: {"int": int, "tuple[str, ...]": tuple}.get(str(f.type), str)
                           for f in fields(Settings)}
_KIND_NAMES = {str: "a string", int: "an integer", tuple: "an array of strings"}


def _typed(key: str, value: object) -> object:
    """A value from the file, the environment or an override, as the field's type.

    The environment has only text: a list is comma-separated there, a number is digits.

    :raises ConfigurationError: a number that is not a whole number from 0 up.
    """
    kind = _KINDS.get(key, str)
    if kind is tuple:
        items = value.split(",") if isinstance(value, str) else list(value)  # type: ignore[call-overload]
        return tuple(str(item).strip() for item in items if str(item).strip())
    if kind is int and not isinstance(value, int):
        text = str(value).strip()
        if not text.isascii() or not text.isdigit():
            raise ConfigurationError(f"must be a whole number, not {value!r}", field=key)
        return int(text)
    if kind is int and isinstance(value, int) and value < 0:
        raise ConfigurationError(f"must not be negative, not {value}", field=key)
    return value
