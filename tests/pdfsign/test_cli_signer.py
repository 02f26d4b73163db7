"""pdfsign.cli._signer: the one signer and PIN lookup of sign, verify --sign and issuing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from pdfsign.cli._signer import open_signer, read_pin, signer_path, with_signer
from pdfsign.config import Settings
from pdfsign.errors import InputError, PermissionDenied
from tsa.pki import Pki


@pytest.fixture
def settings(pki: Pki, tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", pki_dir=pki.directory, signer="staff", pin="")


def test_a_bare_name_is_looked_up_in_the_pki_folder(tmp_path: Path) -> None:
    assert signer_path("staff-ec", tmp_path) == tmp_path / "signers" / "staff-ec.p12"


def test_a_file_is_taken_as_is(tmp_path: Path) -> None:
    assert signer_path("keys/other.pfx", tmp_path) == Path("keys/other.pfx")
    existing = tmp_path / "no-suffix"
    existing.write_bytes(b"")
    assert signer_path(str(existing), Path("/elsewhere")) == existing


def test_pin_file_keeps_everything_but_the_final_line_break(settings: Settings,
                                                            tmp_path: Path) -> None:
    pin_file = tmp_path / "pin"
    pin_file.write_text(" Test Pin2026 \r\n", encoding="utf-8")
    assert read_pin(pin_file, settings) == " Test Pin2026 "


def test_pin_from_settings_without_a_file(settings: Settings) -> None:
    assert read_pin(None, Settings(home=settings.home, pin="FromEnv2026")) == "FromEnv2026"


def test_unreadable_pin_file_names_the_option(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        read_pin(tmp_path / "missing", settings)
    assert caught.value.field == "pin-file"


def test_open_signer_by_name_and_by_file(settings: Settings, pki: Pki, tmp_path: Path) -> None:
    pin_file = tmp_path / "pin"
    pin_file.write_text(pki.signer("staff-ec").pin + "\n", encoding="utf-8")
    by_name = open_signer(settings, signer="staff-ec", pin_file=pin_file)
    by_file = open_signer(settings, signer=str(pki.signer("staff-ec").p12), pin_file=pin_file)
    assert by_name.signing_cert.subject == by_file.signing_cert.subject
    assert "佐藤 花子" in by_name.signing_cert.subject.human_friendly


def test_open_signer_defaults_to_the_configured_signer(settings: Settings, pki: Pki) -> None:
    configured = Settings(home=settings.home, pki_dir=pki.directory, signer="staff",
                          pin=pki.signer("staff").pin)
    signer = open_signer(configured, signer=None, pin_file=None)
    assert "山田 太郎" in signer.signing_cert.subject.human_friendly


def test_wrong_pin_is_denied(settings: Settings, tmp_path: Path) -> None:
    pin_file = tmp_path / "pin"
    pin_file.write_text("WrongPin2026\n", encoding="utf-8")
    with pytest.raises(PermissionDenied):
        open_signer(settings, signer="staff", pin_file=pin_file)


def test_with_signer_fills_name_and_pin_for_issuing(settings: Settings, tmp_path: Path) -> None:
    pin_file = tmp_path / "pin"
    pin_file.write_text("FilePin2026\n", encoding="utf-8")
    resolved = with_signer(settings, signer="representative", pin_file=pin_file)
    assert (resolved.signer, resolved.pin) == ("representative", "FilePin2026")
    assert with_signer(resolved, signer=None, pin_file=None) == resolved


def test_a_pin_file_of_dash_reads_the_first_line_of_standard_input(
        monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("FromStdin2026\nrest\n"))
    assert read_pin(Path("-"), settings) == "FromStdin2026"
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(InputError, match="no PIN on standard input"):
        read_pin(Path("-"), settings)
