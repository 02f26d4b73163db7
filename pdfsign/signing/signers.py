"""Opening a signer: the one place every signing path goes through (:func:`load_signer`).

A signer is a PKCS#12 file (a name of the PKI folder, ``signers/<name>.p12``, or a path),
whose password is its signing PIN, or a key on a PKCS#11 token named by its RFC 7512 URI,
whose PIN is the token's user PIN.  :func:`load_signer` resolves the name, and — given a
:class:`~pdfsign.signing.guard.SignerGuard`, as every product path gives one — refuses a
locked signer before trying the PIN, counts a wrong PIN towards the lock, and refuses a
certificate that may not sign (:mod:`pdfsign.signing.lifecycle`) before anything is signed.

pyHanko's ``SimpleSigner`` keeps the key as an ASN.1 structure and parses it again for
every signature (≈30 ms for RSA-2048).  :class:`ParsedKeySigner` keeps the ``cryptography``
key object and signs with it directly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, Protocol, TypeVar

from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko_certvalidator.util import get_pyca_cryptography_hash, process_pss_params

from pdfsign.config import DEFAULT_PKCS11_MODULE
from pdfsign.errors import InputError, SignerLockedError, SigningError, WrongPinError
from pdfsign.signing.guard import WRONG_PIN, SignerGuard, SignerRef
from pdfsign.signing.lifecycle import certificate_problem
from pdfsign.signing.pades_signer import PadesSigner
from pdfsign.signing.pkcs11_uri import is_pkcs11_uri, parse_pkcs11_uri

__all__ = ["ParsedKeySigner", "SigningKey", "load_signer", "open_key",
           "resolve_signer", "signer_names", "signer_path", "try_pin"]



class _Held(Protocol):
    """What a PIN attempt opens: a key or a token login, given back by ``close()``."""

    def close(self) -> None: ...


T = TypeVar("T", bound=_Held)

#: The private keys the product signs with.
SigningKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


class ParsedKeySigner(PadesSigner):
    """A :class:`PadesSigner` over a parsed RSA or ECDSA key (a PKCS#12 file's)."""

    def __init__(self, *, key: SigningKey, cert: x509.Certificate,
                 chain: Sequence[x509.Certificate] = (), embed_roots: bool = True) -> None:
        """:param key: the private key, already decrypted.
        :param cert: the signer's certificate; its public key must be ``key``'s.
        :param chain: the issuing CAs (embedded in the signature, used to build paths).
        :param embed_roots: also embed self-signed roots from ``chain`` in the CMS.
        :raises InputError: when ``cert`` does not belong to ``key``.
        """
        if cert.public_key() != key.public_key():
            raise InputError("the certificate does not match the private key", field="signer")
        super().__init__(cert=cert, chain=chain, embed_roots=embed_roots)
        self._key = key

    def sign_data(self, data: bytes, digest_algorithm: str) -> bytes:
        """Sign ``data`` with the parsed key (PKCS#1 v1.5 or PSS; DER ECDSA-Sig-Value)."""
        mechanism: Any = self.get_signature_mechanism_for_digest(digest_algorithm)
        if isinstance(self._key, ec.EllipticCurvePrivateKey):
            return self._key.sign(data, ec.ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
        if mechanism.signature_algo == "rsassa_pss":
            pss_padding, pss_hash = process_pss_params(mechanism["parameters"])
            return self._key.sign(data, pss_padding, pss_hash)
        return self._key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))

    @property
    def key(self) -> SigningKey:
        """The parsed private key (for moving a PKCS#12 signer onto a token)."""
        return self._key

    def to_pkcs12(self, pin: str, *, name: bytes) -> bytes:
        """The key, certificate and chain as a PKCS#12 file protected by ``pin`` (a PIN change)."""
        return pkcs12.serialize_key_and_certificates(
            name, self._key, self.certificate, list(self.chain),
            serialization.BestAvailableEncryption(pin.encode("utf-8")))


def _read_pkcs12(p12: Path) -> bytes:
    """The file's bytes, if they are a well-formed PKCS#12 structure (RFC 7292 ``PFX``)."""
    try:
        data = p12.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the signer file: {exc.strerror}", field=str(p12)) from None
    try:
        pfx = asn1_pkcs12.Pfx.load(data, strict=True)
        pfx["auth_safe"]["content"].native  # noqa: B018 - forces the parse
    except ValueError as exc:
        raise InputError(f"not a PKCS#12 signer file: {exc}", field=str(p12)) from None
    return data


def _open_pkcs12(p12: Path, pin: str, *, embed_roots: bool) -> ParsedKeySigner:
    """Decrypt a signer's PKCS#12 file with its PIN.

    The file is checked to be a well-formed PKCS#12 structure first, so that a
    decryption failure afterwards can only mean a wrong PIN.  The PIN error is
    deliberately opaque (it is an oracle) and never contains the PIN.
    """
    data = _read_pkcs12(p12)
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(data, pin.encode("utf-8"))
    except ValueError:
        raise WrongPinError(WRONG_PIN, field="pin") from None
    if key is None or cert is None:
        raise InputError("the PKCS#12 file holds no private key and certificate",
                         field=str(p12))
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise SigningError(f"unsupported key type {type(key).__name__}; use RSA or ECDSA",
                           field=str(p12))
    return ParsedKeySigner(key=key, cert=cert, chain=chain, embed_roots=embed_roots)


def resolve_signer(signer: str | Path, pki_dir: Path | None = None) -> SignerRef:
    """What ``--signer`` (or the ``signer`` setting) names, and whose PIN protects it.

    :param signer: a ``pkcs11:`` URI, a signer name of ``pki_dir`` (``staff``), or a
        ``.p12``/``.pfx`` file.
    :param pki_dir: the PKI folder a bare name is looked up in.
    :raises InputError: no signer named, or a malformed URI.
    """
    if not str(signer).strip():
        raise InputError("署名者を指定してください / name a signer", field="signer")
    if isinstance(signer, str) and is_pkcs11_uri(signer):
        uri = parse_pkcs11_uri(signer)
        return SignerRef(str(uri), str(uri.token_uri), uri)
    path = signer_path(str(signer), pki_dir) if pki_dir is not None else Path(signer)
    folder = (pki_dir / "signers").resolve() if pki_dir is not None else None
    if folder is not None and path.resolve().parent == folder and path.suffix == ".p12":
        name = path.stem  # the folder's signer, however it was named
    else:
        name = str(path.resolve())
    return SignerRef(name, name, path)


def try_pin(signer: SignerRef, guard: SignerGuard | None, attempt: Callable[[], T]) -> T:
    """Run ``attempt`` (which tries the PIN and opens what it guards) under ``guard``:
    refused while the signer is locked, a wrong PIN counted, a right one ending the run of
    failures (and what it opened closed again if the signer was locked meanwhile).

    :raises SignerLockedError: locked before the attempt, by this attempt, or meanwhile.
    :raises WrongPinError: the PIN is wrong (``field="pin"``).
    """
    if guard is None:
        return attempt()
    guard.admit(signer)
    try:
        result = attempt()
    except WrongPinError:
        raise guard.wrong_pin(signer) from None
    except SignerLockedError:
        raise guard.token_locked(signer) from None
    try:
        guard.pin_accepted(signer)
    except BaseException:
        result.close()
        raise
    return result


def open_key(signer: SignerRef, pin: str, *, guard: SignerGuard | None = None,
             pkcs11_module: str = DEFAULT_PKCS11_MODULE,
             embed_roots: bool = True) -> PadesSigner:
    """Open the signer's key with ``pin`` (see :func:`try_pin` for the guard's part).

    :raises InputError: the file or token key cannot be read or does not belong together.
    """
    def attempt() -> PadesSigner:
        if isinstance(signer.source, Path):
            return _open_pkcs12(signer.source, pin, embed_roots=embed_roots)
        # Imported here: python-pkcs11 is loaded only by processes that use a token.
        from pdfsign.signing.token_signer import open_token_signer
        return open_token_signer(signer.source, pin, module=pkcs11_module,
                                 embed_roots=embed_roots)

    return try_pin(signer, guard, attempt)


def load_signer(signer: str | Path | SignerRef, pin: str, *, pki_dir: Path | None = None,
                pkcs11_module: str = DEFAULT_PKCS11_MODULE, guard: SignerGuard | None = None,
                at: dt.datetime | None = None, embed_roots: bool = True) -> PadesSigner:
    """Open a signer with its signing PIN, ready for many signatures.

    Without ``guard`` (tests, tools making samples) this only opens the key.  With one, a
    locked signer is refused before its PIN is tried, a wrong PIN is counted (and locks it
    at the limit), a right one ends the run of failures, the certificate must be valid at
    ``at`` and name the signer's registered name, and every later signature checks the lock
    again — all before anything is signed or written.

    :param signer: a ``pkcs11:`` URI, a name of ``pki_dir``, a PKCS#12 file, or resolved.
    :param pin: the signing PIN (the PKCS#12 password, or the token's user PIN).
    :param pki_dir: the PKI folder a bare name is looked up in.
    :param pkcs11_module: the PKCS#11 library for token signers (unless the URI names one).
    :param guard: the PIN lock and registered names (:class:`pdfsign.keys.RegistryGuard`).
    :param at: the time the certificate must be valid at (with ``guard``; default now).
    :param embed_roots: embed the self-signed root in each signature too.
    :raises InputError: unreadable file, no such token or key, or not a key and certificate.
    :raises WrongPinError: the PIN is wrong (``field="pin"``).
    :raises SignerLockedError: the signer is locked (exit code 6).
    :raises SignerCertificateError: expired, not yet valid, or renamed (exit code 8).
    :raises SigningError: the key is neither RSA nor ECDSA, or the token failed.
    """
    ref = signer if isinstance(signer, SignerRef) else resolve_signer(signer, pki_dir)
    opened = open_key(ref, pin, guard=guard, pkcs11_module=pkcs11_module,
                      embed_roots=embed_roots)
    if guard is None:
        return opened
    try:
        registered = guard.registered_name(ref, opened.certificate)
        problem = certificate_problem(opened.certificate, registered=registered,
                                      at=at or dt.datetime.now(dt.UTC))
        if problem is not None:
            guard.refused(ref, problem)
            raise problem
    except BaseException:
        opened.close()
        raise
    opened.before_signature = partial(guard.still_unlocked, ref)
    return opened


def signer_names(pki_dir: Path, *, configured: str | None = None) -> list[str]:
    """The signers of a PKI folder (``signers/<name>.p12``), by name, and the configured one
    (a token's URI, say) if it is not among them."""
    names = sorted(path.stem for path in (pki_dir / "signers").glob("*.p12"))
    if configured and configured not in names:
        names.append(configured)
    return names


def signer_path(signer: str, pki_dir: Path) -> Path:
    """``signer`` as a file, or the PKI folder's ``signers/<name>.p12`` for a bare name.

    :param signer: A path to a ``.p12``/``.pfx`` file, or a name such as ``staff``.
    :param pki_dir: The PKI folder a bare name is looked up in.
    """
    path = Path(signer)
    if path.suffix or path.exists():
        return path
    return pki_dir / "signers" / f"{signer}.p12"
