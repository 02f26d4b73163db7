"""Signing with keys on a PKCS#11 token (SoftHSM2): ES-T and ES-A with RSA and EC keys, checked by
our verifier and by ``pyhanko sign adesverify``; the keys never leave the token; the batch
pool signs with the token, each worker with its own session."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11.exceptions import AttributeSensitive, KeyUnextractable
from pyhanko.pdf_utils.reader import PdfFileReader
from softhsm_support import Hsm

from pdfsign.batch import BatchRow, run_batch
from pdfsign.cli._home import now
from pdfsign.config import Settings
from pdfsign.keys import open_signer
from pdfsign.keys.tables import SignerPin
from pdfsign.registry import Registry, set_bank
from pdfsign.registry.models import AuditRow
from pdfsign.signing import Level, PadesSigner, Pkcs11Uri, sign_pdf, signing_services
from pdfsign.signing.token_sessions import token_login
from pdfsign.signing.token_signer import TokenSigner
from verify import Level as VerifiedLevel
from verify import load_trust_settings, verify_paths

ROOT = Path(__file__).resolve().parents[3]


def _open(hsm: Hsm, settings: Settings, registry: Registry, label: str) -> PadesSigner:
    return open_signer(settings, registry, pin=hsm.pin, actor="tester",
                       at=dt.datetime.now(dt.UTC), signer=hsm.uri(label))


def _adesverify(path: Path, root: Path) -> subprocess.CompletedProcess[str]:
    pyhanko = Path(sys.executable).parent / "pyhanko"
    return subprocess.run(
        [str(pyhanko), "sign", "adesverify", "--trust", str(root), "--trust-replace",
         "--executive-summary", str(path)],
        capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("label", ["rsa", "ec"])
@pytest.mark.parametrize("level", [Level.ES_T, Level.ES_A], ids=lambda level: level.value)
def test_token_keys_sign_es_t_and_es_a_that_both_validators_accept(
        hsm: Hsm, token_settings: Settings, token_registry: Registry, one_page_pdf: bytes,
        tmp_path: Path, label: str, level: Level) -> None:
    services = signing_services(pki_dir=hsm.pki_dir, state_dir=None)
    with _open(hsm, token_settings, token_registry, label) as signer:
        assert isinstance(signer, TokenSigner)
        signed = sign_pdf(one_page_pdf, signer=signer, level=level,
                          timestamper=services.timestamper,
                          validation_context_factory=services.validation_context,
                          at=dt.datetime.now(dt.UTC), reason="保証書の発行")
        token_cert = signer.certificate.public_bytes(serialization.Encoding.DER)
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    embedded = PdfFileReader(path.open("rb")).embedded_signatures[0]
    assert embedded.signer_cert.dump() == asn1_x509.Certificate.load(token_cert).dump()
    assert embedded.signer_cert.public_key.algorithm == ("ec" if label == "ec" else "rsa")

    root = hsm.pki_dir / "root.pem"
    run = verify_paths([path], settings=load_trust_settings(trust=[root]),
                       at=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1))
    assert run.ok, run.documents[0]
    assert run.documents[0].level is (VerifiedLevel.B_LTA if level.long_term
                                      else VerifiedLevel.B_T)
    done = _adesverify(path, root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().endswith(":VALID")


def test_a_tampered_token_signature_is_refused_by_both(
        hsm: Hsm, token_settings: Settings, token_registry: Registry, one_page_pdf: bytes,
        tmp_path: Path) -> None:
    services = signing_services(pki_dir=hsm.pki_dir, state_dir=None)
    with _open(hsm, token_settings, token_registry, "rsa") as signer:
        signed = sign_pdf(one_page_pdf, signer=signer, level=Level.ES_A,
                          timestamper=services.timestamper,
                          validation_context_factory=services.validation_context,
                          at=dt.datetime.now(dt.UTC))
    path = tmp_path / "tampered.pdf"
    path.write_bytes(signed.replace(b"(pdfsign signing test)", b"(pdfsign signing TEST)"))
    root = hsm.pki_dir / "root.pem"
    assert not verify_paths([path], settings=load_trust_settings(trust=[root]),
                            at=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)).ok
    assert _adesverify(path, root).returncode != 0


@pytest.mark.parametrize("label", ["rsa", "ec"])
def test_the_private_key_cannot_be_extracted(hsm: Hsm, label: str) -> None:
    login = token_login(Pkcs11Uri(token=hsm.token), hsm.pin, hsm.module)
    try:
        with login.lock:
            session = login.session
            key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=label)
            flags = [key[a] for a in (Attribute.SENSITIVE, Attribute.ALWAYS_SENSITIVE,
                                      Attribute.EXTRACTABLE, Attribute.NEVER_EXTRACTABLE)]
            assert flags == [True, True, False, True]
            secret = Attribute.PRIVATE_EXPONENT if label == "rsa" else Attribute.VALUE
            with pytest.raises(AttributeSensitive):
                key[secret]
            wrapping = session.generate_key(KeyType.AES, 256, store=False, template={
                Attribute.WRAP: True, Attribute.EXTRACTABLE: False})
            with pytest.raises(KeyUnextractable):
                wrapping.wrap_key(key, mechanism=Mechanism.AES_KEY_WRAP_PAD)
    finally:
        login.close()


def test_the_batch_pool_signs_with_the_token_one_session_per_worker(
        hsm: Hsm, token_settings: Settings, token_registry: Registry) -> None:
    """The parent holds a login when the workers fork: each must make its own."""
    set_bank(token_registry, code="2345", name="みらい銀行", start=dt.date(2026, 1, 1), actor="t",
             at=dt.datetime.now(dt.UTC))
    sample = (ROOT / "fixtures" / "samples" / "guarantee.json").read_text(encoding="utf-8")
    rows = []
    for index in range(6):
        data = json.loads(sample)
        data["customer_number"] = f"{100_000_000 + index:09d}"
        data["guarantee_number"] = 3_000_000_000 + index
        rows.append(BatchRow(index + 1, data, f"k{index}"))
    with _open(hsm, token_settings, token_registry, "rsa") as parents:
        token_cert = parents.certificate
        summary = run_batch(token_settings, rows, workers=2, clock=now)
    assert [r.status for r in summary.results] == ["issued"] * 6, summary.results
    for result in summary.results:
        assert result.file_id is not None
        _, pdf = token_registry.pdf(result.file_id, 1)
        signer_cert = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0].signer_cert
        assert signer_cert.dump() == token_cert.public_bytes(serialization.Encoding.DER)
    with token_registry.reading() as session:
        opened = [row.detail for row in session.query(AuditRow)
                  .filter(AuditRow.action == "signer-pin-accepted")]
        pin = session.get(SignerPin, f"pkcs11:token={hsm.token}")
        assert pin is not None
        assert pin.failures == 0
    assert len(opened) == 1 + 2  # this process, then each worker with its own session
