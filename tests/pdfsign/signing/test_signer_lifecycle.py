"""A signer certificate's lifecycle (seed 001): an expired certificate, and one whose subject is
not the signer's registered name (a renamed signer or organisation), are refused before anything
is signed or written; one ending within 30 days is flagged; ±1 s around the ends."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from softhsm_support import Hsm

from pdfsign.cli import root
from pdfsign.config import Settings
from pdfsign.errors import SignerCertificateError
from pdfsign.issuing import Issuer
from pdfsign.keys import list_signers, open_signer, rename_signer
from pdfsign.keys.manage import certify
from pdfsign.registry import Registry, SearchQuery, search
from pdfsign.signing import RegisteredName, certificate_problem, expires_soon

T0 = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)


def _certificate(common_name: str, organization: str, *, start: dt.datetime,
                 end: dt.datetime) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1).not_valid_before(start)
            .not_valid_after(end).sign(key, hashes.SHA256()))


REGISTERED = RegisteredName("山田 太郎", "テスト信用保証協会")
CERT = _certificate("山田 太郎", "テスト信用保証協会", start=T0, end=T0 + dt.timedelta(days=365))


def test_valid_from_not_before_to_not_after_inclusive() -> None:
    ends = CERT.not_valid_after_utc
    assert certificate_problem(CERT, registered=REGISTERED, at=T0) is None
    assert certificate_problem(CERT, registered=REGISTERED, at=ends) is None
    expired = certificate_problem(CERT, registered=REGISTERED, at=ends + SECOND)
    early = certificate_problem(CERT, registered=REGISTERED, at=T0 - SECOND)
    assert expired is not None
    assert early is not None
    assert "expired on 2027-12-02" in expired.message
    assert "not valid before 2026-12-02" in early.message
    assert (expired.exit_code, expired.reason, expired.field) == (8, "signer-certificate",
                                                                  "signer")


@pytest.mark.parametrize(("registered", "refused"), [
    (RegisteredName("山田　太郎", "テスト信用保証協会"), False),  # an ideographic space
    (RegisteredName("山田 次郎", "テスト信用保証協会"), True),  # the signer renamed
    (RegisteredName("山田 太郎", "新テスト信用保証協会"), True),  # the organisation renamed
])
def test_the_subject_must_be_the_registered_name(registered: RegisteredName,
                                                 refused: bool) -> None:
    problem = certificate_problem(CERT, registered=registered, at=T0)
    assert (problem is not None) is refused
    if problem is not None:
        assert "needs a new certificate" in problem.message


def test_a_certificate_is_flagged_30_days_before_it_ends() -> None:
    ends = T0 + dt.timedelta(days=30)
    assert expires_soon(ends, T0)
    assert not expires_soon(ends + SECOND, T0)
    assert expires_soon(ends - dt.timedelta(days=40), T0)  # already ended


def test_an_expired_token_signer_is_refused_before_anything_is_written(
        hsm: Hsm, token_settings: Settings, token_registry: Registry, tmp_path: Path) -> None:
    expired = hsm.uri("expired")
    with pytest.raises(SignerCertificateError, match="expired on"):
        Issuer.open(dataclasses.replace(token_settings, signer=expired))
    data = tmp_path / "guarantee.json"
    data.write_text((Path(__file__).resolve().parents[3] / "fixtures/samples/guarantee.json")
                    .read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "pin").write_text(hsm.pin)
    result = CliRunner().invoke(root, ["issue", str(data), "--signer", expired, "--pin-file",
                                       str(tmp_path / "pin")], env={
        "PDFSIGN_HOME": str(token_settings.home), "PDFSIGN_PKI_DIR": str(token_settings.pki_dir),
        "PDFSIGN_PIN": ""})
    assert result.exit_code == 8
    assert "the signer's certificate expired on" in result.stderr
    assert search(token_registry, SearchQuery(), viewer=None, at=dt.datetime.now(dt.UTC)).total == 0
    assert not [p for p in (token_settings.home / "objects").rglob("*") if p.is_file()]
    listed = {s.signer_id: s for s in list_signers(token_registry, token_settings.pki_dir,
                                                   at=dt.datetime.now(dt.UTC))}
    assert listed[expired].expired


def test_a_renamed_signer_signs_again_only_with_a_certificate_of_the_new_name(
        hsm: Hsm, token_settings: Settings, token_registry: Registry) -> None:
    renamed, at = hsm.uri("renamed"), dt.datetime.now(dt.UTC)

    def attempt() -> None:
        open_signer(token_settings, token_registry, pin=hsm.pin, actor="issuer01",
                    at=dt.datetime.now(dt.UTC), signer=renamed).close()

    attempt()  # its first use registers the certificate's name
    rename_signer(token_registry, renamed, pki_dir=token_settings.pki_dir, common_name="新姓 四郎",
                  actor="admin01", at=at)
    with pytest.raises(SignerCertificateError, match="registered as 新姓 四郎"):
        attempt()
    certify(hsm.pki_dir, renamed, common_name="新姓 四郎", unit="保証課", at=at,
            module=hsm.module)
    attempt()
    rename_signer(token_registry, renamed, pki_dir=token_settings.pki_dir,
                  organization="新信用保証協会", actor="admin01", at=at)
    with pytest.raises(SignerCertificateError, match="a renamed signer or organisation"):
        attempt()
