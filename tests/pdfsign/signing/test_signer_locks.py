"""The signing PIN's lock (DOMAIN.md): consecutive wrong PINs lock a signer, a locked signer signs
nothing anywhere (exit code 6), an administrator unlocks it, and the lock holds across
processes — for a key on the SoftHSM2 token and for a PKCS#12 signer alike."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from softhsm_support import Hsm
from sqlalchemy import select

from pdfsign.cli import root
from pdfsign.config import Settings
from pdfsign.errors import SignerLockedError, WrongPinError, describe
from pdfsign.keys import lock_signer, open_signer, signer_status, unlock_signer
from pdfsign.registry import Registry
from pdfsign.registry.models import AuditRow
from pdfsign.signing import Level, resolve_signer, sign_pdf, signing_services

WRONG = "WrongPin2026"
FILE_PIN = "TestPin2026"  # the generated PKI's PKCS#12 signers (TEST KEYS ONLY)


def _attempt(settings: Settings, registry: Registry, signer: str, pin: str) -> None:
    """Open ``signer`` with ``pin`` and close it again (raises what opening raises)."""
    open_signer(settings, registry, pin=pin, actor="issuer01", at=dt.datetime.now(dt.UTC),
                signer=signer).close()


def _audit(registry: Registry) -> list[tuple[str, str]]:
    with registry.reading() as session:
        return [(row.action, row.detail) for row in session.scalars(
            select(AuditRow).order_by(AuditRow.seq))]


def _signers(hsm: Hsm) -> list[tuple[str, str]]:
    return [(hsm.uri("rsa"), hsm.pin), ("staff", FILE_PIN)]


@pytest.mark.parametrize("index", [0, 1], ids=["token", "pkcs12"])
def test_five_wrong_pins_lock_the_signer_and_then_the_right_pin_is_refused(
        hsm: Hsm, token_settings: Settings, token_registry: Registry, index: int) -> None:
    signer, pin = _signers(hsm)[index]
    for _ in range(4):
        with pytest.raises(WrongPinError, match="signing PIN is wrong"):
            _attempt(token_settings, token_registry, signer, WRONG)
    with pytest.raises(SignerLockedError, match="5回続けて誤った") as locked:
        _attempt(token_settings, token_registry, signer, WRONG)
    problem = describe(locked.value)
    assert problem is not None
    assert (problem.exit_code, problem.http_status, problem.reason) == (6, 423, "signer-locked")
    with pytest.raises(SignerLockedError, match="ロックされています"):
        _attempt(token_settings, token_registry, signer, pin)
    status = signer_status(token_registry, resolve_signer(signer, token_settings.pki_dir),
                           at=dt.datetime.now(dt.UTC))
    assert (status.locked, status.failures, status.locked_by) == (True, 5, "failures")
    actions = [action for action, _ in _audit(token_registry)]
    assert actions == ["signer-pin-failed"] * 5 + ["signer-locked", "signer-refused"]
    details = "".join(detail for _, detail in _audit(token_registry))
    assert WRONG not in details
    assert pin not in details  # the PIN is never audited


def test_a_locked_signer_exits_6_from_the_cli_and_writes_nothing(
        hsm: Hsm, token_settings: Settings, token_registry: Registry, tmp_path: Path,
        one_page_pdf: bytes) -> None:
    source, pin_file = _locked_rsa_key(hsm, token_settings, token_registry, tmp_path,
                                       one_page_pdf)
    out = tmp_path / "out.pdf"
    result = CliRunner().invoke(root, [
        "sign", str(source), "-o", str(out), "--level", "ES-T", "--signer", hsm.uri("rsa"),
        "--pin-file", str(pin_file)], env=_env(token_settings))
    assert result.exit_code == 6
    assert "is locked; ask an administrator to unlock it" in result.stderr
    assert not out.exists()


def _locked_rsa_key(hsm: Hsm, settings: Settings, registry: Registry, folder: Path,
                    pdf: bytes) -> tuple[Path, Path]:
    """Lock the token's RSA key (an administrator's lock); a PDF to sign and the PIN's file."""
    lock_signer(registry, hsm.uri("rsa"), pki_dir=settings.pki_dir, actor="admin01",
                at=dt.datetime.now(dt.UTC))
    source, pin_file = folder / "in.pdf", folder / "pin"
    source.write_bytes(pdf)
    pin_file.write_text(hsm.pin)
    return source, pin_file


def _env(settings: Settings) -> dict[str, str]:
    return {"PDFSIGN_HOME": str(settings.home), "PDFSIGN_PKI_DIR": str(settings.pki_dir),
            "PDFSIGN_PKCS11_MODULE": settings.pkcs11_module, "PDFSIGN_PIN": ""}


def test_a_right_pin_ends_a_run_of_wrong_ones(hsm: Hsm, token_settings: Settings,
                                              token_registry: Registry) -> None:
    for pin in [WRONG] * 4 + [hsm.pin] + [WRONG] * 4:
        try:
            _attempt(token_settings, token_registry, hsm.uri("ec"), pin)
        except WrongPinError:
            assert pin == WRONG
    status = signer_status(token_registry, resolve_signer(hsm.uri("ec")),
                           at=dt.datetime.now(dt.UTC))
    assert (status.locked, status.failures) == (False, 4)


def test_unlock_lets_the_signer_sign_again(hsm: Hsm, token_settings: Settings,
                                           token_registry: Registry,
                                           one_page_pdf: bytes) -> None:
    for _ in range(5):
        with pytest.raises((WrongPinError, SignerLockedError)):
            _attempt(token_settings, token_registry, hsm.uri("rsa"), WRONG)
    with pytest.raises(SignerLockedError):
        _attempt(token_settings, token_registry, hsm.uri("rsa"), hsm.pin)
    status = unlock_signer(token_registry, hsm.uri("rsa"), pki_dir=token_settings.pki_dir,
                           actor="admin01", at=dt.datetime.now(dt.UTC))
    assert (status.locked, status.failures) == (False, 0)
    services = signing_services(pki_dir=hsm.pki_dir, state_dir=None)
    with open_signer(token_settings, token_registry, pin=hsm.pin, actor="issuer01",
                     at=dt.datetime.now(dt.UTC), signer=hsm.uri("rsa")) as signer:
        signed = sign_pdf(one_page_pdf, signer=signer, level=Level.ES_A,
                          timestamper=services.timestamper,
                          validation_context_factory=services.validation_context,
                          at=dt.datetime.now(dt.UTC))
    assert signed.startswith(one_page_pdf)  # an incremental update of it
    unlocked = [detail for action, detail in _audit(token_registry) if action == "signer-unlocked"]
    assert len(unlocked) == 1
    assert '"was_locked_by": "failures"' in unlocked[0]


def test_the_keys_of_a_token_share_its_pin_and_its_lock(hsm: Hsm, token_settings: Settings,
                                                        token_registry: Registry) -> None:
    lock_signer(token_registry, hsm.uri("rsa"), pki_dir=token_settings.pki_dir, actor="admin01",
                at=dt.datetime.now(dt.UTC))
    with pytest.raises(SignerLockedError, match=f"pkcs11:token={hsm.token} "):
        _attempt(token_settings, token_registry, hsm.uri("ec"), hsm.pin)
    _attempt(token_settings, token_registry, "staff", FILE_PIN)  # its own PIN: not locked


def test_a_signer_locked_while_it_is_open_signs_no_more(
        hsm: Hsm, token_settings: Settings, token_registry: Registry, one_page_pdf: bytes) -> None:
    services = signing_services(pki_dir=hsm.pki_dir, state_dir=None)
    with open_signer(token_settings, token_registry, pin=hsm.pin, actor="issuer01",
                     at=dt.datetime.now(dt.UTC), signer=hsm.uri("rsa")) as signer:
        lock_signer(token_registry, "staff-ec", pki_dir=token_settings.pki_dir, actor="admin01",
                    at=dt.datetime.now(dt.UTC))  # another signer's lock changes nothing
        sign_pdf(one_page_pdf, signer=signer, level=Level.ES_T,
                 timestamper=services.timestamper,
                 validation_context_factory=services.validation_context,
                 at=dt.datetime.now(dt.UTC))
        lock_signer(token_registry, f"pkcs11:token={hsm.token}", pki_dir=token_settings.pki_dir,
                    actor="admin01", at=dt.datetime.now(dt.UTC))
        with pytest.raises(SignerLockedError):
            sign_pdf(one_page_pdf, signer=signer, level=Level.ES_T,
                     timestamper=services.timestamper,
                     validation_context_factory=services.validation_context,
                     at=dt.datetime.now(dt.UTC))


def test_two_processes_racing_on_a_locked_signer_neither_signs(
        hsm: Hsm, token_settings: Settings, token_registry: Registry, tmp_path: Path,
        one_page_pdf: bytes) -> None:
    source, pin_file = _locked_rsa_key(hsm, token_settings, token_registry, tmp_path,
                                       one_page_pdf)
    outputs = [tmp_path / f"out{n}.pdf" for n in (1, 2)]
    command = [sys.executable, "-c", "from pdfsign.cli import main; main()", "sign", str(source),
               "--level", "ES-A", "--signer", hsm.uri("rsa"), "--pin-file", str(pin_file),
               "-o"]
    env = {**os.environ, **_env(token_settings)}
    racing = [subprocess.Popen([*command, str(out)], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True) for out in outputs]
    results = [(process.wait(timeout=120), process.stderr.read() if process.stderr else "")
               for process in racing]
    assert [code for code, _ in results] == [6, 6], results
    assert all("is locked" in stderr for _, stderr in results)
    assert not any(out.exists() for out in outputs)
    refused = [action for action, _ in _audit(token_registry) if action == "signer-refused"]
    assert len(refused) == 2
