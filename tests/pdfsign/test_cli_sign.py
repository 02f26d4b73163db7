"""``pdfsign sign``: options, PIN sources, exit codes, atomic output."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner, Result
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESPassed
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, CertRevTrustPolicy
from pyhanko_certvalidator.registry import SimpleTrustManager

from pdfsign.cli import root
from pdfsign.signing import load_trust_root
from tsa.pki import Pki

PIN = "TestPin2026"
Invoke = Callable[..., Result]


@pytest.fixture
def in_pdf(tmp_path: Path) -> Path:
    """A one-page unsigned PDF on disk."""
    path = tmp_path / "in.pdf"
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.save(path)
    return path


@pytest.fixture
def invoke(tmp_path: Path) -> Invoke:
    """Run ``pdfsign`` in-process with a private home and no PIN in the environment."""
    def run(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Result:
        environment = {"PDFSIGN_HOME": str(tmp_path / "home"), "PDFSIGN_PIN": None,
                       **(env or {})}
        return CliRunner().invoke(root, list(args), env=environment, input=input)
    return run


def _lta_ok(path: Path, pki: Pki) -> bool:
    """The file validates as PAdES B-LTA from its own DSS, trusting only root.pem."""
    root_cert = load_trust_root(pki.path("root.pem"))
    spec = SignatureValidationSpec(
        cert_validation_policy=CertValidationPolicySpec(
            trust_manager=SimpleTrustManager.build(trust_roots=[root_cert]),
            revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO)),
        revinfo_gathering_policy=RevocationInfoGatheringSpec(
            online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY))
    sig = PdfFileReader(BytesIO(path.read_bytes())).embedded_regular_signatures[0]
    result = asyncio.run(ades_lta_validation(sig, PdfSignatureValidationSpec(spec)))
    return result.ades_subindic is AdESPassed.OK


def test_signs_at_es_a_with_the_pin_file(invoke: Invoke, in_pdf: Path, tmp_path: Path,
                                          pki: Pki) -> None:
    pin_file = tmp_path / "pin"
    pin_file.write_text(PIN + "\n")
    out = tmp_path / "out.pdf"
    result = invoke("sign", str(in_pdf), "-o", str(out), "--level", "ES-A",
                    "--signer", str(pki.signers["staff"].p12), "--pin-file", str(pin_file),
                    "--pki", str(pki.directory), "--reason", "保証書の発行")
    assert result.exit_code == 0, result.output
    assert "ES-A (PAdES B-LTA)" in result.output
    assert _lta_ok(out, pki)
    assert not list(tmp_path.glob(".out.pdf.*"))  # no temporary file left behind


def test_pin_from_environment_and_signer_by_name(invoke: Invoke, in_pdf: Path,
                                                 tmp_path: Path) -> None:
    out = tmp_path / "out.pdf"
    result = invoke("sign", str(in_pdf), "-o", str(out), "--level", "es-t",
                    "--signer", "staff-ec", env={"PDFSIGN_PIN": PIN})
    assert result.exit_code == 0, result.output
    [sig] = PdfFileReader(BytesIO(out.read_bytes())).embedded_signatures
    assert "佐藤 花子" in sig.signer_cert.subject.human_friendly


def test_pin_prompt_is_hidden(invoke: Invoke, in_pdf: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.pdf"
    result = invoke("sign", str(in_pdf), "-o", str(out), "--level", "ES-T",
                    "--signer", "staff", input=PIN + "\n")
    assert result.exit_code == 0, result.output
    assert "Signing PIN" in result.output
    assert PIN not in result.output


@pytest.mark.parametrize("verbose", [[], ["--verbose"]], ids=["quiet", "verbose"])
def test_wrong_pin_exits_6_and_keeps_the_old_output(invoke: Invoke, in_pdf: Path,
                                                    tmp_path: Path, verbose: list[str]) -> None:
    out = tmp_path / "out.pdf"
    out.write_bytes(b"previous version")
    result = invoke(*verbose, "sign", str(in_pdf), "-o", str(out), "--level", "ES-A",
                    "--signer", "staff", env={"PDFSIGN_PIN": "WrongPin2026"})
    assert result.exit_code == 6
    assert "signing PIN is wrong" in result.output
    assert "WrongPin2026" not in result.output
    assert out.read_bytes() == b"previous version"


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--level", "ES-X"], 2, "unknown signature level"),
    (["--level", "ES-T", "--signer", "revoked"], 8, "revoked"),
    (["--level", "ES-T", "--signer", "/nonexistent/x.p12"], 3, "cannot read the signer file"),
])
def test_errors_exit_with_their_code(invoke: Invoke, in_pdf: Path, tmp_path: Path,
                                     args: list[str], code: int, message: str) -> None:
    out = tmp_path / "out.pdf"
    result = invoke("sign", str(in_pdf), "-o", str(out), *args, env={"PDFSIGN_PIN": PIN})
    assert result.exit_code == code, result.output
    assert message in result.output
    assert not out.exists()


def test_not_a_pdf_exits_3(invoke: Invoke, tmp_path: Path) -> None:
    text = tmp_path / "note.txt"
    text.write_text("hello")
    result = invoke("sign", str(text), "-o", str(tmp_path / "out.pdf"), "--level", "ES-T",
                    "--signer", "staff", env={"PDFSIGN_PIN": PIN})
    assert result.exit_code == 3
    assert "not a readable PDF" in result.output


def test_http_tsa(invoke: Invoke, in_pdf: Path, tmp_path: Path, pki: Pki,
                  tsa_server: str, pki_url_server: str) -> None:
    out = tmp_path / "out.pdf"
    result = invoke("sign", str(in_pdf), "-o", str(out), "--level", "ES-A", "--signer", "staff",
                    "--tsa-url", f"{tsa_server}/tsa", env={"PDFSIGN_PIN": PIN})
    assert result.exit_code == 0, result.output
    assert _lta_ok(out, pki)


def test_console_script_wrong_pin_exit_code(in_pdf: Path, tmp_path: Path) -> None:
    pdfsign = Path(sys.executable).parent / "pdfsign"
    done = subprocess.run(
        [str(pdfsign), "sign", str(in_pdf), "-o", str(tmp_path / "out.pdf"), "--level", "ES-T",
         "--signer", "staff"],
        env={"PATH": "/usr/bin:/bin", "PDFSIGN_HOME": str(tmp_path / "home"),
             "PDFSIGN_PIN": "WrongPin2026"},
        capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 6, done.stderr
    assert "signing PIN is wrong" in done.stderr
    assert "Traceback" not in done.stderr
