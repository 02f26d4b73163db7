"""Keys on PKCS#11 tokens: a new token, a key generated on it or moved onto it, the list,
the certificate put beside a key, and the user PIN changed.

Private keys are made ``CKA_SENSITIVE`` and not ``CKA_EXTRACTABLE``: the token signs with
them and never lets them out, not even wrapped.  A generated key also has
``CKA_NEVER_EXTRACTABLE``; an imported one (``keys import``, to migrate a PKCS#12 signer) was
outside once, which the token records.  A key and its certificate share a random ``CKA_ID``
and the label; the issuing CAs are certificate objects with an empty ``CKA_ID``.  Every step
that needs the user PIN logs in through the signer lock (:func:`pdfsign.signing.try_pin`).

python-pkcs11 has no ``C_InitToken``, so :func:`init_token` calls the module's own symbol
(through ``ctypes``, in the process python-pkcs11 has initialised it in).
"""

from __future__ import annotations

import ctypes
import datetime as dt
import os
from dataclasses import dataclass
from typing import Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pkcs11 import Attribute, KeyType, ObjectClass, TokenFlag
from pkcs11.exceptions import PKCS11Error
from pkcs11.util.ec import (
    decode_ec_private_key,
    encode_ec_public_key,
    encode_named_curve_parameters,
)
from pkcs11.util.rsa import decode_rsa_private_key
from pkcs11.util.x509 import decode_x509_certificate, decode_x509_public_key

from pdfsign.errors import ConflictError, InputError
from pdfsign.keys.pin_rule import check_signing_pin
from pdfsign.signing import ParsedKeySigner, Pkcs11Uri, SignerGuard, SignerRef
from pdfsign.signing.signers import try_pin
from pdfsign.signing.token_sessions import (
    LOGINS,
    Login,
    find_token,
    library,
    public_session,
    token_error,
    token_login,
)
from pdfsign.signing.token_signer import token_certificates

__all__ = ["KeyInfo", "TokenInfo", "certify_key", "change_token_pin", "generate_key",
           "import_signer", "init_token", "list_tokens", "read_public_key", "store_certificate",
           "user_login"]

KeyKind = Literal["rsa", "ec"]
#: What a private key on a token must be: the token's, sensitive, never let out.
_PRIVATE: dict[Attribute, Any] = {
    Attribute.TOKEN: True, Attribute.PRIVATE: True, Attribute.SENSITIVE: True,
    Attribute.EXTRACTABLE: False, Attribute.SIGN: True, Attribute.DECRYPT: False,
    Attribute.UNWRAP: False, Attribute.DERIVE: False}
_PUBLIC: dict[Attribute, Any] = {
    Attribute.TOKEN: True, Attribute.PRIVATE: False, Attribute.VERIFY: True,
    Attribute.ENCRYPT: False, Attribute.WRAP: False}


@dataclass(frozen=True)
class KeyInfo:
    """A key on a token, as its public objects show it."""

    uri: str
    label: str
    id: str
    kind: str
    certificate_subject: str | None
    certificate_not_after: dt.datetime | None


@dataclass(frozen=True)
class TokenInfo:
    """A token of the module: who it is, its PIN flags, and its keys."""

    label: str
    serial: str
    manufacturer: str
    model: str
    user_pin_locked: bool
    user_pin_count_low: bool
    keys: tuple[KeyInfo, ...]

    @property
    def uri(self) -> str:
        """The token's PKCS#11 URI."""
        return str(Pkcs11Uri(token=self.label, serial=self.serial))

    def to_json(self) -> dict[str, object]:
        """What ``pdfsign keys list --json`` prints."""
        return {"token": self.label, "serial": self.serial, "uri": self.uri,
                "manufacturer": self.manufacturer, "model": self.model,
                "user_pin_locked": self.user_pin_locked,
                "user_pin_count_low": self.user_pin_count_low,
                "keys": [vars(key) for key in self.keys]}


def user_login(uri: Pkcs11Uri, pin: str, *, guard: SignerGuard | None, module: str) -> Login:
    """Log in as the token's user, through the signer lock of the token's PIN."""
    token = uri.token_uri
    return try_pin(SignerRef(str(token), str(token), token), guard,
                   lambda: token_login(token, pin, module))


def init_token(module: str, *, label: str, so_pin: str, user_pin: str) -> TokenInfo:
    """Initialise a free slot's token as ``label``, with its SO PIN and user PIN.

    :raises InputError: a PIN breaks the rule, or the module has no free slot.
    :raises ConflictError: a token called ``label`` exists.
    """
    check_signing_pin(user_pin, field="pin")
    check_signing_pin(so_pin, field="so_pin")
    if not 1 <= len(label.encode("utf-8")) <= 32:
        raise InputError("a token label has 1 to 32 bytes", field="label")
    lib = library(module)
    tokens = [slot.get_token() for slot in lib.get_slots(token_present=True)]
    if any(t.flags & TokenFlag.TOKEN_INITIALIZED and t.label == label for t in tokens):
        raise ConflictError(f"a token labelled {label!r} exists", field="label")
    free = [t for t in tokens if not t.flags & TokenFlag.TOKEN_INITIALIZED]
    if not free:
        raise InputError("the PKCS#11 module has no free slot for a new token", field="label")
    function = ctypes.CDLL(module).C_InitToken
    function.argtypes = [ctypes.c_ulong, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
    secret = so_pin.encode("utf-8")
    result = function(free[0].slot.slot_id, secret, len(secret),
                      label.encode("utf-8").ljust(32, b" "))
    if result != 0:
        raise InputError(f"C_InitToken failed (CKR 0x{result:x})", field="label")
    token = find_token(Pkcs11Uri(token=label), module)
    try:
        with token.open(rw=True, so_pin=so_pin) as session:
            session.init_pin(user_pin)
    except PKCS11Error as exc:
        raise token_error(exc, "setting the user PIN") from None
    return _info(find_token(Pkcs11Uri(token=label), module), module)


def generate_key(login: Login, *, token: Pkcs11Uri, label: str, kind: KeyKind,
                 bits: int = 2048) -> Pkcs11Uri:
    """Generate a non-extractable key pair labelled ``label`` on the logged-in token.

    :return: the key's URI (what ``--signer`` takes).
    :raises ConflictError: the token has an object labelled ``label``.
    """
    key_id = os.urandom(16)
    with login.lock:
        _refuse_taken(login.session, label)
        public: dict[Attribute, Any] = dict(_PUBLIC)
        if kind == "ec":
            public[Attribute.EC_PARAMS] = encode_named_curve_parameters("secp256r1")
        try:
            login.session.generate_keypair(
                KeyType.EC if kind == "ec" else KeyType.RSA, None if kind == "ec" else bits,
                id=key_id, label=label, store=True, public_template=public,
                private_template=dict(_PRIVATE))
        except PKCS11Error as exc:
            raise token_error(exc, "generating the key") from None
    return token.with_object(label)


def import_signer(login: Login, signer: ParsedKeySigner, *, token: Pkcs11Uri,
                  label: str) -> Pkcs11Uri:
    """Move a PKCS#12 signer's key, certificate and chain onto the token (non-extractable).

    :raises ConflictError: the token has an object labelled ``label``.
    """
    key, key_id = signer.key, os.urandom(16)
    der = key.private_bytes(serialization.Encoding.DER,
                            serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())
    private = decode_rsa_private_key(der) if isinstance(key, rsa.RSAPrivateKey) \
        else decode_ec_private_key(der)
    cert_der = signer.certificate.public_bytes(serialization.Encoding.DER)
    named = {Attribute.LABEL: label, Attribute.ID: key_id}
    uri = token.with_object(label)
    with login.lock:
        _refuse_taken(login.session, label)
        created = []
        try:
            created.append(login.session.create_object({**private, **_PRIVATE, **named}))
            created.append(login.session.create_object(
                {**decode_x509_public_key(cert_der), **_PUBLIC, **named}))
            store_certificate(login.session, uri, signer.certificate, signer.chain)
        except BaseException as exc:
            for obj in created:  # no half-imported key is left behind
                obj.destroy()
            if isinstance(exc, PKCS11Error):
                raise token_error(exc, "importing the key") from None
            raise
    return uri


def _refuse_taken(session: Any, label: str) -> None:
    if list(session.get_objects({Attribute.LABEL: label})):
        raise ConflictError(f"the token already has an object labelled {label!r}", field="label")


def _public_key_object(session: Any, uri: Pkcs11Uri) -> Any:
    template: dict[Attribute, Any] = {Attribute.CLASS: ObjectClass.PUBLIC_KEY}
    if uri.object is not None:
        template[Attribute.LABEL] = uri.object
    if uri.id is not None:
        template[Attribute.ID] = uri.id
    found = list(session.get_objects(template))
    if len(found) != 1:
        raise InputError(f"{'no' if not found else 'more than one'} public key matches {uri}",
                         field="signer")
    return found[0]


def read_public_key(uri: Pkcs11Uri, module: str) -> rsa.RSAPublicKey | ec.EllipticCurvePublicKey:
    """The public key of the token key ``uri`` names (no PIN: it is a public object)."""
    with public_session(uri, module) as session:
        obj = _public_key_object(session, uri)
        if obj[Attribute.KEY_TYPE] == KeyType.RSA:
            return rsa.RSAPublicNumbers(int.from_bytes(obj[Attribute.PUBLIC_EXPONENT], "big"),
                                        int.from_bytes(obj[Attribute.MODULUS], "big")
                                        ).public_key()
        public = serialization.load_der_public_key(encode_ec_public_key(obj))
    assert isinstance(public, ec.EllipticCurvePublicKey)
    return public


def store_certificate(session: Any, uri: Pkcs11Uri, cert: x509.Certificate,
                      chain: tuple[x509.Certificate, ...]) -> None:
    """Put ``cert`` beside the key ``uri`` names (replacing its earlier one) and the CAs of
    ``chain`` that are not on the token yet (public objects: no login needed)."""
    key_id = bytes(_public_key_object(session, uri)[Attribute.ID])
    for old in list(session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE,
                                         Attribute.ID: key_id})):
        old.destroy()
    present = {c for _, c in token_certificates(session)}
    _create_certificate(session, cert, label=str(uri.object), key_id=key_id)
    for ca in chain:
        if ca not in present:
            _create_certificate(session, ca, label=ca.subject.rfc4514_string()[:64], key_id=b"")


def certify_key(uri: Pkcs11Uri, cert: x509.Certificate, chain: tuple[x509.Certificate, ...],
                *, module: str) -> None:
    """:func:`store_certificate` through a session of its own (``pdfsign pki certify``)."""
    with public_session(uri, module) as session:
        store_certificate(session, uri, cert, chain)


def _create_certificate(session: Any, cert: x509.Certificate, *, label: str,
                        key_id: bytes) -> None:
    template = decode_x509_certificate(cert.public_bytes(serialization.Encoding.DER))
    template.update({Attribute.TOKEN: True, Attribute.PRIVATE: False, Attribute.LABEL: label,
                     Attribute.ID: key_id})
    try:
        session.create_object(template)
    except PKCS11Error as exc:
        raise token_error(exc, "storing the certificate") from None


def change_token_pin(ref: SignerRef, guard: SignerGuard | None, *, current: str, new: str,
                     module: str) -> None:
    """Change the token's user PIN (``C_SetPIN``); the process's login stands for the new one."""
    assert isinstance(ref.source, Pkcs11Uri)
    login = user_login(ref.source, current, guard=guard, module=module)
    try:
        with login.lock:
            login.session.set_pin(current, new)
        LOGINS.changed_pin(login, new)
    except PKCS11Error as exc:
        raise token_error(exc, "changing the user PIN") from None
    finally:
        login.close()


def list_tokens(module: str) -> list[TokenInfo]:
    """Every initialised token of the module with its keys (their public objects)."""
    infos = []
    for slot in library(module).get_slots(token_present=True):
        token = slot.get_token()
        if token.flags & TokenFlag.TOKEN_INITIALIZED:
            infos.append(_info(token, module))
    return infos


def _info(token: Any, module: str) -> TokenInfo:
    serial = token.serial.decode("ascii", "replace").strip()
    uri = Pkcs11Uri(token=token.label, serial=serial)
    with public_session(uri, module) as session:
        certificates = {cid: cert for cid, cert in token_certificates(session) if cid}
        keys = []
        for obj in session.get_objects({Attribute.CLASS: ObjectClass.PUBLIC_KEY}):
            key_id = bytes(obj[Attribute.ID] or b"")
            cert = certificates.get(key_id)
            keys.append(KeyInfo(
                uri=str(Pkcs11Uri(token=token.label, object=obj[Attribute.LABEL])),
                label=obj[Attribute.LABEL], id=key_id.hex(),
                kind="ec" if obj[Attribute.KEY_TYPE] == KeyType.EC else "rsa",
                certificate_subject=cert.subject.rfc4514_string() if cert else None,
                certificate_not_after=cert.not_valid_after_utc if cert else None))
    flags = token.flags
    return TokenInfo(label=token.label, serial=serial, manufacturer=token.manufacturer_id,
                     model=token.model, user_pin_locked=bool(flags & TokenFlag.USER_PIN_LOCKED),
                     user_pin_count_low=bool(flags & TokenFlag.USER_PIN_COUNT_LOW),
                     keys=tuple(sorted(keys, key=lambda k: k.label)))
