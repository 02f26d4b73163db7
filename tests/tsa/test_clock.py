"""Time travel for the bundled services: ``--clock`` values and a server that answers then."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from cryptography import x509

from tsa import ShiftedClock, TsaError, parse_clock
from tsa.pki import Pki

NOW = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)
PDFSIGN = Path(sys.executable).with_name("pdfsign")


@pytest.mark.parametrize(("text", "then"), [
    ("+6y", dt.datetime(2032, 12, 1, 9, 30, tzinfo=dt.UTC)),
    ("-30d", dt.datetime(2026, 11, 1, 9, 30, tzinfo=dt.UTC)),
    ("+1y6d2h", dt.datetime(2027, 12, 7, 11, 30, tzinfo=dt.UTC)),
    ("2033-01-01T00:00:00Z", dt.datetime(2033, 1, 1, tzinfo=dt.UTC)),
    ("2033-01-01T09:00:00+09:00", dt.datetime(2033, 1, 1, tzinfo=dt.UTC)),
    ("2033-01-01", dt.datetime(2033, 1, 1, tzinfo=dt.UTC)),  # no zone: UTC
])
def test_clock_values(text: str, then: dt.datetime) -> None:
    assert NOW + parse_clock(text, now=NOW).offset == then


def test_years_are_calendar_years_even_from_29_february() -> None:
    leap = dt.datetime(2028, 2, 29, tzinfo=dt.UTC)
    assert leap + parse_clock("+1y", now=leap).offset == dt.datetime(2029, 2, 28, tzinfo=dt.UTC)


@pytest.mark.parametrize("text", ["tomorrow", "+6", "6y", "+y", "+6w", ""])
def test_bad_clock_names_the_option(text: str) -> None:
    with pytest.raises(TsaError, match=r"--clock: not an ISO 8601 time or an offset"):
        parse_clock(text, now=NOW)


def test_shifted_clock_keeps_ticking() -> None:
    clock = ShiftedClock(dt.timedelta(days=365))
    first, second = clock(), clock()
    assert second >= first > dt.datetime.now(dt.UTC) + dt.timedelta(days=364)


def test_serve_with_a_clock_answers_as_of_then(pki: Pki, tmp_path: Path) -> None:
    """``pdfsign tsa serve --clock +7y``: its CRLs are issued seven calendar years on."""
    process = subprocess.Popen(
        [str(PDFSIGN), "tsa", "serve", "--port", "0", "--pki", str(pki.directory),
         "--state-dir", str(tmp_path), "--clock", "+7y"], stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        banner = process.stderr.readline()
        match = re.search(r"at (http://127\.0\.0\.1:\d+) .*clock (\S+)\)", banner)
        assert match, banner
        crl = x509.load_der_x509_crl(
            requests.get(f"{match.group(1)}/crl/root.crl", timeout=10).content)
        today = dt.datetime.now(dt.UTC)
        assert crl.last_update_utc.date() in {today.replace(year=today.year + 7).date(),
                                              (today + dt.timedelta(days=1)).replace(
                                                  year=today.year + 7).date()}
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stderr.close()  # type: ignore[union-attr]


def test_serve_with_a_bad_clock_is_a_clear_error(pki: Pki) -> None:
    done = subprocess.run([str(PDFSIGN), "tsa", "serve", "--pki", str(pki.directory),
                           "--clock", "next week"], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 2, done.stderr  # a usage error, like any bad option
    assert "Invalid value for '--clock'" in done.stderr
    assert "not an ISO 8601 time or an offset like +6y or -30d: 'next week'" in done.stderr
    assert "Traceback" not in done.stderr
