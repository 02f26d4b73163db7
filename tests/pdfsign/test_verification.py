"""pdfsign.verification: trust roots from ``--trust`` or the settings, the report in every format,
the body the web page embeds, the signed report; and ``pdfsign verify`` trusting config.toml."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner

from pdfsign.cli import root
from pdfsign.config import Settings
from pdfsign.errors import ConfigurationError, InputError
from pdfsign.render import render_report_body, render_report_html
from pdfsign.signing import Level, load_signer, sign_pdf, signing_services
from pdfsign.verification import (
    NO_TRUST_MESSAGE,
    configured_signer,
    render_run,
    sign_report,
    trust_from,
)
from tsa.pki import Pki
from verify import (
    SCHEMA_VERSION,
    TrustInputError,
    VerificationRun,
    load_trust_settings,
    verify_paths,
)
from verify import Level as VerifiedLevel

AT = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)


def _one_page() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    pdf.pages[0].Contents = pdf.make_stream(b"BT /F1 12 Tf 72 760 Td (Invoice 34,980 JPY) Tj ET")
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


@pytest.fixture(scope="module")
def signed(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An ES-A by 山田 太郎 (``staff``) and an unsigned PDF."""
    folder = tmp_path_factory.mktemp("verification")
    services = signing_services(pki_dir=pki.directory, state_dir=None)
    entry = pki.signer("staff")
    paths = {"ES_A": folder / "ES_A.pdf", "unsigned": folder / "unsigned.pdf"}
    paths["ES_A"].write_bytes(sign_pdf(
        _one_page(), signer=load_signer(entry.p12, entry.pin), level=Level.ES_A,
        timestamper=services.timestamper, validation_context_factory=services.validation_context,
        at=dt.datetime.now(dt.UTC), field_name="Signature1", reason="請求書", location=None))
    paths["unsigned"].write_bytes(_one_page())
    return paths


@pytest.fixture(scope="module")
def run(pki: Pki, signed: dict[str, Path]) -> VerificationRun:
    """Both files verified offline a minute from now (after the time-stamps exist)."""
    trust = load_trust_settings(trust=[pki.path("root.pem")], offline=True)
    return verify_paths([signed["ES_A"], signed["unsigned"]], settings=trust,
                        at=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1))


@pytest.fixture
def home(tmp_path: Path, pki: Pki) -> Path:
    """A home folder holding a copy of the test root as ``roots/root.pem``."""
    folder = tmp_path / "home"
    (folder / "roots").mkdir(parents=True)
    shutil.copy(pki.path("root.pem"), folder / "roots" / "root.pem")
    return folder


# trust_from


def test_the_trust_setting_is_used_without_trust_files(home: Path, pki: Pki) -> None:
    settings = Settings(home=home, trust=(str(home / "roots" / "root.pem"),))
    trust = trust_from(settings, offline=True)
    expected = load_trust_settings(trust=[pki.path("root.pem")]).roots
    assert [c.dump() for c in trust.roots] == [c.dump() for c in expected]
    assert trust.offline


def test_given_trust_files_replace_the_setting(home: Path, pki: Pki) -> None:
    """The setting names a missing file, and is never read: ``--trust`` wins outright."""
    settings = Settings(home=home, trust=("missing.pem",))
    trust = trust_from(settings, trust=(pki.path("root.pem"),))
    assert len(trust.roots) == 1


def test_relative_setting_paths_are_relative_to_the_home_folder(
        home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    trust = trust_from(Settings(home=home, trust=("roots/root.pem",)))
    assert len(trust.roots) == 1


def test_a_missing_file_in_the_setting_is_a_configuration_error_naming_it(home: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot read.*trust setting") as caught:
        trust_from(Settings(home=home, trust=("roots/root.pem", "roots/gone.pem")))
    assert caught.value.field == str(home / "roots" / "gone.pem")


def test_a_non_certificate_in_the_setting_is_a_configuration_error(home: Path) -> None:
    (home / "config.toml").write_text("not a certificate\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="not a certificate") as caught:
        trust_from(Settings(home=home, trust=("config.toml",)))
    assert caught.value.field == str(home / "config.toml")


def test_a_bad_given_file_stays_a_trust_input_error(home: Path, tmp_path: Path) -> None:
    """``--trust`` files are the caller's input, not the configuration (a usage error, exit 2)."""
    bad = tmp_path / "bad.pem"
    bad.write_bytes(b"junk")
    with pytest.raises(TrustInputError, match="not a certificate") as caught:
        trust_from(Settings(home=home), trust=(bad,))
    assert caught.value.field == str(bad)


def test_no_roots_at_all_is_an_error_saying_how_to_give_them(home: Path) -> None:
    with pytest.raises(ConfigurationError) as caught:
        trust_from(Settings(home=home))
    assert (caught.value.field, caught.value.message) == ("trust", NO_TRUST_MESSAGE)
    assert "--trust" in NO_TRUST_MESSAGE
    assert 'trust = ["ROOT.pem"] in config.toml' in NO_TRUST_MESSAGE


# render_run


def test_json_parses_and_carries_the_schema_version(run: VerificationRun) -> None:
    data = json.loads(render_run(run, "json", lang="ja", at=AT))
    assert data["schema_version"] == SCHEMA_VERSION
    assert [d["verdict"] for d in data["documents"]] == ["valid", "not-signed"]


@pytest.mark.parametrize(("lang", "verdicts"), [
    ("ja", ("有効 <span class=\"code\">[valid]</span>",
            "署名なし <span class=\"code\">[not-signed]</span>")),
    ("en", ("[valid]", "[not-signed]"))])
def test_html_is_the_standalone_page_with_the_verdicts(run: VerificationRun, lang: str,
                                                       verdicts: tuple[str, ...]) -> None:
    html = render_run(run, "html", lang=lang, at=AT).decode()  # type: ignore[arg-type]
    assert html.startswith("<!DOCTYPE html>")
    assert "<style>" in html
    for verdict in verdicts:
        assert verdict in html


@pytest.mark.parametrize(("fmt", "magic"), [
    ("junit", b"<?xml"), ("pdf", b"%PDF-"), ("text", "署名検証レポート".encode())])
def test_other_formats(run: VerificationRun, fmt: str, magic: bytes) -> None:
    assert render_run(run, fmt, lang="ja", at=AT).startswith(magic)


def test_the_pdf_is_the_same_for_the_same_run_and_time(run: VerificationRun) -> None:
    assert render_run(run, "pdf", lang="en", at=AT) == render_run(run, "pdf", lang="en", at=AT)


def test_an_unknown_format_is_refused(run: VerificationRun) -> None:
    with pytest.raises(InputError, match="unknown report format 'xml'") as caught:
        render_run(run, "xml", lang="ja", at=AT)
    assert caught.value.field == "format"


# render_report_body (the web page's fragment)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_body_is_the_page_without_head_or_styles(run: VerificationRun, lang: str) -> None:
    body = render_report_body(run, lang=lang)  # type: ignore[arg-type]
    page = render_report_html(run, created_at=AT, lang=lang)  # type: ignore[arg-type]
    for tag in ("<html", "<head", "<body", "<style", "<script", "<meta", "style="):
        assert tag not in body
    assert body.startswith("<h1>")
    assert body.rstrip().endswith("</footer>")
    assert page.split("<body>\n", 1)[1].split("\n</body>", 1)[0] == body


def test_the_body_escapes_values(pki: Pki, tmp_path: Path) -> None:
    """A file name is data: it never becomes markup on the web page either."""
    hostile = tmp_path / "<img src=x onerror=alert(1)>.pdf"
    hostile.write_bytes(b"not a pdf")
    bad = verify_paths([hostile], settings=load_trust_settings(
        trust=[pki.path("root.pem")], offline=True), at=AT)
    body = render_report_body(bad, lang="en")
    assert "<img" not in body
    assert "&lt;img src=x onerror=alert(1)&gt;.pdf" in body


# configured_signer and sign_report (the web's signed report)


def test_configured_signer_needs_a_pin(home: Path, pki: Pki) -> None:
    with pytest.raises(ConfigurationError, match="PDFSIGN_PIN") as caught:
        configured_signer(Settings(home=home, pki_dir=pki.directory, signer="staff"))
    assert caught.value.field == "pin"


def test_signed_report_verifies_at_es_t(run: VerificationRun, home: Path, pki: Pki,
                                        pki_url_server: str) -> None:
    settings = Settings(home=home, pki_dir=pki.directory, signer="staff",
                        pin=pki.signer("staff").pin)
    report = render_run(run, "pdf", lang="ja", at=AT)
    data = sign_report(report, settings, signer=configured_signer(settings),
                       at=dt.datetime.now(dt.UTC))
    path = home / "report.pdf"
    path.write_bytes(data)
    checked = verify_paths([path], settings=trust_from(settings, trust=(pki.path("root.pem"),)),
                           at=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1))
    assert checked.ok
    assert checked.documents[0].level is VerifiedLevel.B_T


# pdfsign verify with trust in config.toml


def _write_config(home: Path, trust: str) -> None:
    (home / "config.toml").write_text(f"trust = [{trust}]\n", encoding="utf-8")


def test_cli_trusts_the_config_file_without_trust_option(home: Path,
                                                        signed: dict[str, Path]) -> None:
    _write_config(home, '"roots/root.pem"')
    result = CliRunner().invoke(root, ["verify", str(signed["ES_A"]), "--offline",
                                       "--home", str(home)])
    assert result.exit_code == 0, result.output
    assert "判定: 有効 [valid]" in result.output


def test_cli_reads_the_home_from_pdfsign_home(home: Path, signed: dict[str, Path]) -> None:
    _write_config(home, '"roots/root.pem"')
    result = CliRunner(env={"PDFSIGN_HOME": str(home)}).invoke(
        root, ["verify", str(signed["ES_A"]), "--offline", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["documents"][0]["verdict"] == "valid"


def test_cli_config_naming_a_missing_root_exits_7(home: Path, signed: dict[str, Path]) -> None:
    _write_config(home, '"roots/gone.pem"')
    result = CliRunner().invoke(root, ["verify", str(signed["ES_A"]), "--offline",
                                       "--home", str(home)])
    assert result.exit_code == 7, result.output
    assert str(home / "roots" / "gone.pem") in result.stderr
    assert "Traceback" not in result.output


def test_cli_without_any_trust_says_how_to_give_it(home: Path, signed: dict[str, Path]) -> None:
    result = CliRunner(env={"PDFSIGN_TRUST": None}).invoke(
        root, ["verify", str(signed["ES_A"]), "--home", str(home)])
    assert result.exit_code == 2
    assert re.sub(r"\s+", " ", result.output).count(NO_TRUST_MESSAGE) == 1
