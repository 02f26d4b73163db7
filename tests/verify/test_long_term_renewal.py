"""Renewal, checked with a clock: a file whose first TSA certificate ends at T1, renewed a
year before T1 with the TSA's successor, is valid at T1 + 5 years; the same file not renewed
is not.

The PKI is generated now (its TSA certificate ends at T1 = now + 20 years); the rollover and
the renewal run with services clocked at T1 − 1 year, and both validators judge at T1 + 5
years against an HTTP server clocked then (``pyhanko sign adesverify`` under ``faketime``).
The travel PKI's issuing CA ends with the root (``time_travel``): ``generate_pki``'s CA ends
at generation + 25 years, exactly T1 + 5 years, which would hide what this test is about.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
from time_travel import YEAR, adesverify, pdfsign_verify, serve, travel_pki
from verify_samples import base_pdf

from pdfsign.renewal import renew_pdf
from pdfsign.signing import Level, load_signer, sign_pdf, signing_services
from tsa import ShiftedClock
from tsa.pki import Pki, load_pki, rollover_tsa
from verify import DocumentReport, Verdict, load_trust_settings, verify_pdf


@dataclass(frozen=True)
class _Case:
    pki: Pki
    t1: dt.datetime
    issued: Path
    renewed: Path


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> _Case:
    folder = tmp_path_factory.mktemp("renewal-travel")
    pki = travel_pki(folder / "pki", at=dt.datetime.now(dt.UTC))
    t1 = pki.certificate("tsa").not_valid_after_utc
    services = signing_services(pki_dir=pki.directory, state_dir=None)
    entry = pki.signer("staff")
    issued = sign_pdf(base_pdf(), signer=load_signer(entry.p12, entry.pin), level=Level.ES_A,
                      timestamper=services.timestamper,
                      validation_context_factory=services.validation_context,
                      at=dt.datetime.now(dt.UTC))
    renew_at = t1 - YEAR
    rollover_tsa(pki.directory, at=renew_at)
    later = signing_services(pki_dir=pki.directory, state_dir=None,
                             clock=ShiftedClock(renew_at - dt.datetime.now(dt.UTC)))
    paths = folder / "issued.pdf", folder / "renewed.pdf"
    paths[0].write_bytes(issued)
    paths[1].write_bytes(renew_pdf(issued, services=later))
    return _Case(load_pki(pki.directory), t1, *paths)


def _judge(case: _Case, path: Path) -> tuple[DocumentReport, bool]:
    """Our verdict (online) and pyHanko's, at T1 + 5 years, services clocked then."""
    at = case.t1 + 5 * YEAR
    offset = at - dt.datetime.now(dt.UTC)
    with serve(case.pki, offset=offset):
        settings = load_trust_settings(trust=[case.pki.path("root.pem")])
        report = verify_pdf(path.read_bytes(), path=path.name, settings=settings, at=at)
        return report, adesverify(path, case.pki, offset=at - dt.datetime.now(dt.UTC))


def test_renewal_used_the_successor_tsa(case: _Case) -> None:
    report = verify_pdf(case.renewed.read_bytes(), path="renewed.pdf", at=case.t1 - YEAR,
                        settings=load_trust_settings(trust=[case.pki.path("root.pem")],
                                                     offline=True))
    doc_ts = [t for t in report.timestamps if t.kind == "document-timestamp"]
    assert len(doc_ts) == 2
    assert doc_ts[0].verifiable_until == case.t1
    assert doc_ts[1].verifiable_until is not None
    assert doc_ts[1].verifiable_until > case.t1 + 5 * YEAR


def test_not_renewed_is_not_valid_at_t1_plus_5_years(case: _Case) -> None:
    report, independent = _judge(case, case.issued)
    assert report.verdict is not Verdict.VALID
    assert "expired" in (report.reason or "")
    assert case.t1.date().isoformat() in (report.reason or "")  # when renewal was due
    assert not independent


def test_renewed_is_valid_at_t1_plus_5_years_for_pyhanko(case: _Case) -> None:
    _, independent = _judge(case, case.renewed)
    assert independent


def test_renewed_is_valid_b_lta_at_t1_plus_5_years_for_pdfsign(case: _Case) -> None:
    """``--at`` T1 + 5 years on today's clock (see verify/validation_clock.py) and, the
    machine's clock itself moved there, ``pdfsign verify`` under faketime: both valid."""
    report, _ = _judge(case, case.renewed)
    assert report.verdict is Verdict.VALID, report.reason
    assert report.signatures[0].level is not None
    assert report.signatures[0].level.value == "B-LTA"
    at = case.t1 + 5 * YEAR
    with serve(case.pki, offset=at - dt.datetime.now(dt.UTC)):
        later = pdfsign_verify(case.renewed, case.pki, offset=at - dt.datetime.now(dt.UTC))
    assert (later["verdict"], later["level"]) == ("valid", "B-LTA")
