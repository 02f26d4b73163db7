"""benchmarks.lta_ratio and benchmarks.verify_phases: the alternating timer, figure, phases."""

from __future__ import annotations

import cProfile
import pstats
from datetime import UTC, datetime
from pathlib import Path

import pytest

from benchmarks.lta_ratio import alternate, bare_lta_validation, measure_lta_ratio
from benchmarks.results import Results
from benchmarks.verify_phases import PHASES, _sample, phase_times
from benchmarks.workbench import Workbench
from verify import load_trust_settings, verify_pdf


def test_alternate_runs_the_two_in_turn() -> None:
    order: list[str] = []
    timed = alternate(lambda: order.append("a"), lambda: order.append("b"), repeats=4, warmup=1)
    assert order == ["a", "b"] * 5
    assert timed.first.count == timed.second.count == timed.first_cpu.count == 4


@pytest.fixture(scope="module")
def es_a(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return _sample(tmp_path_factory.mktemp("lta-ratio"))


def test_the_ratio_compares_two_valid_answers(es_a: bytes, tmp_path: Path) -> None:
    results = Results()
    measure_lta_ratio(Workbench(work=tmp_path), results, es_a, repeats=2,
                      at=datetime.now(UTC))
    ratio = results.get("verify_vs_pyhanko_lta_ratio")
    assert ratio == pytest.approx(results.get("verify_offline_alternating_ms")  # type: ignore[operator]
                                  / results.get("pyhanko_lta_ms"))
    assert results.get("verify_vs_pyhanko_lta_cpu_ratio") is not None


def test_the_baseline_fails_a_tampered_file(es_a: bytes, tmp_path: Path) -> None:
    """The baseline is a real validation: a flipped signed byte makes it fail."""
    settings = load_trust_settings(trust=[Workbench(work=tmp_path).root_pem], offline=True)
    at = datetime.now(UTC)
    assert bare_lta_validation(es_a, settings, at)
    cut = es_a.index(b"/Producer")
    tampered = es_a[:cut] + b"/Producex" + es_a[cut + 9:]
    assert not bare_lta_validation(tampered, settings, at)


def test_every_phase_is_found_in_a_profile_of_verify_pdf(es_a: bytes, tmp_path: Path) -> None:
    settings = load_trust_settings(trust=[Workbench(work=tmp_path).root_pem], offline=True)
    at = datetime.now(UTC)
    profile = cProfile.Profile()
    profile.enable()
    verify_pdf(es_a, path="es-a.pdf", settings=settings, at=at)
    profile.disable()
    phases = phase_times(pstats.Stats(profile), 1)
    assert set(phases) == set(PHASES)
    again = "time-stamps: ades_timestamp_validation, again in the B-LTA validation"
    assert not {name for name, ms in phases.items() if ms <= 0 and name != again}
    # verify.lta takes both time-stamps' validations instead of repeating them (issue 18)
    assert phases[again] == 0
    # /Contents is decoded by verify.contents; pyHanko's tokenizer reads only short strings
    assert phases["read: hex strings (/Contents tokenizer)"] < \
        phases["read: xref and trailer (PdfFileReader)"]
