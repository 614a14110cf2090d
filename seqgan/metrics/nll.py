"""Negative log-likelihoods, per token, averaged per sequence.

NLL-oracle (the paper's metric): fresh samples of the generator scored by the oracle.
NLL-test: held-out oracle data scored by the generator; it rises when the generator collapses
onto few modes, which NLL-oracle alone cannot show.
"""

from __future__ import annotations

import torch

from seqgan.models.generator import Generator


@torch.no_grad()
def sequence_nll(
    model: Generator, tokens: torch.Tensor, batch_size: int = 32, temperature: float = 1.0
) -> torch.Tensor:
    """Mean per-token NLL of each sequence under ``model``'s softmax(logits / ``temperature``). (N,) on CPU, float64.

    Small batches on purpose: the (B, T, V) logits of 32 sequences stay in CPU caches and below
    malloc's mmap threshold; 1,000 at a time is ~3.5x slower (page faults on 400 MB buffers)."""
    was_training = model.training
    model.eval()
    parts = [
        -model.log_probs(part.to(model.device), temperature).double().mean(dim=1).cpu()
        for part in tokens.split(batch_size)
    ]
    model.train(was_training)
    return torch.cat(parts)


def nll_oracle(
    oracle: Generator,
    generator: Generator,
    num_samples: int,
    rng: torch.Generator,
    batch_size: int = 256,
    temperature: float = 1.0,
) -> torch.Tensor:
    """Per-sequence NLL-oracle of ``num_samples`` fresh generator samples (at ``temperature``), drawn
    ``batch_size`` at a time. The oracle scores them at its own temperature, 1."""
    samples = generator.sample(num_samples, rng, batch_size, temperature)
    return sequence_nll(oracle, samples)
