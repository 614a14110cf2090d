"""Welch's t-test (scipy's, behind our checks and rescaling) against a hand computation and scipy on raw values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from seqgan.metrics.significance import welch_t_test


def test_hand_computed_case():
    # a = [1, 2, 3]: mean 2, var 1; b = [2, 4, 6, 8]: mean 5, var 20/3.
    # se^2 = 1/3 + 5/3 = 2 -> t = -3 / sqrt(2); df = 4 / ((1/3)^2 / 2 + (5/3)^2 / 3) = 4 / (1/18 + 25/27)
    result = welch_t_test([1, 2, 3], [2, 4, 6, 8])
    assert result.t == pytest.approx(-3 / math.sqrt(2), rel=1e-12)
    assert result.df == pytest.approx(4 / (1 / 18 + 25 / 27), rel=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_matches_scipy(seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(9.0, 0.8, size=int(rng.integers(5, 500)))
    b = rng.normal(8.8, 1.3, size=int(rng.integers(5, 500)))
    expected = stats.ttest_ind(a, b, equal_var=False)
    result = welch_t_test(a, b)
    assert result.t == pytest.approx(expected.statistic, rel=1e-10)
    assert result.p == pytest.approx(expected.pvalue, rel=1e-8, abs=1e-300)


def test_tiny_p_value_for_a_clear_difference():
    rng = np.random.default_rng(0)
    result = welch_t_test(rng.normal(9.04, 1.0, 10_000), rng.normal(8.74, 1.0, 10_000))
    assert result.p < 1e-6 and result.t > 0


@pytest.mark.parametrize(("a", "b"), [([1.0], [1.0, 2.0]), ([3.0, 3.0], [3.0, 3.0])])
def test_undefined_cases_are_errors(a, b):
    with pytest.raises(ValueError, match="welch_t_test"):
        welch_t_test(a, b)


def test_tiny_values_do_not_underflow():
    """Per-sequence BLEU of a bad model is ~1e-160: its squared standard errors, squared again, underflow to 0."""
    a = [7.0e-160, 7.5e-160, 6.8e-160, 7.2e-160]
    b = [2.0e-160, 2.4e-160, 2.1e-160]
    scaled = welch_t_test([x * 1e160 for x in a], [x * 1e160 for x in b])  # t and p are scale-free
    result = welch_t_test(a, b)
    assert result.t == pytest.approx(scaled.t, rel=1e-9) and result.p == pytest.approx(scaled.p, rel=1e-9)
    assert result.df == pytest.approx(scaled.df, rel=1e-9)
