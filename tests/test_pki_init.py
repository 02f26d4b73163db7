"""``pdfsign pki init``: a complete test PKI whose certificates say what the services need."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID
from pyhanko.sign.signers import SimpleSigner

from pdfsign.cli import root
from tsa.errors import PkiError, PkiWriteError
from tsa.pki import DEFAULT_TEST_PIN, generate_pki, load_pki

AT = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module", params=["rsa", "ec"])
def generated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    return generate_pki(tmp_path_factory.mktemp(request.param), at=AT, key_type=request.param)


def test_chain_and_usages(generated) -> None:
    root_cert, ca, tsa = (generated.certificate(n) for n in ("root", "ca", "tsa"))
    assert ca.issuer == root_cert.subject
    assert tsa.issuer == root_cert.subject
    eku = tsa.extensions.get_extension_for_oid(ExtensionOID.EXTENDED_KEY_USAGE)
    assert eku.critical
    assert list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    ocsp = generated.certificate("ocsp")
    assert ocsp.issuer == ca.subject
    assert ocsp.extensions.get_extension_for_oid(ExtensionOID.OCSP_NO_CHECK)


def test_signer_certificates_point_at_loopback_services(generated) -> None:
    cert = x509.load_pem_x509_certificate(generated.signer("staff").cert.read_bytes())
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature
    assert usage.content_commitment
    aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert [d.access_location.value for d in aia] == ["http://127.0.0.1:3161/ocsp"]
    crl_dp = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert crl_dp[0].full_name[0].value == "http://127.0.0.1:3161/crl/ca.crl"
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert 5 * 365 <= lifetime.days <= 5 * 365 + 2


def test_p12_opens_only_with_the_pin(generated) -> None:
    entry = generated.signer("staff")
    signer = SimpleSigner.load_pkcs12(str(entry.p12), passphrase=DEFAULT_TEST_PIN.encode())
    assert signer is not None
    assert signer.signing_cert is not None
    # pyHanko logs the failure and returns None for a wrong passphrase.
    assert SimpleSigner.load_pkcs12(str(entry.p12), passphrase=b"WrongPin123") is None


def test_special_signers(generated) -> None:
    expired = x509.load_pem_x509_certificate(generated.signer("expired").cert.read_bytes())
    assert expired.not_valid_after_utc < AT
    revoked = x509.load_pem_x509_certificate(generated.signer("revoked").cert.read_bytes())
    assert [r.serial for r in generated.revocations] == [revoked.serial_number]
    untrusted = x509.load_pem_x509_certificate(generated.signer("untrusted").cert.read_bytes())
    assert untrusted.issuer != generated.certificate("ca").subject


def test_unknown_signer_names_the_known_ones(generated) -> None:
    with pytest.raises(PkiError, match="known: .*staff"):
        generated.signer("nobody")


def test_load_rejects_a_folder_without_manifest(tmp_path: Path) -> None:
    with pytest.raises(PkiError, match="no pki.json"):
        load_pki(tmp_path)


def test_cli_init_writes_a_loadable_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(root, ["pki", "init", str(tmp_path / "pki"), "--key-type", "ec"])
    assert result.exit_code == 0, result.output
    assert load_pki(tmp_path / "pki").signer("staff").p12.is_file()


def test_cli_init_json_names_the_signers(tmp_path: Path) -> None:
    result = CliRunner().invoke(root, ["pki", "init", str(tmp_path / "pki"), "--key-type", "ec",
                                       "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["directory"] == str(tmp_path / "pki")
    assert report["signers"] == sorted(load_pki(tmp_path / "pki").signers)
    assert "staff" in report["signers"]


def test_cli_init_into_an_unwritable_place_is_a_write_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")
    result = CliRunner().invoke(root, ["pki", "init", str(blocker / "pki")])
    assert result.exit_code == 11
    assert f"error: {blocker / 'pki'}" in result.stderr
    assert "cannot write the PKI folder: Not a directory" in result.stderr


def test_generate_into_an_unwritable_place_raises_pki_write_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    with pytest.raises(PkiWriteError, match="cannot write the PKI folder"):
        generate_pki(blocker / "pki", at=AT)
