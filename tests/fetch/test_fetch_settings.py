"""The bulk download tool's settings file and client certificate: each broken case ends
as its one ERROR line and exit code before anything is downloaded.

No server is needed: the settings point at a loopback port nothing listens on, so a run
whose settings are fine ends with a connection error (exit 16) — which shows that the
settings (and the certificate) were accepted.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from conftest import fetch, free_port, write_settings
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from pdfsign.fetch import ExitCode

CERT_PASSWORD = "p12-Pass"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A tool folder with ``out/`` and ``log/``."""
    for name in ("out", "log"):
        (tmp_path / name).mkdir()
    return tmp_path


def _values(folder: Path, **overrides: Any) -> dict[str, Any]:
    values = {"service_url": f"http://127.0.0.1:{free_port()}", "user_id": "14234500001",
              "password": "Passw0rd2026", "output_dir": "out", "log_dir": str(folder / "log"),
              "retry_count": 0} | overrides
    return {k: v for k, v in values.items() if v is not None}


def _settings(folder: Path, **overrides: Any) -> Path:
    return write_settings(folder / "fetch.toml", _values(folder, **overrides))


def _logged(folder: Path) -> list[str]:
    """The log file's lines without timestamps."""
    [log] = (folder / "log").glob("pdfsign-fetch-*.log")
    return [line.split(" ", 2)[2] for line in log.read_text(encoding="utf-8").splitlines()]


def test_settings_that_are_fine_get_as_far_as_the_connection(folder: Path) -> None:
    outcome = fetch(_settings(folder))
    assert outcome.code == ExitCode.CONNECTION
    [line] = outcome.lines
    assert line.startswith("[ERROR] connection error: http://127.0.0.1:")
    assert list((folder / "out").iterdir()) == []


def test_a_missing_settings_file(tmp_path: Path) -> None:
    outcome = fetch(tmp_path / "absent.toml")
    assert (outcome.code, outcome.lines) == (
        ExitCode.SETTINGS_FILE, [f"[ERROR] settings file: not found: {tmp_path / 'absent.toml'}"])
    assert list(tmp_path.iterdir()) == []  # no log folder is known: standard error only


def test_a_settings_file_that_is_not_toml(folder: Path) -> None:
    config = folder / "fetch.toml"
    config.write_text('service_url = "http://127.0.0.1:1"\nretry_count 3\n', encoding="utf-8")
    outcome = fetch(config)
    assert outcome.code == ExitCode.SETTINGS_FILE
    [line] = outcome.lines
    assert line.startswith(f"[ERROR] settings file: not valid TOML: {config}: ")
    assert "line 2" in line


def test_a_byte_order_mark_and_quoted_numbers_are_accepted(folder: Path) -> None:
    """Windows Notepad writes a BOM; seed 002's ini file had every value as text."""
    config = _settings(folder, retry_count="0", connect_timeout="5")
    config.write_bytes(b"\xef\xbb\xbf" + config.read_bytes())
    assert fetch(config).code == ExitCode.CONNECTION


@pytest.mark.parametrize(("drop", "named"), [
    ("service_url", "service_url"), ("user_id", "user_id"), ("password", "password (or token)"),
    ("output_dir", "output_dir"), ("log_dir", "log_dir")])
def test_a_missing_required_key(folder: Path, drop: str, named: str) -> None:
    outcome = fetch(_settings(folder, **{drop: None}))
    assert (outcome.code, outcome.lines) == (ExitCode.MISSING_KEY,
                                             [f"[ERROR] missing required key: {named}"])
    if drop != "log_dir":  # the log folder is known: the error is in its file too
        assert _logged(folder) == outcome.lines


def test_an_empty_value_is_a_missing_key(folder: Path) -> None:
    outcome = fetch(_settings(folder, user_id="  "))
    assert outcome.lines == ["[ERROR] missing required key: user_id"]


@pytest.mark.parametrize(("key", "value", "rule"), [
    ("retry_count", "three", "a whole number from 0 to 100"),
    ("retry_count", 1.5, "a whole number from 0 to 100"),
    ("retry_count", -1, "a whole number from 0 to 100"),
    ("connect_timeout", 0, "a number of seconds from 0.001 to 600"),
    ("read_timeout", True, "a number of seconds from 0.001 to 600"),
    ("retry_wait", "3s", "a number of seconds from 0 to 3600"),
])
def test_a_bad_number(folder: Path, key: str, value: object, rule: str) -> None:
    outcome = fetch(_settings(folder, **{key: value}))
    assert (outcome.code, outcome.lines) == (ExitCode.BAD_NUMBER,
                                             [f"[ERROR] bad number: {key} = {value!r} ({rule})"])
    assert _logged(folder) == outcome.lines


@pytest.mark.parametrize(("key", "kind"), [("output_dir", "folder"), ("log_dir", "folder"),
                                           ("client_cert", "file"), ("ca_file", "file")])
def test_a_missing_file_or_folder(folder: Path, key: str, kind: str) -> None:
    outcome = fetch(_settings(folder, **{key: str(folder / "absent")}))
    assert (outcome.code, outcome.lines) == (
        ExitCode.MISSING_PATH, [f"[ERROR] file or folder not found: {key} = {folder / 'absent'}"])


@pytest.mark.parametrize(("overrides", "wording"), [
    ({"retry_cont": 3}, "unknown key: retry_cont (the keys are service_url, "),
    ({"user_id": 14234500001}, "user_id must be text in double quotes"),
    ({"token": "pst_x"}, "give password or token, not both"),
    ({"service_url": "ftp://127.0.0.1/"}, "service_url must be an http:// or https:// URL"),
    ({"proxy": "proxy.bank.example"}, "proxy must be host:port or http://host:port"),
    ({"client_cert_password": "x"}, "client_cert_password is set but client_cert is not"),
])
def test_a_malformed_key(folder: Path, overrides: dict[str, Any], wording: str) -> None:
    outcome = fetch(_settings(folder, **overrides))
    assert outcome.code == ExitCode.SETTINGS_FILE
    [line] = outcome.lines
    assert line.startswith(f"[ERROR] settings file: {wording}")


def test_a_proxy_port_that_is_no_number(folder: Path) -> None:
    outcome = fetch(_settings(folder, proxy="proxy.bank.example:80800"))
    assert outcome.lines == ["[ERROR] bad number: proxy = 'proxy.bank.example:80800' (the port "
                             "must be a number from 1 to 65535)"]


# -- client certificates -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def client_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A throw-away client certificate as PEM (key encrypted) and as PKCS#12, and junk."""
    folder = tmp_path_factory.mktemp("client-cert")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "14234500001")])
    start = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + dt.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    encryption = serialization.BestAvailableEncryption(CERT_PASSWORD.encode())
    files = {"pem": folder / "client.pem", "p12": folder / "client.p12",
             "junk.pem": folder / "junk.pem", "junk.p12": folder / "junk.p12",
             "cert-only.pem": folder / "cert-only.pem"}
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    files["pem"].write_bytes(cert_pem + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption))
    files["p12"].write_bytes(pkcs12.serialize_key_and_certificates(
        b"client", key, cert, None, encryption))
    files["junk.pem"].write_bytes(b"-----BEGIN CERTIFICATE-----\nnot base64\n")
    files["junk.p12"].write_bytes(b"\x00 this is no certificate at all")
    files["cert-only.pem"].write_bytes(cert_pem)
    return files


@pytest.mark.parametrize("kind", ["pem", "p12"])
def test_a_client_certificate_with_its_password_is_loaded(folder: Path, kind: str,
                                                          client_files: dict[str, Path]) -> None:
    outcome = fetch(_settings(folder, client_cert=str(client_files[kind]),
                              client_cert_password=CERT_PASSWORD))
    assert outcome.code == ExitCode.CONNECTION


@pytest.mark.parametrize(("kind", "password"), [("pem", "wrong"), ("pem", None),
                                                ("p12", "wrong"), ("p12", None)])
def test_a_bad_certificate_password(folder: Path, client_files: dict[str, Path], kind: str,
                                    password: str | None) -> None:
    outcome = fetch(_settings(folder, client_cert=str(client_files[kind]),
                              client_cert_password=password))
    assert (outcome.code, outcome.lines) == (
        ExitCode.CERTIFICATE_PASSWORD,
        [f"[ERROR] bad certificate password: client_cert = {client_files[kind]}"])


@pytest.mark.parametrize(("kind", "wording"), [
    ("junk.pem", "a PEM client certificate holds the certificate and its private key"),
    ("cert-only.pem", "a PEM client certificate holds the certificate and its private key"),
    ("junk.p12", "neither a PEM nor a PKCS#12 file")])
def test_a_bad_certificate_file(folder: Path, client_files: dict[str, Path], kind: str,
                                wording: str) -> None:
    outcome = fetch(_settings(folder, client_cert=str(client_files[kind]),
                              client_cert_password=CERT_PASSWORD))
    assert (outcome.code, outcome.lines) == (
        ExitCode.CERTIFICATE_FILE,
        [f"[ERROR] bad certificate file: {client_files[kind]}: {wording}"])
