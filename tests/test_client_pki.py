"""``pdfsign pki client-cert | client-crl | server-cert``: the TLS certificates of the mTLS
set-up, issued into a copy of the committed test PKI (whose other files stay as they are)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from pdfsign.cli import root
from tsa.client_certs import CLIENT_CA_NAME, issued_clients

ROOT = Path(__file__).resolve().parents[1]
USER = "14234500002"
PASSWORD = "Client-2026"


@pytest.fixture
def pki(tmp_path: Path) -> Path:
    """A copy of fixtures/pki."""
    folder = tmp_path / "pki"
    shutil.copytree(ROOT / "fixtures" / "pki", folder)
    return folder


@pytest.fixture
def password_file(tmp_path: Path) -> Path:
    path = tmp_path / "password.txt"
    path.write_text(PASSWORD + "\n")
    return path


def run(*args: str) -> Result:
    return CliRunner().invoke(root, list(args))


def issue(pki: Path, password_file: Path, out: Path, user: str = USER, *extra: str) -> Result:
    return run("pki", "client-cert", user, "--pki", str(pki), "--out", str(out),
               "--password-file", str(password_file), "--json", *extra)


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_fixtures_hold_a_client_ca_issued_by_the_root() -> None:
    ca = x509.load_pem_x509_certificate((ROOT / "fixtures/pki/clients/ca.pem").read_bytes())
    root_cert = x509.load_pem_x509_certificate((ROOT / "fixtures/pki/root.pem").read_bytes())
    ca.verify_directly_issued_by(root_cert)
    assert ca.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == CLIENT_CA_NAME
    constraints = ca.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert (constraints.ca, constraints.path_length) == (True, 0)


def test_a_client_certificate_as_pkcs12_and_pem(pki: Path, password_file: Path,
                                                 tmp_path: Path) -> None:
    before = _digests(pki)
    result = issue(pki, password_file, tmp_path / "bank.p12")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["user_id"] == USER
    key, cert, chain = pkcs12.load_key_and_certificates(
        (tmp_path / "bank.p12").read_bytes(), PASSWORD.encode())
    assert cert is not None
    assert key is not None
    ca = x509.load_pem_x509_certificate((pki / "clients/ca.pem").read_bytes())
    cert.verify_directly_issued_by(ca)
    assert chain == [ca]
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == USER
    assert f"{cert.serial_number:x}" == shown["serial"]
    usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert 365 <= (cert.not_valid_after_utc - cert.not_valid_before_utc).days <= 366
    pem = x509.load_pem_x509_certificates((tmp_path / "bank.pem").read_bytes())
    assert pem == [cert, ca]
    key_pem = (tmp_path / "bank.key.pem").read_bytes()
    assert b"ENCRYPTED PRIVATE KEY" in key_pem
    with pytest.raises(TypeError):
        serialization.load_pem_private_key(key_pem, None)
    assert serialization.load_pem_private_key(key_pem, PASSWORD.encode()).public_key() == \
        cert.public_key()
    assert {(tmp_path / n).stat().st_mode & 0o777 for n in ("bank.p12", "bank.key.pem")} == {0o600}
    after = _digests(pki)
    assert {k: v for k, v in after.items() if k in before} == before  # no other file changed
    assert set(after) - set(before) == {"clients/clients.json"}
    assert [c.serial for c in issued_clients(pki)] == [cert.serial_number]


def test_the_pkcs12_needs_its_password(pki: Path, password_file: Path, tmp_path: Path) -> None:
    assert issue(pki, password_file, tmp_path / "bank.p12").exit_code == 0
    with pytest.raises(ValueError, match="password"):
        pkcs12.load_key_and_certificates((tmp_path / "bank.p12").read_bytes(), b"Wrong-2026")


def test_openssl_reads_the_pkcs12(pki: Path, password_file: Path, tmp_path: Path) -> None:
    assert issue(pki, password_file, tmp_path / "bank.p12").exit_code == 0
    shown = subprocess.run(["openssl", "pkcs12", "-in", str(tmp_path / "bank.p12"), "-nokeys",
                            "-passin", f"file:{password_file}"],
                           capture_output=True, text=True, check=True)
    assert f"CN = {USER}" in shown.stdout or f"CN={USER}" in shown.stdout


def test_a_folder_without_a_client_ca_gets_one_on_the_first_certificate(
        pki: Path, password_file: Path, tmp_path: Path) -> None:
    shutil.rmtree(pki / "clients")
    assert issue(pki, password_file, tmp_path / "a.p12").exit_code == 0
    made = (pki / "clients/ca.pem").read_bytes()
    root_cert = x509.load_pem_x509_certificate((pki / "root.pem").read_bytes())
    x509.load_pem_x509_certificate(made).verify_directly_issued_by(root_cert)
    assert issue(pki, password_file, tmp_path / "b.p12", "14234500202").exit_code == 0
    assert (pki / "clients/ca.pem").read_bytes() == made  # made once


@pytest.mark.parametrize(("args", "code", "words"), [
    (["1423450000"], 3, "11桁"),
    ([USER, "--revoke", "--out", "x.p12"], 3, "--revoke takes no --out"),
    ([USER], 3, "issuing needs --out and --password-file"),
    ([USER, "--revoke", "--serial", "xyz"], 3, "hexadecimal"),
])
def test_contradictions_and_bad_input_fail(pki: Path, args: list[str], code: int,
                                           words: str) -> None:
    result = run("pki", "client-cert", *args, "--pki", str(pki))
    assert result.exit_code == code, result.output
    assert words in result.output


def test_a_short_password_or_a_wrong_suffix_is_refused(pki: Path, tmp_path: Path,
                                                       password_file: Path) -> None:
    short = tmp_path / "short.txt"
    short.write_text("abc\n")
    result = issue(pki, short, tmp_path / "bank.p12")
    assert result.exit_code == 7
    assert "at least 8 characters" in result.output
    result = issue(pki, password_file, tmp_path / "bank.pem")
    assert result.exit_code == 7
    assert "must end in .p12 or .pfx" in result.output


def _crls(path: Path) -> list[x509.CertificateRevocationList]:
    text = path.read_text()
    blocks = text.split("-----END X509 CRL-----")[:-1]
    return [x509.load_pem_x509_crl((b + "-----END X509 CRL-----\n").encode()) for b in blocks]


def test_a_revocation_is_listed_in_the_crl_nginx_loads(pki: Path, password_file: Path,
                                                       tmp_path: Path) -> None:
    assert issue(pki, password_file, tmp_path / "old.p12").exit_code == 0
    assert issue(pki, password_file, tmp_path / "new.p12").exit_code == 0
    old, new = (c.serial for c in issued_clients(pki))
    result = run("pki", "client-cert", USER, "--pki", str(pki), "--revoke", "--serial",
                 f"{old:x}", "--reason", "superseded", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["revoked"] == [f"{old:x}"]
    at = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)).replace(microsecond=0)
    result = run("pki", "client-crl", "--pki", str(pki), "--out", str(tmp_path / "crl.pem"),
                 "--days", "3", "--at", at.isoformat())
    assert result.exit_code == 0, result.output
    client_crl, root_crl = _crls(tmp_path / "crl.pem")
    ca = x509.load_pem_x509_certificate((pki / "clients/ca.pem").read_bytes())
    root_cert = x509.load_pem_x509_certificate((pki / "root.pem").read_bytes())
    assert client_crl.issuer == ca.subject
    assert client_crl.is_signature_valid(ca.public_key())  # type: ignore[arg-type]
    assert root_crl.is_signature_valid(root_cert.public_key())  # type: ignore[arg-type]
    entry = client_crl.get_revoked_certificate_by_serial_number(old)
    assert entry is not None
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == \
        x509.ReasonFlags.superseded
    assert client_crl.get_revoked_certificate_by_serial_number(new) is None
    assert client_crl.next_update_utc == at + dt.timedelta(days=3)
    again = run("pki", "client-cert", USER, "--pki", str(pki), "--revoke", "--serial", f"{old:x}")
    assert again.exit_code == 7
    assert "no client certificate to revoke" in again.output


def test_a_crl_for_a_time_before_the_revocation_does_not_list_it(
        pki: Path, password_file: Path, tmp_path: Path) -> None:
    assert issue(pki, password_file, tmp_path / "bank.p12").exit_code == 0
    assert run("pki", "client-cert", USER, "--pki", str(pki), "--revoke").exit_code == 0
    earlier = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat()
    result = run("pki", "client-crl", "--pki", str(pki), "--out", str(tmp_path / "crl.pem"),
                 "--at", earlier)
    assert result.exit_code == 0, result.output
    assert list(_crls(tmp_path / "crl.pem")[0]) == []


def test_a_server_certificate_for_loopback(pki: Path, tmp_path: Path) -> None:
    result = run("pki", "server-cert", "--pki", str(pki), "--out", str(tmp_path / "server.pem"))
    assert result.exit_code == 0, result.output
    cert = x509.load_pem_x509_certificate((tmp_path / "server.pem").read_bytes())
    cert.verify_directly_issued_by(
        x509.load_pem_x509_certificate((pki / "root.pem").read_bytes()))
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == \
        [ExtendedKeyUsageOID.SERVER_AUTH]
    assert (tmp_path / "server.key.pem").stat().st_mode & 0o777 == 0o600


def test_a_client_ca_of_another_root_is_refused(pki: Path, password_file: Path,
                                                tmp_path: Path) -> None:
    """After the folder's root was regenerated, its old client CA must not issue."""
    other = tmp_path / "other"
    shutil.copytree(pki, other)
    shutil.copy(pki / "signers" / "untrusted.pem", other / "root.pem")  # another issuer's cert
    result = issue(other, password_file, tmp_path / "bank.p12")
    assert result.exit_code == 7
    assert "not issued by this folder's root" in result.output
