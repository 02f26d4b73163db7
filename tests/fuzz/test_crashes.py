"""Every crash the fuzz suite found, replayed from its committed input (``crashes/<target>/``).

A new crash written by ``make fuzz`` under ``fuzz/crashes/`` is triaged, fixed, and its input
moved here, named for its class; these tests then keep it fixed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tsa.authority import TimeStampAuthority, TimeStampResponse
from tsa.pki import Pki
from tsa.serials import MemorySerials
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
