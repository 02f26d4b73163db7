"""``pdfsign keys``, ``pdfsign signer`` and ``pdfsign pki certify`` on SoftHSM2: a token made and
filled from the command line, a key certified CSR-less and signing by its URI (given or
configured), a PKCS#12 signer moved onto a token, the PIN rule where a PIN is chosen, and an
administrator's lock, unlock, rename and list."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from io import BytesIO
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner, Result
from softhsm_support import Hsm

from pdfsign.cli import root
from pdfsign.errors import InputError
from pdfsign.keys import PIN_RULE, check_signing_pin
from pdfsign.signing.token_sessions import LOGINS

PIN, NEW_PIN, SO_PIN = "CliToken2026", "Changed2026X", "CliSoPin2026"
Invoke = Callable[..., Result]


@pytest.fixture(autouse=True)
def no_login_left_behind() -> Iterator[None]:
    yield
    assert LOGINS.held() == 0


@pytest.fixture
def files(tmp_path: Path, one_pdf: bytes) -> dict[str, Path]:
    """PIN files and an unsigned PDF."""
    made = {name: tmp_path / name for name in ("pin", "new", "so", "wrong", "p12pin", "in.pdf")}
    for name, text in (("pin", PIN), ("new", NEW_PIN), ("so", SO_PIN), ("wrong", "Wrong2026"),
                       ("p12pin", "TestPin2026")):
        made[name].write_text(text, encoding="utf-8")
    made["in.pdf"].write_bytes(one_pdf)
    return made


@pytest.fixture
def one_pdf() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = BytesIO()
    pdf.save(out)
    return out.getvalue()


@pytest.fixture
def invoke(hsm: Hsm, tmp_path: Path) -> Invoke:
    """``pdfsign`` in-process with a private home over the session token's PKI folder."""
    def run(*args: str) -> Result:
        return CliRunner().invoke(root, list(args), env={
            "PDFSIGN_HOME": str(tmp_path / "home"), "PDFSIGN_PKI_DIR": str(hsm.pki_dir),
            "PDFSIGN_PKCS11_MODULE": hsm.module, "PDFSIGN_PIN": "", "PDFSIGN_ACTOR": "admin01"})
    return run


def _new_token(invoke: Invoke, files: dict[str, Path], label: str) -> None:
    made = invoke("keys", "init-token", "--label", label, "--so-pin-file", str(files["so"]),
                  "--pin-file", str(files["pin"]), "--json")
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout)["token"] == label


def test_a_token_filled_certified_and_signing_from_the_command_line(
        invoke: Invoke, hsm: Hsm, files: dict[str, Path], tmp_path: Path) -> None:
    _new_token(invoke, files, "cli")
    for label, kind in (("clerk", "rsa"), ("clerk-ec", "ec")):
        done = invoke("keys", "generate", "--token", "cli", "--label", label, "--type", kind,
                      "--pin-file", str(files["pin"]), "--json")
        assert done.exit_code == 0, done.output
        assert json.loads(done.stdout)["signer"] == f"pkcs11:token=cli;object={label}"
    again = invoke("keys", "generate", "--token", "cli", "--label", "clerk",
                   "--pin-file", str(files["pin"]))
    assert (again.exit_code, "already has an object labelled 'clerk'" in again.stderr) == (5,
                                                                                        True)
    uri = "pkcs11:token=cli;object=clerk"
    unsigned = invoke("sign", str(files["in.pdf"]), "-o", str(tmp_path / "no.pdf"), "--level",
                      "ES-T", "--signer", uri, "--pin-file", str(files["pin"]))
    assert (unsigned.exit_code, "has no certificate on the token" in unsigned.stderr) == (3,
                                                                                       True)
    certified = invoke("pki", "certify", str(hsm.pki_dir), uri, "--name", "鈴木 一郎", "--json")
    assert certified.exit_code == 0, certified.output
    assert "CN=鈴木 一郎" in json.loads(certified.stdout)["subject"]
    listed = json.loads(invoke("keys", "list", "--json").stdout)
    keys = {key["uri"]: key for token in listed if token["token"] == "cli"
            for key in token["keys"]}
    assert "CN=鈴木 一郎" in keys[uri]["certificate_subject"]
    assert keys["pkcs11:token=cli;object=clerk-ec"]["certificate_subject"] is None

    out = tmp_path / "signed.pdf"
    signed = invoke("sign", str(files["in.pdf"]), "-o", str(out), "--level", "ES-A",
                    "--signer", uri, "--pin-file", str(files["pin"]))
    assert signed.exit_code == 0, signed.output
    assert out.stat().st_size > 10_000
    home = tmp_path / "home"
    (home / "config.toml").write_text(f'signer = "{uri}"\n', encoding="utf-8")
    configured = invoke("sign", str(files["in.pdf"]), "-o", str(tmp_path / "c.pdf"), "--level",
                        "ES-T", "--pin-file", str(files["pin"]))
    assert configured.exit_code == 0, configured.output
    signers = {s["signer"]: s for s in json.loads(invoke("signer", "list", "--json").stdout)}
    assert signers[uri]["registered_name"]["common_name"] == "鈴木 一郎"
    assert signers[uri]["pin_scope"] == "pkcs11:token=cli"


def test_a_pkcs12_signer_moved_onto_a_token_signs_from_it(
        invoke: Invoke, hsm: Hsm, files: dict[str, Path], tmp_path: Path) -> None:
    _new_token(invoke, files, "migration")
    p12 = tmp_path / "old-signer.p12"
    shutil.copy(hsm.pki_dir / "signers" / "staff-ec.p12", p12)
    moved = invoke("keys", "import", str(p12), "--token", "migration", "--p12-pin-file",
                   str(files["p12pin"]), "--pin-file", str(files["pin"]), "--json")
    assert moved.exit_code == 0, moved.output
    uri = json.loads(moved.stdout)["signer"]
    assert uri == "pkcs11:token=migration;object=old-signer"
    out = tmp_path / "signed.pdf"
    signed = invoke("sign", str(files["in.pdf"]), "-o", str(out), "--level", "ES-T",
                    "--signer", uri, "--pin-file", str(files["pin"]))
    assert signed.exit_code == 0, signed.output
    listed = json.loads(invoke("keys", "list", "--json").stdout)
    (token,) = [t for t in listed if t["token"] == "migration"]
    assert [k["certificate_subject"] for k in token["keys"]] == [
        "CN=佐藤 花子,OU=保証課,O=pdfsign テスト信用保証協会,C=JP"]
    wrong = invoke("keys", "import", str(p12), "--token", "migration", "--label", "again",
                   "--p12-pin-file", str(files["wrong"]), "--pin-file", str(files["pin"]))
    assert (wrong.exit_code, "signing PIN is wrong" in wrong.stderr) == (6, True)


def test_the_pin_rule_holds_where_a_pin_is_chosen(invoke: Invoke, files: dict[str, Path],
                                                  tmp_path: Path) -> None:
    weak = tmp_path / "weak"
    weak.write_text("alllower2026", encoding="utf-8")
    refused = invoke("keys", "init-token", "--label", "weak", "--so-pin-file",
                     str(files["so"]), "--pin-file", str(weak))
    assert (refused.exit_code, PIN_RULE in refused.stderr) == (3, True)
    _new_token(invoke, files, "pins")
    invoke("keys", "generate", "--token", "pins", "--label", "k", "--pin-file",
           str(files["pin"]))
    token = "pkcs11:token=pins"
    kept = invoke("keys", "set-pin", token, "--pin-file", str(files["pin"]),
                  "--new-pin-file", str(weak))
    assert (kept.exit_code, PIN_RULE in kept.stderr) == (3, True)
    changed = invoke("keys", "set-pin", token, "--pin-file", str(files["pin"]),
                     "--new-pin-file", str(files["new"]))
    assert changed.exit_code == 0, changed.output
    old = invoke("keys", "generate", "--token", "pins", "--label", "k2", "--pin-file",
                 str(files["pin"]))
    assert old.exit_code == 6
    new = invoke("keys", "generate", "--token", "pins", "--label", "k2", "--pin-file",
                 str(files["new"]))
    assert new.exit_code == 0, new.output
    audit = invoke("audit", "list", "--action", "signer-pin-changed").stdout
    assert "signer-pin-changed" in audit
    assert NEW_PIN not in audit


def test_a_pkcs12_signers_pin_is_changed_in_its_file(invoke: Invoke, hsm: Hsm,
                                                    files: dict[str, Path],
                                                    tmp_path: Path) -> None:
    p12 = tmp_path / "mine.p12"
    shutil.copy(hsm.pki_dir / "signers" / "staff.p12", p12)
    changed = invoke("keys", "set-pin", str(p12), "--pin-file", str(files["p12pin"]),
                     "--new-pin-file", str(files["new"]))
    assert changed.exit_code == 0, changed.output
    for pin, code in (("p12pin", 6), ("new", 0)):
        done = invoke("sign", str(files["in.pdf"]), "-o", str(tmp_path / f"{pin}.pdf"),
                      "--level", "ES-T", "--signer", str(p12), "--pin-file", str(files[pin]))
        assert done.exit_code == code, done.output


def test_an_administrator_locks_unlocks_renames_and_lists(invoke: Invoke,
                                                          files: dict[str, Path],
                                                          tmp_path: Path) -> None:
    locked = invoke("signer", "lock", "staff", "--json")
    assert (locked.exit_code, json.loads(locked.stdout)["locked_by"]) == (0, "admin01")
    refused = invoke("sign", str(files["in.pdf"]), "-o", str(tmp_path / "o.pdf"), "--level",
                     "ES-T", "--signer", "staff", "--pin-file", str(files["p12pin"]))
    assert (refused.exit_code, "staff is locked" in refused.stderr) == (6, True)
    unlocked = invoke("signer", "unlock", "staff")
    assert unlocked.stdout.strip() == "unlocked staff"
    renamed = invoke("signer", "rename", "staff", "--name", "山田 太郎", "--organization",
                     "新協会")
    assert renamed.exit_code == 0, renamed.output
    mismatch = invoke("sign", str(files["in.pdf"]), "-o", str(tmp_path / "o.pdf"), "--level",
                      "ES-T", "--signer", "staff", "--pin-file", str(files["p12pin"]))
    assert (mismatch.exit_code, "registered as 山田 太郎 (新協会)" in mismatch.stderr) == (8, True)
    lines = invoke("signer", "list").stdout.splitlines()
    assert any(line.startswith("expired ") and "EXPIRED" in line for line in lines)
    assert any(line.startswith("staff  山田 太郎 (新協会)") for line in lines)
    nobody = invoke("signer", "lock", "")
    assert (nobody.exit_code, "name a signer" in nobody.stderr) == (3, True)


@pytest.mark.parametrize(("pin", "good"), [
    ("Abcdefgh", True), ("A" * 32, True), ("Abcdefg", False), ("A" * 33, False),
    ("abcdefgh1", False), ("ａＢｃｄｅｆｇｈ", False), ("Abcdefg\n", False),
])
def test_the_signing_pin_rule(pin: str, good: bool) -> None:
    """8 to 32 characters, at least one upper-case (A–Z) letter (DOMAIN.md)."""
    if good:
        assert check_signing_pin(pin) == pin
    else:
        with pytest.raises(InputError) as refused:
            check_signing_pin(pin)
        assert refused.value.field == "new_pin"
        assert pin not in refused.value.message
