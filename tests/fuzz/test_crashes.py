"""Every crash the fuzz suite found, replayed from its committed input (``crashes/<target>/``).

A new crash written by ``make fuzz`` under ``fuzz/crashes/`` is triaged, fixed, and its input
moved here, named for its class; these tests then keep it fixed.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from cryptography.x509 import ocsp

from pdfsign.batch import read_rows
from pdfsign.config import Settings
from pdfsign.documents import load_data
from pdfsign.errors import ConfigurationError, InputError
from tsa.authority import TimeStampAuthority, TimeStampResponse
from tsa.pki import Pki
from tsa.serials import MemorySerials
from tsa.services import PkiServices
from verify import TrustSettings, Verdict, load_trust_settings, verify_pdf
from verify.document import INTERNAL_ERROR

CRASHES = Path(__file__).parent / "crashes"
AT = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)


def _inputs(target: str) -> list[Path]:
    found = sorted((CRASHES / target).iterdir())
    assert found, f"no committed crash inputs under {CRASHES / target}"
    return found


@pytest.mark.parametrize("path", _inputs("tsa"), ids=lambda p: p.stem)
def test_tsa_crash_inputs_are_rejections(pki: Pki, path: Path) -> None:
    """RFC 3161 §2.4.2: a rejection with badAlg or badDataFormat, never an exception."""
    authority = TimeStampAuthority.from_pki(pki, serials=MemorySerials())
    status = TimeStampResponse.load(authority.respond(path.read_bytes(), at=AT))["status"]
    assert status["status"].native == "rejection"
    assert status["fail_info"].native in ({"bad_alg"}, {"bad_data_format"})


@pytest.fixture(scope="module")
def offline_trust(pki: Pki) -> TrustSettings:
    return load_trust_settings(trust=[pki.path("root.pem")], offline=True)


@pytest.mark.parametrize("path", _inputs("verify"), ids=lambda p: p.stem)
def test_verify_crash_inputs_are_malformed(offline_trust: TrustSettings, path: Path) -> None:
    """zlib errors, unknown filters, pyHanko's asserts: ``malformed`` with the reason."""
    report = verify_pdf(path.read_bytes(), path=str(path), settings=offline_trust, at=AT)
    assert report.verdict is Verdict.MALFORMED
    assert report.problem is not None
    assert report.problem.reason.startswith("cannot parse the PDF: ")
    assert INTERNAL_ERROR not in report.problem.reason


_DATA = CRASHES / "data"


@pytest.mark.parametrize(("name", "message"), [
    ("deep-nesting.json", "invalid JSON: nested too deeply"),
    ("huge-integer.json", "invalid JSON: a number has more than 4300 digits"),
])
def test_data_file_crash_inputs_are_input_errors(name: str, message: str) -> None:
    """``load_data`` raised RecursionError / ValueError before; now one InputError."""
    with pytest.raises(InputError, match=message) as caught:
        load_data(_DATA / name)
    assert caught.value.field == str(_DATA / name)


@pytest.mark.parametrize(("name", "line", "message"), [
    ("header-conflict.csv", 2, "column 'bank.code': 'bank' is also a column of its own"),
    ("lone-surrogate.jsonl", 1, r"unpaired surrogate \(\\udd50\)"),
    ("empty-header-part.csv", 2, r"column '\.phone': an empty name"),
])
def test_batch_crash_inputs_fail_their_row(name: str, line: int, message: str) -> None:
    """A CSV header clash (AttributeError before) or a lone surrogate (UnicodeEncodeError
    in the idempotency digest before) fails its row, naming it; the batch goes on."""
    (row,) = [r for r in read_rows(_DATA / name) if r.error is not None]
    assert row.line == line
    assert re.search(message, row.error or "")


def test_batch_file_not_utf8_names_the_line() -> None:
    with pytest.raises(InputError, match=r"line 2: not UTF-8 text \(.* at byte 34\)"):
        read_rows(_DATA / "not-utf8.jsonl")


@pytest.mark.parametrize(("name", "message"), [
    ("not-utf8.toml", r"not UTF-8 text \(.* at byte 12\)"),
    ("huge-integer.toml", "Exceeds the limit"),
    ("deep-nesting.toml", "nested too deeply"),
])
def test_config_crash_inputs_are_configuration_errors(tmp_path: Path, name: str,
                                                     message: str) -> None:
    """``config.toml`` raised UnicodeDecodeError / ValueError / RecursionError before."""
    (tmp_path / "config.toml").write_bytes((_DATA / name).read_bytes())
    with pytest.raises(ConfigurationError, match=message) as caught:
        Settings.load(home=tmp_path, env={})
    assert caught.value.field == str(tmp_path / "config.toml")


@pytest.mark.parametrize("path", _inputs("ocsp"), ids=lambda p: p.stem)
def test_ocsp_crash_inputs_are_malformed_requests(pki_services: PkiServices, path: Path) -> None:
    """RFC 6960 §2.3 malformedRequest (a negative serial raised ValueError before)."""
    response = ocsp.load_der_ocsp_response(pki_services.ocsp_responder.respond(
        path.read_bytes(), at=AT))
    assert response.response_status is ocsp.OCSPResponseStatus.MALFORMED_REQUEST
