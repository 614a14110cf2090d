"""Welch's t-test on per-sequence metrics (paper Table 1: p-values of each baseline vs SeqGAN)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats


@dataclass(frozen=True)
class TTest:
    t: float
    df: float
    p: float  # two-sided


def welch_t_test(a, b) -> TTest:
    """Two-sided Welch t-test of mean(a) == mean(b), unequal variances; ``a``, ``b`` are 1-D sequences."""
    a, b = [float(x) for x in a], [float(x) for x in b]
    if len(a) < 2 or len(b) < 2:
        raise ValueError(f"welch_t_test: need at least 2 values per group, got {len(a)} and {len(b)}")
    # t, df and p do not depend on the unit: rescale to O(1), or the variances of tiny values
    # (the BLEU of a bad model is ~1e-150) lose their digits in denormals or underflow to 0.
    scale = max(map(abs, a + b))
    if scale > 0:
        a, b = [x / scale for x in a], [x / scale for x in b]
    (mean_a, var_a), (mean_b, var_b) = _mean_var(a), _mean_var(b)
    se2_a, se2_b = var_a / len(a), var_b / len(b)  # squared standard errors of the means
    se = math.sqrt(se2_a + se2_b)
    if se == 0:
        raise ValueError("welch_t_test: both groups are constant; the test is undefined")
    t = (mean_a - mean_b) / se
    df = (se2_a + se2_b) ** 2 / (se2_a**2 / (len(a) - 1) + se2_b**2 / (len(b) - 1))  # Welch-Satterthwaite
    return TTest(t, df, float(2 * stats.t.sf(abs(t), df)))


def _mean_var(values: list[float]) -> tuple[float, float]:
    mean = math.fsum(values) / len(values)
    return mean, math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1)
