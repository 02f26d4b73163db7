"""Fuzz ``verify_pdf`` with mutants of every signed sample.

Properties: a report for every mutant, never an exception and never the last-resort
internal-error report; and no mutant that changes a byte some signature's /ByteRange covers
is judged valid.  A mutant that changes only unsigned bytes (/Contents of an ES-T, a later
revision) may stay valid: those bytes are not what the signature vouches for.
"""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import SignedSample, budget
from hypothesis import given
from mutations import Tally, mutants, recording

from verify import TrustSettings, Verdict, verify_pdf
from verify.document import INTERNAL_ERROR

_NAMES = ["b-lt", "es-a", "es-t", "es-t-annotated", "xref-streams"]


@pytest.mark.parametrize("name", _NAMES)
def test_verify_pdf_never_raises(name: str, signed_samples: tuple[list[SignedSample], dt.datetime],
                                 sample_trust: TrustSettings) -> None:
    samples, signed_at = signed_samples
    (sample,) = [s for s in samples if s.name == name]
    at = signed_at + dt.timedelta(minutes=1)

    tally = Tally(f"verify-{name}")

    @budget("verify")
    @given(case=mutants([sample.data], max_edits=3, raw=False))
    def run(case: tuple[int, bytes]) -> None:
        _, mutant = case
        with recording(f"verify-{name}", mutant, suffix=".pdf"):
            report = verify_pdf(mutant, path=f"{name}-mutant.pdf", settings=sample_trust, at=at)
        assert report.problem is None or INTERNAL_ERROR not in report.problem.reason
        touched = sample.signed_bytes_changed(mutant)
        tally.add(f"signed bytes {'changed' if touched else 'intact'}: {report.verdict.value}")
        if touched:
            with recording(f"verify-valid-{name}", mutant, suffix=".pdf"):
                assert report.verdict is not Verdict.VALID

    run()
    tally.write()
