"""PKCS#11 URIs (RFC 7512): how a token signer is named on the command line and in settings.

``pkcs11:token=pdfsign;object=staff`` names the key labelled ``staff`` on the token labelled
``pdfsign``.  The path attributes identify the token (``token``, ``serial``, ``manufacturer``,
``model``, ``slot-id``) and the object (``object``, ``id``, ``type``); of the query attributes
only ``module-path`` is taken (it overrides the ``pkcs11_module`` setting).  A PIN never
goes into a URI (``pin-value``, ``pin-source`` are refused: PINs come from ``--pin-file``,
``PDFSIGN_PIN`` or a prompt), and an attribute this module does not know is refused rather
than ignored, since RFC 7512 §2.4 lets no unknown attribute match anything.

:meth:`Pkcs11Uri.__str__` is the canonical form (attributes in one order, percent-encoding
only where RFC 7512 §2.3 requires it), so that the same key has one name in the registry.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote, unquote, unquote_to_bytes

from pdfsign.errors import InputError

__all__ = ["SCHEME", "Pkcs11Uri", "is_pkcs11_uri", "parse_pkcs11_uri"]

SCHEME = "pkcs11:"
#: Path attributes by their URI name → the field; in the canonical order.
_PATH = {"token": "token", "serial": "serial", "manufacturer": "manufacturer",
         "model": "model", "slot-id": "slot_id", "object": "object", "id": "id",
         "type": "type"}
_TOKEN_FIELDS = ("token", "serial", "manufacturer", "model", "slot_id")
_TYPES = ("cert", "data", "private", "public", "secret-key")
#: RFC 7512 §2.3 ``pk11-pchar``: unreserved characters and these may appear unencoded.
_PATH_SAFE = string.ascii_letters + string.digits + "-._~" + ":[]@!$'()*+,="
_REFUSED_QUERY = {"pin-value", "pin-source"}


@dataclass(frozen=True)
class Pkcs11Uri:
    """A parsed PKCS#11 URI: which token, which object on it, and optionally which module."""

    token: str | None = None
    serial: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    slot_id: int | None = None
    object: str | None = None
    id: bytes | None = None
    type: str | None = None
    #: ``module-path``: the PKCS#11 library, instead of the ``pkcs11_module`` setting.
    module_path: str | None = None

    def __str__(self) -> str:
        """The canonical URI (the signer's name in the registry and the audit trail)."""
        parts = []
        for name, attribute in _PATH.items():
            value = getattr(self, attribute)
            if value is None:
                continue
            if isinstance(value, bytes):
                text = "".join(f"%{byte:02X}" for byte in value)
            else:
                text = quote(str(value), safe=_PATH_SAFE)
            parts.append(f"{name}={text}")
        query = f"?module-path={quote(self.module_path, safe='/')}" if self.module_path else ""
        return SCHEME + ";".join(parts) + query

    @property
    def token_uri(self) -> Pkcs11Uri:
        """The URI of the token alone: whose user PIN protects every key on it."""
        return Pkcs11Uri(**{name: getattr(self, name) for name in _TOKEN_FIELDS},
                         module_path=self.module_path)

    @property
    def names_token(self) -> bool:
        """Whether any token attribute is given (else every token of the module matches)."""
        return any(getattr(self, name) is not None for name in _TOKEN_FIELDS)

    @property
    def names_object(self) -> bool:
        """Whether it names an object (a key) on the token, by label or ID."""
        return self.object is not None or self.id is not None

    def matches_token(self, *, label: str, serial: str, manufacturer: str, model: str,
                      slot_id: int) -> bool:
        """Whether a token with these properties is the one this URI names."""
        seen: dict[str, Any] = {"token": label, "serial": serial,
                                "manufacturer": manufacturer, "model": model,
                                "slot_id": slot_id}
        return all(getattr(self, name) in (None, value) for name, value in seen.items())

    def with_object(self, label: str) -> Pkcs11Uri:
        """The same token's object labelled ``label`` (no ID, no type)."""
        return replace(self, object=label, id=None, type=None)


def is_pkcs11_uri(text: str) -> bool:
    """Whether ``text`` is meant as a PKCS#11 URI (rather than a signer name or a file)."""
    return text[:len(SCHEME)].lower() == SCHEME


def parse_pkcs11_uri(text: str, *, field: str = "signer") -> Pkcs11Uri:
    """Parse an RFC 7512 URI.

    :param field: the input it came from, named in errors.
    :raises InputError: not a ``pkcs11:`` URI, an unknown, repeated or malformed attribute,
        or a PIN in the query.
    """
    if not is_pkcs11_uri(text):
        raise InputError(f"not a PKCS#11 URI (pkcs11:…): {text!r}", field=field)
    path, _, query = text[len(SCHEME):].partition("?")
    values: dict[str, Any] = {}
    for name, raw in _attributes(path, ";", field=field):
        if name not in _PATH:
            raise InputError(f"unknown PKCS#11 URI attribute {name!r} (known: "
                             f"{', '.join(_PATH)})", field=field)
        _keep(values, _PATH[name], _path_value(name, raw, field=field), field=field)
    for name, raw in _attributes(query, "&", field=field):
        if name in _REFUSED_QUERY:
            raise InputError("a PKCS#11 URI must not carry the PIN (give it with --pin-file, "
                             "PDFSIGN_PIN or at the prompt)", field=field)
        if name != "module-path":
            raise InputError(f"unsupported PKCS#11 URI query attribute {name!r} (only "
                             "module-path)", field=field)
        _keep(values, "module_path", unquote(raw, errors="strict"), field=field)
    return Pkcs11Uri(**values)


def _attributes(part: str, separator: str, *, field: str) -> list[tuple[str, str]]:
    """``name=value`` pairs of one URI component (empty component: none)."""
    pairs = []
    for item in part.split(separator) if part else []:
        name, equals, raw = item.partition("=")
        if not equals or not name:
            raise InputError(f"malformed PKCS#11 URI attribute {item!r} (expected name=value)",
                             field=field)
        pairs.append((name, raw))
    return pairs


def _keep(values: dict[str, Any], key: str, value: object, *, field: str) -> None:
    """RFC 7512 §2.3: an attribute may appear at most once."""
    if key in values:
        raise InputError(f"repeated PKCS#11 URI attribute {key!r}", field=field)
    values[key] = value


def _path_value(name: str, raw: str, *, field: str) -> object:
    """One path attribute's value: text (UTF-8), bytes (``id``) or a number (``slot-id``)."""
    try:
        if name == "id":
            return unquote_to_bytes(raw)
        text = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise InputError(f"PKCS#11 URI attribute {name!r} is not UTF-8", field=field) from None
    if name == "slot-id":
        if not text.isascii() or not text.isdigit():
            raise InputError(f"slot-id must be a number, not {text!r}", field=field)
        return int(text)
    if name == "type" and text not in _TYPES:
        raise InputError(f"type must be one of {', '.join(_TYPES)}, not {text!r}", field=field)
    return text
