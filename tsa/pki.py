"""The test PKI: generate it into a folder, and load it back.

A PKI folder holds a root CA, an issuing CA, the TSA and OCSP responder
certificates, and staff signers whose keys sit in PKCS#12 files protected by
their signing PIN.  ``pki.json`` records what the services need to know: the
base URL the certificates point at, the TSA policy, the signers and the
revocations.  The generated keys are for tests and demos only.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID

from tsa.certificates import (
    CA_EXTENSIONS,
    LEAF,
    Issuer,
    KeyType,
    PrivateKey,
    certificate,
    key_usage,
    new_key,
    subject_name,
    tsa_certificate,
    write_pem,
)
from tsa.errors import PkiError, PkiWriteError

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_POLICY_OID",
    "DEFAULT_TEST_PIN",
    "KeyType",
    "Pki",
    "TSA_LIFETIME",
    "RetiredTsa",
    "Revocation",
    "SignerEntry",
    "TsaRollover",
    "generate_pki",
    "load_pki",
    "rollover_tsa",
]


#: Where the bundled services answer; the certificates' CRL and OCSP URLs point here.
DEFAULT_BASE_URL = "http://127.0.0.1:3161"
#: The TSA policy of the test PKI (an OID under the example arc, RFC 7229 style).
DEFAULT_POLICY_OID = "1.3.6.1.4.1.58314.3161.1"
#: The signing PIN of the generated test signers (8-32 characters, one upper-case letter).
DEFAULT_TEST_PIN = "TestPin2026"

_YEAR = dt.timedelta(days=365)
_MANIFEST = "pki.json"
#: How long a TSA certificate is valid, the first and each successor (capped by the root's).
TSA_LIFETIME = 20 * _YEAR


@dataclass(frozen=True)
class SignerEntry:
    """A signer of the PKI: its PKCS#12 file, certificate and the status it was made for."""

    name: str
    p12: Path
    cert: Path
    pin: str
    status: Literal["good", "revoked", "expired", "untrusted"]


@dataclass(frozen=True)
class Revocation:
    """A revoked certificate, as the CRL and OCSP services report it.

    ``client-ca`` revocations live in ``clients/clients.json`` (:mod:`tsa.client_certs`).
    """

    issuer: Literal["root", "ca", "client-ca"]
    serial: int
    revoked_at: dt.datetime
    reason: str = "key_compromise"


@dataclass(frozen=True)
class RetiredTsa:
    """A TSA certificate replaced by a successor (:func:`rollover_tsa`).

    Kept so that tokens it signed can still be checked against it; its key is gone.
    """

    cert: Path
    serial: int
    retired_at: dt.datetime


@dataclass(frozen=True)
class Pki:
    """A loaded PKI folder: paths, certificates and the services' settings."""

    directory: Path
    base_url: str
    policy_oid: str
    signers: dict[str, SignerEntry]
    revocations: tuple[Revocation, ...] = field(default=())
    #: Earlier TSA certificates, oldest first; ``tsa.pem`` is the active one.
    retired_tsa: tuple[RetiredTsa, ...] = field(default=())

    def path(self, name: str) -> Path:
        """The path of a PEM file of the folder, e.g. ``root.pem`` or ``tsa.key.pem``."""
        return self.directory / name

    def certificate(self, name: str) -> x509.Certificate:
        """Load ``<name>.pem`` (``root``, ``ca``, ``tsa``, ``ocsp``)."""
        return x509.load_pem_x509_certificate(self.path(f"{name}.pem").read_bytes())

    def private_key(self, name: str) -> PrivateKey:
        """Load ``<name>.key.pem``; only CA, TSA and OCSP keys are stored unencrypted."""
        key = serialization.load_pem_private_key(self.path(f"{name}.key.pem").read_bytes(), None)
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise PkiError("only RSA and ECDSA keys are supported", field=f"{name}.key.pem")
        return key

    def signer(self, name: str) -> SignerEntry:
        """The signer called ``name``, or a :class:`PkiError` naming the known ones."""
        try:
            return self.signers[name]
        except KeyError:
            known = ", ".join(sorted(self.signers))
            raise PkiError(f"no signer {name!r} (known: {known})", field="signer") from None


def load_pki(directory: Path) -> Pki:
    """Read ``pki.json`` of a PKI folder written by :func:`generate_pki`.

    :raises PkiError: when the folder or its manifest is missing or unreadable.
    """
    manifest_path = directory / _MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        signers = {
            name: SignerEntry(
                name=name,
                p12=directory / entry["p12"],
                cert=directory / entry["cert"],
                pin=entry["pin"],
                status=entry["status"],
            )
            for name, entry in manifest["signers"].items()
        }
        revocations = tuple(
            Revocation(
                issuer=r["issuer"],
                serial=int(r["serial"]),
                revoked_at=dt.datetime.fromisoformat(r["revoked_at"]),
                reason=r["reason"],
            )
            for r in manifest["revocations"]
        )
        retired = tuple(
            RetiredTsa(cert=directory / r["cert"], serial=int(r["serial"]),
                       retired_at=dt.datetime.fromisoformat(r["retired_at"]))
            for r in manifest.get("retired_tsa", [])
        )
        return Pki(
            directory=directory,
            base_url=manifest["base_url"],
            policy_oid=manifest["policy_oid"],
            signers=signers,
            revocations=revocations,
            retired_tsa=retired,
        )
    except FileNotFoundError:
        raise PkiError("not a PKI folder (no pki.json); run 'pdfsign pki init'",
                       field=str(directory)) from None
    except (ValueError, KeyError, TypeError) as exc:
        raise PkiError(f"pki.json is malformed: {exc}", field=str(manifest_path)) from None


def generate_pki(
    directory: Path,
    *,
    at: dt.datetime,
    key_type: KeyType = "rsa",
    pin: str = DEFAULT_TEST_PIN,
    base_url: str = DEFAULT_BASE_URL,
    policy_oid: str = DEFAULT_POLICY_OID,
) -> Pki:
    """Write a complete test PKI into ``directory`` and return it loaded.

    Root CA (30 years) → issuing CA (25 years) → staff signers (5 years,
    digitalSignature + nonRepudiation).  The TSA certificate (critical EKU
    timeStamping, 20 years) is issued by the root so that ``openssl ts -verify
    -CAfile root.pem -untrusted tsa.pem`` needs nothing else.  The OCSP
    responder is delegated by the issuing CA (EKU OCSPSigning, ocsp-nocheck).
    Besides the good signers it writes one revoked, one expired and one
    untrusted (foreign root) signer, for the verification tests.

    :param at: the generation time; validity periods are counted from it.
    :raises PkiWriteError: the folder or one of its files cannot be written.
    """
    try:
        return _generate(directory, at=at, key_type=key_type, pin=pin, base_url=base_url,
                         policy_oid=policy_oid)
    except OSError as exc:
        raise PkiWriteError(f"cannot write the PKI folder: {exc.strerror}",
                            field=str(exc.filename or directory)) from None


def _generate(directory: Path, *, at: dt.datetime, key_type: KeyType, pin: str, base_url: str,
              policy_oid: str) -> Pki:
    """:func:`generate_pki` itself, free to raise ``OSError``."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "signers").mkdir(exist_ok=True)
    start = at - dt.timedelta(days=1)

    root_key = new_key(key_type)
    root_cert = certificate(subject_name("pdfsign Test Root CA"), root_key, None,
                             not_before=at - 10 * _YEAR, not_after=at + 30 * _YEAR,
                             extensions=CA_EXTENSIONS)
    root = Issuer(root_cert, root_key, f"{base_url}/crl/root.crl", None)
    ca_key = new_key(key_type)
    ca_cert = certificate(subject_name("pdfsign Test Issuing CA"), ca_key, root,
                           not_before=at - 10 * _YEAR, not_after=at + 25 * _YEAR,
                           extensions=[(x509.BasicConstraints(ca=True, path_length=0), True),
                                       (key_usage(ca=True), True)])
    ca = Issuer(ca_cert, ca_key, f"{base_url}/crl/ca.crl", f"{base_url}/ocsp")

    tsa_key = new_key(key_type)
    tsa_cert = tsa_certificate(tsa_key, root, not_before=start, not_after=at + TSA_LIFETIME)
    ocsp_key = new_key(key_type)
    ocsp_cert = certificate(
        subject_name("pdfsign Test OCSP Responder", "OCSP"), ocsp_key, ca,
        not_before=start, not_after=at + 20 * _YEAR,
        extensions=[LEAF, (key_usage(sign=True), True),
                    (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), False),
                    (x509.OCSPNoCheck(), False)])
    for name, cert, key in (("root", root_cert, root_key), ("ca", ca_cert, ca_key),
                            ("tsa", tsa_cert, tsa_key), ("ocsp", ocsp_cert, ocsp_key)):
        write_pem(directory / f"{name}.pem", cert, key)

    rogue_key = new_key(key_type)
    rogue_cert = certificate(subject_name("Unknown Root CA (not trusted)"), rogue_key, None,
                              not_before=at - 10 * _YEAR, not_after=at + 30 * _YEAR,
                              extensions=CA_EXTENSIONS)
    rogue = Issuer(rogue_cert, rogue_key, f"{base_url}/crl/rogue.crl", None)

    signer_specs: list[tuple[str, str, KeyType, Issuer, dt.datetime, dt.datetime, str]] = [
        ("staff", "山田 太郎", key_type, ca, start, at + 5 * _YEAR, "good"),
        ("staff-ec", "佐藤 花子", "ec", ca, start, at + 5 * _YEAR, "good"),
        ("representative", "代表取締役 鈴木 一郎", key_type, ca, start, at + 5 * _YEAR, "good"),
        ("revoked", "失効 次郎", key_type, ca, start, at + 5 * _YEAR, "revoked"),
        ("expired", "期限切 三郎", key_type, ca, at - 6 * _YEAR, at - _YEAR, "expired"),
        ("untrusted", "部外 四郎", key_type, rogue, start, at + 5 * _YEAR, "untrusted"),
    ]
    signers: dict[str, dict[str, str]] = {}
    revocations: list[dict[str, str | int]] = []
    for name, common_name, kt, issuer, not_before, not_after, status in signer_specs:
        key = new_key(kt)
        cert = certificate(
            subject_name(common_name, "保証課"), key, issuer, not_before=not_before,
            not_after=not_after,
            extensions=[LEAF, (key_usage(sign=True, non_repudiation=True), True)])
        chain = [issuer.cert] + ([root_cert] if issuer is ca else [])
        p12 = pkcs12.serialize_key_and_certificates(
            name.encode(), key, cert, chain,
            serialization.BestAvailableEncryption(pin.encode()))
        (directory / "signers" / f"{name}.p12").write_bytes(p12)
        write_pem(directory / "signers" / f"{name}.pem", cert)
        signers[name] = {"p12": f"signers/{name}.p12", "cert": f"signers/{name}.pem",
                         "pin": pin, "status": status}
        if status == "revoked":
            revocations.append({"issuer": "ca", "serial": cert.serial_number,
                                "revoked_at": at.isoformat(), "reason": "key_compromise"})

    manifest = {
        "comment": "TEST KEYS ONLY. Generated by 'pdfsign pki init'; "
                   "never trust these in production.",
        "generated_at": at.isoformat(),
        "key_type": key_type,
        "base_url": base_url,
        "policy_oid": policy_oid,
        "signers": signers,
        "revocations": revocations,
    }
    (directory / _MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                       encoding="utf-8")
    return load_pki(directory)


@dataclass(frozen=True)
class TsaRollover:
    """What :func:`rollover_tsa` did: the retired certificate and its successor."""

    pki: Pki
    retired: RetiredTsa
    successor: x509.Certificate


def rollover_tsa(directory: Path, *, at: dt.datetime,
                 lifetime: dt.timedelta = TSA_LIFETIME) -> TsaRollover:
    """Give the folder's TSA a successor certificate and key, issued at ``at``.

    A document time-stamp proves the file only while its TSA certificate can be validated,
    so before the active one ends a renewal needs a TSA that outlives it (ETSI EN 319 102-1
    §5.6.2.4, the archive time-stamp chain).  The successor has the first one's profile and
    key type, is issued by the root and ends ``lifetime`` later, but never after the root.
    It becomes ``tsa.pem``/``tsa.key.pem`` (what the services load); the old certificate is
    kept as ``tsa-<serial hex>.pem`` and listed in ``pki.json``, and its key is overwritten:
    a retired TSA never signs again, while tokens it signed still verify (they carry it).

    :raises PkiError: ``at`` is naive or outside the root's validity, or ``lifetime`` ≤ 0;
        the folder is not a PKI folder.
    :raises PkiWriteError: a file of the folder cannot be written.
    """
    pki = load_pki(directory)
    root = Issuer(pki.certificate("root"), pki.private_key("root"),
                   f"{pki.base_url}/crl/root.crl", None)
    if at.utcoffset() is None or lifetime <= dt.timedelta(0):
        raise PkiError("needs a tz-aware time and a positive lifetime", field="at")
    if not root.cert.not_valid_before_utc <= at < root.cert.not_valid_after_utc:
        raise PkiError(f"{at.isoformat()} is outside the root's validity (to "
                       f"{root.cert.not_valid_after_utc:%Y-%m-%d}): no successor can be issued",
                       field="at")
    old = pki.certificate("tsa")
    key = new_key("ec" if isinstance(pki.private_key("tsa"), ec.EllipticCurvePrivateKey)
                   else "rsa")
    successor = tsa_certificate(key, root, not_before=at - dt.timedelta(days=1),
                                 not_after=min(at + lifetime, root.cert.not_valid_after_utc))
    retired = RetiredTsa(directory / f"tsa-{old.serial_number:x}.pem", old.serial_number, at)
    try:
        _install_successor(pki, old, successor, key, retired)
    except OSError as exc:
        raise PkiWriteError(f"cannot write the PKI folder: {exc.strerror}",
                            field=str(exc.filename or directory)) from None
    return TsaRollover(load_pki(directory), retired, successor)


def _install_successor(pki: Pki, old: x509.Certificate, successor: x509.Certificate,
                       key: PrivateKey, retired: RetiredTsa) -> None:
    """Keep the old certificate, then swap in the new key and certificate, then record it.

    Each file is written beside its target and renamed over it; a crash between the two
    renames leaves a key that does not match ``tsa.pem``, which loading refuses.
    """
    directory = pki.directory
    retired.cert.write_bytes(old.public_bytes(serialization.Encoding.PEM))
    write_pem(directory / "tsa.new.pem", successor, key)
    (directory / "tsa.new.key.pem").replace(directory / "tsa.key.pem")
    (directory / "tsa.new.pem").replace(directory / "tsa.pem")
    manifest_path = directory / _MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest.setdefault("retired_tsa", []).append({
        "cert": retired.cert.name, "serial": retired.serial,
        "not_after": old.not_valid_after_utc.isoformat(),
        "retired_at": retired.retired_at.isoformat()})
    staged = directory / f"{_MANIFEST}.new"
    staged.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                      encoding="utf-8")
    staged.replace(manifest_path)
