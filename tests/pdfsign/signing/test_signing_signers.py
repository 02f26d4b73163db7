"""pdfsign.signing.signers: opening PKCS#12 files with the PIN, signing with the parsed key."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from pdfsign.errors import InputError, PermissionDenied
from pdfsign.signing.signers import ParsedKeySigner, load_signer
from tsa.pki import Pki

PIN = "TestPin2026"


@pytest.mark.parametrize(("name", "size"), [("staff", 256), ("staff-ec", 72)])
def test_loads_rsa_and_ecdsa_signers(pki: Pki, name: str, size: int) -> None:
    signer = load_signer(pki.signers[name].p12, PIN)
    assert isinstance(signer, ParsedKeySigner)
    assert signer.max_signature_size == size
    expected = x509.load_pem_x509_certificate(pki.signers[name].cert.read_bytes())
    assert signer.signing_cert.dump() == expected.public_bytes(serialization.Encoding.DER)
    chain = {c.subject.human_friendly for c in signer.cert_registry}
    assert any("Issuing CA" in subject for subject in chain)


def _verify(public_key: object, signature: bytes, data: bytes) -> None:
    if isinstance(public_key, rsa.RSAPublicKey):
        public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    else:
        assert isinstance(public_key, ec.EllipticCurvePublicKey)
        public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))


@pytest.mark.parametrize("name", ["staff", "staff-ec"])
def test_signatures_verify_with_the_certificate_key(pki: Pki, name: str) -> None:
    data = "署名対象".encode()
    signer = load_signer(pki.signers[name].p12, PIN)
    raw = asyncio.run(signer.async_sign_raw(data, "sha256"))
    public_key = x509.load_pem_x509_certificate(pki.signers[name].cert.read_bytes()).public_key()
    _verify(public_key, raw, data)
    with pytest.raises(InvalidSignature):
        _verify(public_key, raw, data + b"!")


def test_dry_run_returns_a_placeholder_of_the_largest_size(pki: Pki) -> None:
    signer = load_signer(pki.signers["staff-ec"].p12, PIN)
    placeholder = asyncio.run(signer.async_sign_raw(b"x", "sha256", dry_run=True))
    assert placeholder == bytes(72)


def test_wrong_pin_is_permission_denied_without_echoing_it(pki: Pki) -> None:
    with pytest.raises(PermissionDenied, match="signing PIN is wrong") as caught:
        load_signer(pki.signers["staff"].p12, "WrongPin2026")
    assert caught.value.field == "pin"
    assert caught.value.exit_code == 6
    assert "WrongPin2026" not in str(caught.value)


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    missing = tmp_path / "nobody.p12"
    with pytest.raises(InputError, match="cannot read the signer file") as caught:
        load_signer(missing, PIN)
    assert caught.value.field == str(missing)


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_damaged_file_is_an_input_error_not_a_pin_error(pki: Pki, tmp_path: Path,
                                                        damage: str) -> None:
    data = pki.signers["staff"].p12.read_bytes()
    damaged = tmp_path / "damaged.p12"
    damaged.write_bytes(b"not PKCS#12 at all" if damage == "garbage" else data[:-40])
    with pytest.raises(InputError, match="not a PKCS#12 signer file"):
        load_signer(damaged, PIN)


def test_file_without_a_key_is_an_input_error(pki: Pki, tmp_path: Path) -> None:
    cert = x509.load_pem_x509_certificate(pki.signers["staff"].cert.read_bytes())
    only_cert = tmp_path / "cert-only.p12"
    only_cert.write_bytes(pkcs12.serialize_key_and_certificates(
        b"cert", None, cert, None, serialization.BestAvailableEncryption(PIN.encode())))
    with pytest.raises(InputError, match="no private key"):
        load_signer(only_cert, PIN)


def test_certificate_must_match_the_key(pki: Pki) -> None:
    key, _, _ = pkcs12.load_key_and_certificates(pki.signers["staff"].p12.read_bytes(),
                                                 PIN.encode())
    other = x509.load_pem_x509_certificate(pki.signers["staff-ec"].cert.read_bytes())
    assert isinstance(key, rsa.RSAPrivateKey)
    with pytest.raises(InputError, match="does not match"):
        ParsedKeySigner(key=key, cert=other)
