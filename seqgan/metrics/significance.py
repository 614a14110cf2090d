"""Welch's t-test on per-sequence metrics (paper Table 1: p-values of each baseline vs SeqGAN)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class TTest:
    t: float
    df: float
    p: float  # two-sided


def welch_t_test(a, b) -> TTest:
    """Two-sided Welch t-test of mean(a) == mean(b), unequal variances (scipy); ``a``, ``b`` are 1-D sequences.

    Undefined cases (fewer than 2 values in a group, both groups constant) are errors, not NaN."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if len(a) < 2 or len(b) < 2:
        raise ValueError(f"welch_t_test: need at least 2 values per group, got {len(a)} and {len(b)}")
    # t, df and p do not depend on the unit: rescale to O(1), or the variances of tiny values
    # (the BLEU of a bad model is ~1e-150) lose their digits in denormals or underflow to 0.
    scale = max(np.abs(a).max(), np.abs(b).max())
    if scale > 0:
        a, b = a / scale, b / scale
    if np.ptp(a) == 0 and np.ptp(b) == 0:
        raise ValueError("welch_t_test: both groups are constant; the test is undefined")
    result = stats.ttest_ind(a, b, equal_var=False)
    return TTest(float(result.statistic), float(result.df), float(result.pvalue))
