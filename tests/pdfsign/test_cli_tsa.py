"""``pdfsign tsa serve``: the real server process, and a bad PKI folder reported with exit 7."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import requests
from click.testing import CliRunner
from cryptography import x509

from pdfsign.cli import root
from tsa.pki import Pki

PDFSIGN = Path(sys.executable).with_name("pdfsign")


def test_serve_answers_until_stopped(pki: Pki, tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    process = subprocess.Popen(
        [str(PDFSIGN), "tsa", "serve", "--port", "0", "--pki", str(pki.directory),
         "--state-dir", str(state_dir)], stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        banner = process.stderr.readline()
        match = re.search(r"at (http://127\.0\.0\.1:\d+) \(state in ", banner)
        assert match, banner
        crl = requests.get(f"{match.group(1)}/crl/root.crl", timeout=10)
        assert x509.load_der_x509_crl(crl.content).is_signature_valid(
            pki.certificate("root").public_key())  # type: ignore[arg-type]
        assert (state_dir / "crl-root.state").read_text() == "2\n"
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stderr.close()  # type: ignore[union-attr]


def test_missing_pki_folder_is_a_configuration_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(root, ["tsa", "serve", "--pki", str(tmp_path / "nowhere")])
    assert result.exit_code == 7
    assert "not a PKI folder (no pki.json)" in result.output
    assert "Traceback" not in result.output
