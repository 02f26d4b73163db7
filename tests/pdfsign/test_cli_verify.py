"""``pdfsign verify``: exit codes 0/1/2, formats, output file, language, --require, --at."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import socket
import subprocess
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner, Result

from pdfsign.cli import root
from pdfsign.signing import Level, load_signer, sign_pdf, signing_services
from tsa.pki import Pki, generate_pki
from verify.batch import POOL_MIN_FILES


def _one_page() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    pdf.pages[0].Contents = pdf.make_stream(b"BT /F1 12 Tf 72 760 Td (Invoice 34,980 JPY) Tj ET")
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


@pytest.fixture(scope="module")
def files(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """ES-T, ES-A, a tampered ES-A, an unsigned PDF and a text file, in one folder."""
    folder = tmp_path_factory.mktemp("cli-verify")
    services = signing_services(pki_dir=pki.directory, state_dir=None)
    entry = pki.signer("staff")
    signer = load_signer(entry.p12, entry.pin)
    at = dt.datetime.now(dt.UTC)
    data = {level.name: sign_pdf(_one_page(), signer=signer, level=level,
                                 timestamper=services.timestamper,
                                 validation_context_factory=services.validation_context,
                                 at=at, field_name="Signature1", reason="請求書", location=None)
            for level in (Level.ES_T, Level.ES_A)}
    data["tampered"] = data["ES_A"].replace(b"34,980", b"99,980", 1)
    data["unsigned"] = _one_page()
    data["text"] = b"just text\n"
    paths = {}
    for name, content in data.items():
        paths[name] = folder / f"{name}.pdf"
        paths[name].write_bytes(content)
    return paths


@pytest.fixture
def verify_cli(pki: Pki) -> object:
    root_pem = str(pki.path("root.pem"))

    def run(*args: str | Path, trust: bool = True) -> tuple[int, str]:
        extra = ["--trust", root_pem] if trust else []
        result = CliRunner().invoke(root, ["verify", *map(str, args), *extra])
        return result.exit_code, result.output
    return run


def test_valid_es_a_offline_exits_0(verify_cli, files) -> None:  # type: ignore[no-untyped-def]
    code, out = verify_cli(files["ES_A"], "--offline")
    assert code == 0, out
    assert "判定: 有効 [valid]" in out
    assert "B-LTA" in out


def test_es_t_fetches_revocation_data(verify_cli, files, pki_url_server) -> None:  # type: ignore[no-untyped-def]
    code, out = verify_cli(files["ES_T"], "--lang", "en")
    assert code == 0, out
    assert "Level: B-T" in out
    assert "fetched" in out


@pytest.mark.parametrize("name", ["tampered", "unsigned", "text"])
def test_any_bad_file_exits_1(verify_cli, files, name: str) -> None:  # type: ignore[no-untyped-def]
    code, out = verify_cli(files["ES_A"], files[name], "--offline", "--format", "json")
    assert code == 1
    documents = json.loads(out)["documents"]
    assert [d["verdict"] for d in documents] == [
        "valid", {"tampered": "invalid-integrity", "unsigned": "not-signed",
                  "text": "malformed"}[name]]


def test_require_es_a(verify_cli, files, pki_url_server) -> None:  # type: ignore[no-untyped-def]
    assert verify_cli(files["ES_T"], "--require", "ES-A")[0] == 1
    assert verify_cli(files["ES_A"], "--require", "ES-A", "--offline")[0] == 0
    assert verify_cli(files["ES_T"], "--require", "ES-T")[0] == 0


@pytest.mark.parametrize("args", [
    ("missing.pdf",), ("{ES_A}", "--at", "yesterday"), ("{ES_A}", "--at", "2030-01-01T00:00:00"),
    ("{ES_A}", "--trust", "{text}")])
def test_usage_errors_exit_2(verify_cli, files, args: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    resolved = [a.format(**{k: str(v) for k, v in files.items()}) for a in args]
    code, out = verify_cli(*resolved)
    assert code == 2, out
    assert "Traceback" not in out


def test_no_trust_is_a_usage_error(verify_cli, files) -> None:  # type: ignore[no-untyped-def]
    code, out = verify_cli(files["ES_A"], trust=False)
    assert code == 2
    assert "--trust" in out


def test_at_in_the_past_before_the_signature(verify_cli, files) -> None:  # type: ignore[no-untyped-def]
    """A validation time before the TSA certificate existed cannot be valid."""
    code, out = verify_cli(files["ES_A"], "--offline", "--at", "2020-01-01T00:00:00+09:00")
    assert code == 1, out


@pytest.mark.parametrize(("fmt", "magic"), [
    ("json", b"{"), ("junit", b"<?xml"), ("html", b"<!DOCTYPE html>"), ("pdf", b"%PDF-"),
    ("text", "署名検証レポート".encode())])
def test_formats_to_a_file(verify_cli, files, tmp_path: Path, fmt: str,  # type: ignore[no-untyped-def]
                           magic: bytes) -> None:
    out = tmp_path / f"report.{fmt}"
    code, printed = verify_cli(files["ES_A"], "--offline", "--format", fmt, "-o", out)
    assert code == 0, printed
    assert printed == ""
    assert out.read_bytes().startswith(magic)


def test_signed_pdf_report_verifies(verify_cli, files, pki: Pki, tmp_path: Path,  # type: ignore[no-untyped-def]
                                    pki_url_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PDFSIGN_HOME", str(tmp_path / "home"))
    pin_file = tmp_path / "pin"
    pin_file.write_text(pki.signer("staff").pin + "\n", encoding="utf-8")
    report = tmp_path / "report.pdf"
    code, out = verify_cli(files["ES_A"], "--offline", "--format", "pdf", "-o", report, "--sign",
                           "--signer", "staff", "--pin-file", pin_file)
    assert code == 0, out
    code, out = verify_cli(report, "--require", "ES-T", "--format", "json")
    assert code == 0, out
    assert json.loads(out)["documents"][0]["level"] == "B-T"
    text = _pdftotext(report)
    assert "有効[valid]" in text
    assert "山田太郎" in text
    assert _fonts(report) == ["pdfsign-Mincho"]


def _pdftotext(path: Path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                         text=True).stdout
    return re.sub(r"\s+", "", out)


def _fonts(path: Path) -> list[str]:
    """Embedded subset fonts (``pdffonts``), subset prefix dropped; fails on any other font."""
    lines = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True,
                           text=True).stdout.splitlines()[2:]
    names = []
    for line in lines:
        name, *_, emb, sub, _uni, _obj, _gen = line.split()
        assert (emb, sub) == ("yes", "yes"), line
        names.append(name.split("+", 1)[1])
    return names


def test_pdf_report_uses_the_vendored_font(verify_cli, files, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    report = tmp_path / "report.pdf"
    code, out = verify_cli(files["ES_A"], files["tampered"], "--offline", "--format", "pdf",
                           "-o", report)
    assert code == 1, out
    assert _fonts(report) == ["pdfsign-Mincho"]
    text = _pdftotext(report)
    for expected in ("署名検証レポート", "有効[valid]", "[invalid-integrity]", "山田太郎",
                     "ES_A.pdf", "tampered.pdf"):
        assert expected in text, expected


def test_html_report_is_standalone(verify_cli, files) -> None:  # type: ignore[no-untyped-def]
    code, out = verify_cli(files["ES_A"], "--offline", "--format", "html", "--lang", "en")
    assert code == 0, out
    assert out.startswith("<!DOCTYPE html>")
    assert "<style>" in out
    assert "Signature verification report" in out
    assert "山田 太郎" in out


def test_sign_needs_a_pdf_file(verify_cli, files) -> None:  # type: ignore[no-untyped-def]
    code, out = verify_cli(files["ES_A"], "--offline", "--sign")
    assert code == 2
    assert "--format pdf" in out


def _invoke(pki: Pki, *args: str | Path) -> Result:
    return CliRunner().invoke(root, ["verify", *map(str, args), "--trust",
                                     str(pki.path("root.pem")), "--offline"])


def test_text_is_streamed_as_the_same_report(files, pki: Pki, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Printed file by file, the text equals the report written in one piece."""
    at = dt.datetime.now(dt.UTC).isoformat()
    streamed = _invoke(pki, files["ES_A"], files["tampered"], "--at", at)
    _invoke(pki, files["ES_A"], files["tampered"], "--at", at, "-o", tmp_path / "r.txt")
    assert streamed.exit_code == 1
    assert streamed.stdout == (tmp_path / "r.txt").read_text(encoding="utf-8")
    assert streamed.stdout.index("ES_A.pdf") < streamed.stdout.index("tampered.pdf")


def test_progress_only_when_asked_or_on_a_terminal(files, pki: Pki, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for i in range(3):
        (tmp_path / f"{i}.pdf").write_bytes(files["ES_A"].read_bytes())
    asked = _invoke(pki, tmp_path, "--progress", "--format", "json")
    assert asked.exit_code == 0, asked.output
    assert "verified 3/3 files" in asked.stderr
    assert json.loads(asked.stdout)["documents"]  # stdout holds only the report
    assert "verified" not in _invoke(pki, tmp_path, "--format", "json").stderr
    assert "verified" not in _invoke(pki, tmp_path, "--no-progress").stderr


def test_jobs_spread_a_folder_over_workers(files, pki: Pki, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for i in range(2 * POOL_MIN_FILES):
        name = "tampered" if i % 5 == 3 else "ES_A"
        (tmp_path / f"{i:03d}.pdf").write_bytes(files[name].read_bytes())
    runs = [_invoke(pki, tmp_path, "--jobs", jobs, "--format", "json") for jobs in ("2", "1")]
    assert [r.exit_code for r in runs] == [1, 1]
    pooled, alone = ([(d["path"], d["verdict"]) for d in json.loads(r.stdout)["documents"]]
                     for r in runs)
    assert pooled == alone
    assert [v for _, v in pooled].count("invalid-integrity") == len(range(3, 2 * POOL_MIN_FILES,
                                                                           5))


@pytest.fixture(scope="module")
def unreachable(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Path], Path, str]:
    """ES-T and ES-A files of a fresh PKI whose CRL/OCSP URLs point at a port of 127.0.0.1
    nothing listens on (bound once for its number, then closed), its root and that URL:
    an auditor's machine that cannot reach the revocation services."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    folder = tmp_path_factory.mktemp("cli-unreachable")
    at = dt.datetime.now(dt.UTC)
    pki = generate_pki(folder / "pki", at=at, base_url=base_url)
    services = signing_services(pki_dir=pki.directory, state_dir=None)
    entry = pki.signer("staff")
    signer = load_signer(entry.p12, entry.pin)
    paths = {}
    for level in (Level.ES_T, Level.ES_A):
        paths[level.name] = folder / f"{level.name}.pdf"
        paths[level.name].write_bytes(sign_pdf(
            _one_page(), signer=signer, level=level, timestamper=services.timestamper,
            validation_context_factory=services.validation_context, at=at,
            field_name="Signature1", reason="保証書", location=None))
    return paths, pki.path("root.pem"), base_url


def test_es_a_is_valid_with_the_services_unreachable(
        unreachable: tuple[dict[str, Path], Path, str]) -> None:
    """Its DSS proves it: the same verdict as --offline, and the report says what failed."""
    paths, root_pem, base_url = unreachable
    result = CliRunner().invoke(root, ["verify", str(paths["ES_A"]), "--trust", str(root_pem),
                                       "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Verdict: valid [valid]" in result.output
    assert "Level: B-LTA" in result.output
    assert f"revocation services unreachable: {base_url}/" in result.output
    assert "(connection refused)" in result.output


def test_es_t_with_the_services_unreachable_is_try_later(
        unreachable: tuple[dict[str, Path], Path, str]) -> None:
    paths, root_pem, base_url = unreachable
    result = CliRunner().invoke(root, ["verify", str(paths["ES_T"]), "--trust", str(root_pem),
                                       "--format", "json"])
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)["documents"][0]
    assert (document["verdict"], document["subindication"]) == ("indeterminate", "TRY_LATER")
    assert base_url in document["reason"]
    assert [u["reason"] for u in document["unreachable"]] == ["connection refused"] * len(
        document["unreachable"])
    assert document["unreachable"]
