"""Signing with a key on a PKCS#11 token (an HSM; SoftHSM2 in tests and the demo).

The key never leaves the token: :class:`TokenSigner` hands the token the data to sign, with
the mechanism pyHanko's PKCS#11 support chooses (:func:`pyhanko.sign.pkcs11.
select_pkcs11_signing_params`: ``SHA256_RSA_PKCS``, or raw ``ECDSA`` over a digest made here
when the token has no hashing ECDSA mechanism, as SoftHSM2 has not).  The certificate is the
token's certificate object with the key's ``CKA_ID``; the chain is the token's other
certificates that issued it.  Opening checks the pair with one signature verified against the
certificate, as opening a PKCS#12 file checks that its certificate belongs to its key.
"""

from __future__ import annotations

import os
import weakref
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pkcs11 import Attribute, Mechanism, ObjectClass
from pkcs11.exceptions import MultipleObjectsReturned, NoSuchKey, PKCS11Error
from pyhanko.sign.pkcs11 import select_pkcs11_signing_params

from pdfsign.errors import InputError
from pdfsign.signing.pades_signer import PadesSigner
from pdfsign.signing.pkcs11_uri import Pkcs11Uri
from pdfsign.signing.token_sessions import LOGINS, Login, find_token, token_error

__all__ = ["TokenSigner", "open_token_signer", "token_certificates"]


class TokenSigner(PadesSigner):
    """A PAdES signer whose key is a private-key object on a logged-in token session."""

    def __init__(self, *, login: Login, key: Any, cert: x509.Certificate,
                 chain: tuple[x509.Certificate, ...], raw_ecdsa: bool,
                 embed_roots: bool = True) -> None:
        """:param login: this process's login on the token (released by :meth:`close`).
        :param key: the python-pkcs11 private key.
        :param raw_ecdsa: sign ECDSA over a digest made here (no hashing mechanism on the token).
        """
        super().__init__(cert=cert, chain=chain, embed_roots=embed_roots)
        self._login, self._key, self._raw = login, key, raw_ecdsa
        self._release = weakref.finalize(self, LOGINS.release, login)

    @property
    def login(self) -> Login:
        """The token login this signer uses (for a PIN change through it)."""
        return self._login

    def sign_data(self, data: bytes, digest_algorithm: str) -> bytes:
        """Have the token sign ``data`` (the token hashes it, or gets its digest)."""
        spec = select_pkcs11_signing_params(
            self.get_signature_mechanism_for_digest(digest_algorithm), digest_algorithm,
            use_raw_mechanism=self._raw, sign_kwargs={})
        if spec.pre_sign_transform is not None:
            data = spec.pre_sign_transform(data)
        try:
            with self._login.lock:
                signature: bytes = self._key.sign(data, **spec.sign_kwargs)
        except PKCS11Error as exc:
            raise token_error(exc, "signing") from None
        if spec.post_sign_transform is not None:
            signature = spec.post_sign_transform(signature)
        return signature

    def close(self) -> None:
        """Release the login (the last signer on the token logs out)."""
        self._release()


def token_certificates(session: Any) -> list[tuple[bytes, x509.Certificate]]:
    """Every X.509 certificate object of the token, with its ``CKA_ID``."""
    found = []
    for item in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE}):
        found.append((bytes(item[Attribute.ID] or b""),
                      x509.load_der_x509_certificate(bytes(item[Attribute.VALUE]))))
    return found


def _chain(cert: x509.Certificate, others: list[x509.Certificate]) -> tuple[x509.Certificate, ...]:
    """The certificates among ``others`` that issued ``cert``, up to a self-signed one."""
    chain: list[x509.Certificate] = []
    current = cert
    while current.issuer != current.subject:
        issuer = next((c for c in others if c.subject == current.issuer and c not in chain), None)
        if issuer is None:
            break
        chain.append(issuer)
        current = issuer
    return tuple(chain)


def _check_pair(signer: TokenSigner) -> None:
    """One signature over random bytes, verified with the certificate's public key.

    :raises InputError: the certificate is not the key's.
    """
    challenge = os.urandom(32)
    signature = signer.sign_data(challenge, "sha256")
    public = signer.certificate.public_key()
    try:
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(signature, challenge, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(signature, challenge, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise InputError("the token's certificate does not match its private key",
                         field="signer") from None


def open_token_signer(uri: Pkcs11Uri, pin: str, *, module: str,
                      embed_roots: bool = True) -> TokenSigner:
    """Log in to the token ``uri`` names with ``pin`` and open its key for signing.

    :raises InputError: no such token, key or certificate, or they do not belong together.
    :raises WrongPinError: the token refused the PIN.
    :raises SignerLockedError: the token has locked its user PIN.
    """
    if not uri.names_object or uri.type not in (None, "private"):
        raise InputError(f"{uri} names no private key (give object=LABEL or id=…)",
                         field="signer")
    token = find_token(uri, uri.module_path or module)
    login = LOGINS.acquire(token, uri.module_path or module, pin)
    try:
        signer = _signer_on(login, token, uri, embed_roots=embed_roots)
    except BaseException:
        LOGINS.release(login)
        raise
    try:
        _check_pair(signer)
    except BaseException:
        signer.close()
        raise
    return signer


def _signer_on(login: Login, token: Any, uri: Pkcs11Uri, *, embed_roots: bool) -> TokenSigner:
    """The signer over ``uri``'s key, its certificate and chain, on ``login``'s session."""
    session = login.session
    try:
        with login.lock:
            key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=uri.object,
                                  id=uri.id)
            key_id = bytes(key[Attribute.ID] or b"")
            certificates = token_certificates(session)
            mechanisms = token.slot.get_mechanisms()
    except NoSuchKey:
        raise InputError(f"no private key {uri} on the token", field="signer") from None
    except MultipleObjectsReturned:
        raise InputError(f"several private keys match {uri}", field="signer") from None
    except PKCS11Error as exc:
        raise token_error(exc, "reading the key") from None
    own = [cert for cid, cert in certificates if key_id and cid == key_id]
    if len(own) != 1:
        raise InputError(f"the key {uri} has {'no' if not own else 'more than one'} "
                         "certificate on the token (see 'pdfsign pki certify')", field="signer")
    cert = own[0]
    raw = isinstance(cert.public_key(), ec.EllipticCurvePublicKey) and \
        Mechanism.ECDSA_SHA256 not in mechanisms
    return TokenSigner(login=login, key=key, cert=cert,
                       chain=_chain(cert, [c for _, c in certificates if c != cert]),
                       raw_ecdsa=raw, embed_roots=embed_roots)
