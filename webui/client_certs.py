"""The bank user a TLS client certificate speaks for, as the reverse proxy passes it on.

nginx (``webui/deploy/nginx.conf``) terminates TLS, verifies the client certificate against
the client CA and its CRL, and sends the app three headers of its own, replacing any the
client sent:

- ``X-SSL-Client-Verify``: ``SUCCESS``, ``FAILED:<reason>`` or ``NONE`` (``$ssl_client_verify``);
- ``X-SSL-Client-Cert``: the client's certificate, PEM, URL-escaped (``$ssl_client_escaped_cert``);
- ``X-Pdfsign-Proxy``: the secret nginx shares with the app (the ``proxy_secret_file`` setting).

Anyone who can reach the app directly could send the first two, so they count only from an
address in the ``trusted_proxies`` setting (empty by default: never) *and* with the secret:
on one host every local process connects from 127.0.0.1 as nginx does, and only the secret
tells nginx from them.  The certificate is then checked again here — directly issued by the
``client_ca`` setting's CA, valid at the app's clock, for client authentication — because the
app must not rest on the proxy's configuration alone.  Its subject CN is a bank user ID; that
user must be active, unlocked and of a bank role.
"""

from __future__ import annotations

import datetime as dt
import functools
import hmac
import ipaddress
import logging
import string
from pathlib import Path
from urllib.parse import unquote

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from flask import request

from pdfsign.accounts import UserInfo, get_user
from pdfsign.config import Settings
from pdfsign.errors import AuthenticationError, ConfigurationError, NotFoundError
from pdfsign.registry import Registry
from webui.context import WebContext

__all__ = ["CERT_HEADER", "PROXY_HEADER", "VERIFY_HEADER", "check_setup", "client_user"]

_log = logging.getLogger(__name__)

#: The header that says whether the proxy verified a client certificate.
VERIFY_HEADER = "X-SSL-Client-Verify"
#: The header that carries the verified certificate, PEM, URL-escaped.
CERT_HEADER = "X-SSL-Client-Cert"
#: The header in which nginx sends the secret it shares with the app, on every request.
PROXY_HEADER = "X-Pdfsign-Proxy"
#: A secret has at least 32 characters (``openssl rand -hex 32`` writes 64), all of hex or
#: base64(url): nginx's ``proxy_set_header "…"`` would read ``$``, ``"`` or ``\`` as syntax.
_SECRET_MIN = 32
_SECRET_CHARS = frozenset((string.ascii_letters + string.digits + "+/=_-").encode("ascii"))
_FIELD = "client_cert"
#: The one message for a certificate that names no usable bank user, whatever the cause.
_NO_USER = ("クライアント証明書（CN={cn}）に対応する利用可能な金融機関ユーザーがありません"
            "（未登録・金融機関以外・ロック中・無効） / the client certificate (CN={cn}) "
            "names no usable bank user (unknown, not a bank user, locked or deactivated)")


def client_user(context: WebContext) -> UserInfo | None:
    """The bank user of the current request's verified client certificate, if it has one.

    :return: ``None`` unless the request comes from a trusted proxy, carries its secret and
        says ``SUCCESS`` (no proxy configured, another peer, no or a wrong secret, or a
        request without a certificate): the caller then authenticates it some other way.
    :raises AuthenticationError: a trusted proxy passed a certificate that is unreadable, not
        issued by the client CA, not valid now, not for client authentication, or whose
        CN names no active, unlocked bank user (reason ``authentication-failed``, 401).
    :raises ConfigurationError: the ``proxy_secret_file`` or the ``client_ca`` file cannot be
        read, or the secret is too short or has characters nginx cannot send.
    """
    settings = context.settings
    peer = _peer()
    if not _from_trusted_proxy(peer, settings.trusted_proxies):
        return None
    if not _carries_secret(_proxy_secret(settings.proxy_secret_file)):
        if VERIFY_HEADER in request.headers:  # forged, or nginx and the app disagree
            _log.warning("ignored %s from %s: the request carries no or a wrong %s",
                         VERIFY_HEADER, peer, PROXY_HEADER)
        return None
    if request.headers.get(VERIFY_HEADER, "") != "SUCCESS":
        return None
    cert = _certificate(request.headers.get(CERT_HEADER, ""))
    _check(cert, _client_cas(settings.client_ca), at=context.now())
    return _bank_user(context.registry, _common_name(cert))


def check_setup(settings: Settings) -> None:
    """Read the proxy secret and the client CA now, when the app starts behind a proxy, so
    a bad file stops the start instead of failing the first bank's request.

    :raises ConfigurationError: as :func:`client_user` would.
    """
    if settings.trusted_proxies:
        _proxy_secret(settings.proxy_secret_file)
        _client_cas(settings.client_ca)


def _peer() -> str | None:
    """The TCP peer, as the server saw it: ``REMOTE_ADDR`` before a ProxyFix (if one is ever
    added for X-Forwarded-For) rewrote it to the client's address."""
    original: dict[str, str | None] = request.environ.get("werkzeug.proxy_fix.orig", {})
    return original.get("REMOTE_ADDR", request.remote_addr)


def _from_trusted_proxy(peer: str | None, trusted: tuple[str, ...]) -> bool:
    """Whether the TCP peer is one of the trusted proxies (addresses compared as addresses)."""
    if not trusted or not peer:
        return False
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return address in {ipaddress.ip_address(proxy) for proxy in trusted}


def _carries_secret(secret: bytes) -> bool:
    """Whether the request's :data:`PROXY_HEADER` is the secret, compared in constant time
    (a lone surrogate, which no HTTP header holds, is compared, not raised on)."""
    sent = request.headers.get(PROXY_HEADER, "").encode("utf-8", "surrogatepass")
    return hmac.compare_digest(sent, secret)


@functools.lru_cache(maxsize=4)
def _proxy_secret(path: str) -> bytes:
    """The secret shared with nginx, read once (a new one takes a restart).  No message
    shows any of it: not the content, not a character that is wrong."""
    field = "proxy_secret_file"
    try:
        secret = Path(path).read_bytes().strip()
    except OSError as exc:
        raise ConfigurationError(f"cannot read the proxy secret {path!r}: {exc.strerror}",
                                 field=field) from None
    if len(secret) < _SECRET_MIN or not set(secret) <= _SECRET_CHARS:
        raise ConfigurationError(f"the proxy secret in {path!r} must be one line of at least "
                                 f"{_SECRET_MIN} letters, digits or +/=_- (e.g. `openssl rand "
                                 f"-hex 32`)", field=field)
    return secret


def _certificate(escaped: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(unquote(escaped).encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise AuthenticationError(f"プロキシから渡されたクライアント証明書を読めません / the "
                                  f"proxy passed no readable client certificate in {CERT_HEADER}",
                                  field=_FIELD) from None


@functools.lru_cache(maxsize=4)
def _client_cas(path: str) -> tuple[x509.Certificate, ...]:
    """The client CA file's certificates (several during a CA rollover), read once."""
    try:
        with open(path, "rb") as fh:
            cas = tuple(x509.load_pem_x509_certificates(fh.read()))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read the client CA certificate(s): {exc}",
                                 field="client_ca") from None
    return cas


def _check(cert: x509.Certificate, cas: tuple[x509.Certificate, ...], *,
           at: dt.datetime) -> None:
    """RFC 5280 §6.1.3 for a one-step path: the issuer's name and signature, the validity
    period at ``at`` (inclusive), and, if the certificate limits its use, clientAuth (§4.2.1.12),
    as OpenSSL's ``ssl_client`` purpose check in nginx does."""
    if not any(_issued_by(cert, ca) for ca in cas):
        raise AuthenticationError("クライアント証明書が設定されたクライアントCAの発行ではありま"
                                  "せん / the client certificate is not issued by the "
                                  "configured client CA", field=_FIELD)
    if not cert.not_valid_before_utc <= at <= cert.not_valid_after_utc:
        raise AuthenticationError(f"クライアント証明書の有効期間外です / the client certificate is "
                                  f"not valid at {at:%Y-%m-%d %H:%M:%S} UTC (valid "
                                  f"{cert.not_valid_before_utc:%Y-%m-%d} to "
                                  f"{cert.not_valid_after_utc:%Y-%m-%d})", field=_FIELD)
    try:
        usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return
    if ExtendedKeyUsageOID.CLIENT_AUTH not in usages:
        raise AuthenticationError("クライアント認証用の証明書ではありません / the certificate is "
                                  "not for client authentication (no EKU clientAuth)",
                                  field=_FIELD)


def _issued_by(cert: x509.Certificate, ca: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _common_name(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    value = names[0].value if len(names) == 1 else ""
    return value if isinstance(value, str) else ""


def _bank_user(registry: Registry, user_id: str) -> UserInfo:
    """The active, unlocked bank user ``user_id``; one message for every refusal."""
    try:
        user = get_user(registry, user_id) if user_id.strip() else None
    except NotFoundError:
        user = None
    if user is None or user.user_id != user_id or user.role.is_staff or not user.active \
            or user.locked:
        raise AuthenticationError(_NO_USER.format(cn=user_id or "?"), field=_FIELD)
    return user
