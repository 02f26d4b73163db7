"""Signed PDFs as other tools see them: ``pyhanko sign adesverify`` and poppler's ``pdfsig``.

Both run as real subprocesses and trust only ``fixtures/pki/root.pem``.  They
fetch revocation data from the certificates' URLs, so ``pki_url_server`` answers
on http://127.0.0.1:3161.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from pdfsign.signing import Level
from tsa.pki import Pki

SignFn = Callable[[Level, str, str], bytes]
LEVELS = [Level.ES_T, Level.ES_A]
SIGNERS = ["staff", "staff-ec"]


@pytest.fixture(scope="session")
def nss_db(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> str:
    """An NSS database trusting only the PKI's root, for ``pdfsig -nssdir``."""
    directory = tmp_path_factory.mktemp("nssdb")
    database = f"sql:{directory}"
    subprocess.run(["certutil", "-N", "-d", database, "--empty-password"], check=True)
    subprocess.run(["certutil", "-A", "-d", database, "-n", "pdfsign test root", "-t", "CT,C,C",
                    "-i", str(pki.path("root.pem"))], check=True)
    return database


def _write(tmp_path: Path, pdf: bytes) -> Path:
    path = tmp_path / "signed.pdf"
    path.write_bytes(pdf)
    return path


def _adesverify(path: Path, pki: Pki) -> subprocess.CompletedProcess[str]:
    pyhanko = Path(sys.executable).parent / "pyhanko"
    return subprocess.run(
        [str(pyhanko), "sign", "adesverify", "--trust", str(pki.path("root.pem")),
         "--trust-replace", "--executive-summary", str(path)],
        capture_output=True, text=True, timeout=120, check=False)


def _pdfsig(path: Path, nss_db: str) -> str:
    done = subprocess.run(["pdfsig", "-nssdir", nss_db, str(path)],
                          capture_output=True, text=True, timeout=60, check=False)
    return done.stdout


@pytest.mark.parametrize("signer", SIGNERS)
@pytest.mark.parametrize("level", LEVELS, ids=lambda level: level.value)
def test_pyhanko_adesverify_says_valid(signed_samples: SignFn, pki: Pki, pki_url_server: str,
                                       tmp_path: Path, level: Level, signer: str) -> None:
    done = _adesverify(_write(tmp_path, signed_samples(level, signer, "embedded")), pki)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().endswith(":VALID")


@pytest.mark.parametrize("signer", SIGNERS)
@pytest.mark.parametrize("level", LEVELS, ids=lambda level: level.value)
def test_pdfsig_says_valid_and_trusted(signed_samples: SignFn, nss_db: str, pki_url_server: str,
                                       tmp_path: Path, level: Level, signer: str) -> None:
    report = _pdfsig(_write(tmp_path, signed_samples(level, signer, "embedded")), nss_db)
    first = report.split("Signature #2")[0]
    assert "Signature Type: ETSI.CAdES.detached" in first
    assert "Signature Validation: Signature is Valid." in first
    assert "Certificate Validation: Certificate is Trusted." in first
    assert ("Signature #2" in report) is (level is Level.ES_A)  # the document time-stamp


def test_both_tools_notice_tampering(signed_samples: SignFn, pki: Pki, nss_db: str,
                                     pki_url_server: str, tmp_path: Path) -> None:
    pdf = signed_samples(Level.ES_A, "staff", "embedded")
    tampered = _write(tmp_path, pdf.replace(b"(pdfsign signing test)", b"(pdfsign signing TEST)"))
    assert _adesverify(tampered, pki).returncode != 0
    assert "Signature Validation: Signature is Valid." not in _pdfsig(tampered, nss_db)
