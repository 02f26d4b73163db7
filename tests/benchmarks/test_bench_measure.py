"""benchmarks.measure: summaries, nearest-rank percentiles, timing calls, RSS from /proc."""

from __future__ import annotations

import pytest

from benchmarks.measure import Summary, percentile, rss_mb, time_calls


@pytest.mark.parametrize(("samples", "median"), [([3.0, 1.0, 2.0], 2.0),
                                                 ([4.0, 1.0, 3.0, 2.0], 2.5),
                                                 ([7.0], 7.0)])
def test_summary_is_median_min_max_and_count(samples: list[float], median: float) -> None:
    summary = Summary.of(samples)
    assert summary == Summary(median=median, minimum=min(samples), maximum=max(samples),
                              count=len(samples))


def test_summary_of_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="no samples"):
        Summary.of([])


@pytest.mark.parametrize(("fraction", "expected"), [(0.99, 99.0), (0.5, 50.0), (1.0, 100.0),
                                                    (0.001, 1.0)])
def test_percentile_is_an_observed_value_by_nearest_rank(fraction: float,
                                                         expected: float) -> None:
    samples = [float(x) for x in range(100, 0, -1)]
    assert percentile(samples, fraction) == expected


def test_p99_of_few_samples_is_the_maximum() -> None:
    assert percentile([5.0, 1.0, 9.0], 0.99) == 9.0


@pytest.mark.parametrize("fraction", [0.0, 1.5, -0.1])
def test_percentile_rejects_fractions_outside_0_1(fraction: float) -> None:
    with pytest.raises(ValueError, match="fraction"):
        percentile([1.0], fraction)


def test_time_calls_warms_up_then_measures_each_repeat() -> None:
    calls: list[int] = []

    def call() -> int:
        calls.append(len(calls))
        return len(calls)

    summary, last = time_calls(call, repeats=4, warmup=2)
    assert len(calls) == 6
    assert summary.count == 4
    assert last == 6
    assert 0 <= summary.minimum <= summary.median <= summary.maximum


def test_time_calls_needs_a_repeat() -> None:
    with pytest.raises(ValueError, match="repeats"):
        time_calls(lambda: None, repeats=0)


def test_rss_grows_when_memory_is_touched() -> None:
    before = rss_mb()
    block = bytearray(64 * 1024 * 1024)  # zero-filled: every page is touched
    after = rss_mb()
    assert len(block) == 64 * 1024 * 1024
    assert after - before > 32


def test_rss_of_a_missing_process_is_an_os_error() -> None:
    with pytest.raises(OSError):  # noqa: PT011 - FileNotFoundError, the kernel's answer
        rss_mb(2**22 + 12345)
