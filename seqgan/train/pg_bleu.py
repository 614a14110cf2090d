"""PG-BLEU, the paper's baseline: SeqGAN's policy gradient with BLEU in place of the discriminator.

The reward of a prefix is the mean BLEU-n of its N Monte Carlo completions against the references (the
training set, or its leading fraction: ``reference_sequences``), that of a full sequence its own BLEU.
``ReferenceSet`` scores each completion in O(T) with nltk's exact arithmetic, so the ~20k completions of
one step cost well under a second.
"""

from __future__ import annotations

import torch

from seqgan import rollout
from seqgan.metrics.bleu import ReferenceSet
from seqgan.models.generator import Generator


def reference_sequences(train: torch.Tensor, fraction: float) -> torch.Tensor:
    """The leading ``fraction`` of the training sequences (N, T), at least one: the BLEU references. The
    oracle's samples are independent draws, so the leading ones are as random a subset as any."""
    return train[: max(1, round(fraction * len(train)))]


def bleu_rewards(
    generator: Generator,
    samples: torch.Tensor,
    references: ReferenceSet,
    n: int,
    smoothing: str,
    rollouts: int,
    rng: torch.Generator,
    chunk: int = 128,
) -> torch.Tensor:
    """BLEU-n rewards of every prefix of ``samples`` (B, T), in float64 as BLEU is computed. (B, T)"""
    completions = rollout.complete(generator, samples, rollout.draw_uniforms(samples, rollouts, rng), chunk)
    prefixes, rollouts, batch, length = completions.shape  # (T-1, N, B, T)
    scores = references.per_sentence(completions.reshape(-1, length).cpu(), n, smoothing)
    final = references.per_sentence(samples.cpu(), n, smoothing)
    scores = torch.tensor(scores, dtype=torch.float64).reshape(prefixes, rollouts, batch)
    return rollout.combine(scores, torch.tensor(final, dtype=torch.float64)).to(generator.device)
