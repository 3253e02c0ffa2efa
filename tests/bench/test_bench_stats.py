"""Exact binomial statistics: Clopper-Pearson intervals, lower bounds, the zero-miss rule."""

from __future__ import annotations

import math

import pytest
from scipy.stats import binomtest

from detsig.bench.stats import clopper_pearson, lower_confidence_bound, zero_miss_sample_size


@pytest.mark.parametrize(
    ("k", "n"),
    [(0, 1), (1, 1), (0, 10), (10, 10), (5, 10), (57, 60), (1, 59), (58, 59), (59, 59), (150, 299)],
)
@pytest.mark.parametrize("confidence", [0.90, 0.95, 0.99])
def test_two_sided_interval_matches_scipy_exact(k: int, n: int, confidence: float) -> None:
    expected = binomtest(k, n).proportion_ci(confidence_level=confidence, method="exact")
    low, high = clopper_pearson(k, n, confidence)
    assert low == pytest.approx(expected.low, abs=1e-12)
    assert high == pytest.approx(expected.high, abs=1e-12)


def test_interval_edges_and_empty() -> None:
    assert clopper_pearson(0, 0) == (0.0, 1.0)
    assert clopper_pearson(0, 20)[0] == 0.0
    assert clopper_pearson(20, 20)[1] == 1.0
    # All found out of n: the two-sided lower limit is (alpha/2)^(1/n).
    assert clopper_pearson(20, 20)[0] == pytest.approx(0.025 ** (1 / 20))


@pytest.mark.parametrize(("k", "n"), [(-1, 3), (4, 3), (0, -1)])
def test_bad_counts_raise(k: int, n: int) -> None:
    with pytest.raises(ValueError, match="n_detected"):
        clopper_pearson(k, n)


def test_bad_confidence_raises() -> None:
    with pytest.raises(ValueError, match="confidence"):
        clopper_pearson(1, 2, confidence=1.0)


@pytest.mark.parametrize(("k", "n"), [(0, 5), (3, 10), (57, 60), (59, 59), (298, 299)])
def test_one_sided_lower_bound_is_the_one_sided_exact_limit(k: int, n: int) -> None:
    # The one-sided 95 % lower limit is the lower end of the two-sided 90 % interval,
    # and equals scipy's one-sided ("greater") exact interval.
    bound = lower_confidence_bound(k, n, 0.95)
    assert bound == pytest.approx(clopper_pearson(k, n, 0.90)[0], abs=1e-12)
    expected = binomtest(k, n, alternative="greater").proportion_ci(0.95, method="exact")
    assert bound == pytest.approx(expected.low, abs=1e-12)


@pytest.mark.parametrize(("pd_required", "n_expected"), [(0.90, 29), (0.95, 59), (0.99, 299)])
def test_zero_miss_table_is_reproduced(pd_required: float, n_expected: int) -> None:
    n = zero_miss_sample_size(pd_required, 0.95)
    assert n == n_expected
    # Found all n: the one-sided 95 % lower bound reaches the required Pd; with n-1 it does not.
    assert lower_confidence_bound(n, n, 0.95) >= pd_required
    assert lower_confidence_bound(n - 1, n - 1, 0.95) < pd_required
    # One miss among n is not enough.
    assert lower_confidence_bound(n - 1, n, 0.95) < pd_required


def test_zero_miss_from_scipy_search() -> None:
    # An independent search using scipy's exact one-sided interval.
    def smallest(pd_required: float) -> int:
        n = 1
        while True:
            ci = binomtest(n, n, alternative="greater").proportion_ci(0.95, method="exact")
            if ci.low >= pd_required:
                return n
            n += 1

    assert [smallest(p) for p in (0.90, 0.95, 0.99)] == [29, 59, 299]
    assert [zero_miss_sample_size(p) for p in (0.90, 0.95, 0.99)] == [29, 59, 299]


def test_zero_miss_bad_input() -> None:
    with pytest.raises(ValueError, match="pd_required"):
        zero_miss_sample_size(1.0)
    assert zero_miss_sample_size(0.5, 0.5) == 1
    assert math.isclose(lower_confidence_bound(0, 0), 0.0)
