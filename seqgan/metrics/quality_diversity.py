"""Quality–diversity sweeps of a trained generator (after Caccia et al. 2020, "Language GANs falling short").

Lowering the softmax temperature trades diversity for quality in ANY generator, so a method that scores
better than MLE at temperature 1 may only have moved along that trade-off. Sampling each generator at
several temperatures and plotting quality against diversity shows whether its curve lies beyond MLE's.

- Synthetic data: quality = NLL-oracle of the generator's samples at temperature t (the oracle scores them
  at its own temperature, 1; lower is better); diversity = NLL-test, the held-out oracle data scored by the
  generator at temperature t (lower = the generator covers more of the oracle's data; a collapsed,
  low-temperature generator cannot).
- Real corpora: quality = BLEU of the samples at temperature t on each reference basis (higher is better);
  diversity = their Self-BLEU (lower = more diverse).

Every temperature of one sweep draws its samples with the same uniforms (common random numbers, keyed by
seed and method): the points of a curve differ by the temperature only, not by sampling noise. They are not
the tables' samples, so a sweep's temperature-1 point differs from the tables' numbers by sampling noise.
Each mean comes with its standard error (``{column}_se``: sample std / sqrt(n)), which the report uses to
tell a difference from noise; Self-BLEU, a property of the whole set, has none.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch

from seqgan.metrics.corpus_scores import CorpusScores
from seqgan.metrics.nll import nll_oracle, sequence_nll
from seqgan.models.generator import Generator
from seqgan.sampling import keyed_rng


def _rng(key: tuple) -> torch.Generator:
    return keyed_rng(*key, "quality_diversity")


def mean_and_se(name: str, values) -> dict[str, float]:
    """``{name}`` (the mean) and ``{name}_se`` (its standard error) of per-sequence ``values``."""
    values = torch.as_tensor(values, dtype=torch.float64)
    se = values.std() / math.sqrt(len(values)) if len(values) > 1 else torch.tensor(0.0)
    return {name: values.mean().item(), f"{name}_se": se.item()}


def synthetic_sweep(
    generator: Generator,
    oracle: Generator,
    test: torch.Tensor,
    temperatures: Sequence[float],
    num_samples: int,
    batch_size: int,
    key: tuple,
) -> list[dict]:
    """One row per temperature: mean NLL-oracle of ``num_samples`` samples and mean NLL-test of ``test``."""
    generator.eval()
    rows = []
    for t in temperatures:
        quality = nll_oracle(oracle, generator, num_samples, _rng(key), batch_size, temperature=t)
        coverage = sequence_nll(generator, test, temperature=t)
        rows.append({"temperature": t} | mean_and_se("nll_oracle", quality) | mean_and_se("nll_test", coverage))
    return rows


def corpus_sweep(
    generator: Generator,
    score: Callable[[torch.Tensor], CorpusScores],
    temperatures: Sequence[float],
    num_samples: int,
    batch_size: int,
    key: tuple,
) -> list[dict]:
    """One row per temperature: the mean (and standard error) of every per-sequence score column (BLEU per
    basis, music MSE) of ``num_samples`` samples, and their Self-BLEU-n (``self_bleu{n}``)."""
    generator.eval()
    rows = []
    for t in temperatures:
        scores = score(generator.sample(num_samples, _rng(key), batch_size, t))
        row = {"temperature": t}
        for column, values in scores.per_sequence.items():
            row |= mean_and_se(column, values)
        rows.append(row | {f"self_bleu{n}": value for n, value in scores.self_bleu.items()})
    return rows


def check_rows(rows: list[dict], where: str) -> None:
    """Refuse a sweep with a non-finite value (a diverged generator): the curve would silently bend."""
    for row in rows:
        bad = [name for name, value in row.items() if not math.isfinite(value)]
        if bad:
            raise FloatingPointError(f"{where}: {bad[0]} is {row[bad[0]]} at temperature {row['temperature']}")
