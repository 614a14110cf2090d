"""Scheduled Sampling (Bengio et al., 2015), the paper's SS baseline.

While training, each input token is the true previous token with probability p, else a token sampled
from the model's own prediction at that step; the choice is drawn per token and per step. The
targets stay the true tokens. As in Bengio et al., no gradient flows through the sampling choice, so
a step costs a no-grad unroll that picks the inputs, then one ordinary teacher-forced pass over them:
with p = 1 the inputs are the true ones and the loss is MLE's, bit for bit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import torch
from torch.nn import functional as F

from seqgan.models.generator import Generator
from seqgan.sampling import inverse_cdf
from seqgan.train.mle import train_epoch
from seqgan.train.run import GeneratorRun

log = logging.getLogger(__name__)


def train(
    run: GeneratorRun,
    optimizer: torch.optim.Optimizer,
    data: torch.Tensor,
    epochs: int,
    probability: Callable[[int], float],
    batch_size: int,
    grad_clip: float,
    rng: torch.Generator,
) -> None:
    """``epochs`` epochs of Scheduled Sampling; in the n-th (n >= 1) the true token is fed with ``probability(n)``.
    ``run`` starts from the pretrained generator (its epochs continue pretraining's) or an untrained one (epoch 0):
    n counts this run's epochs either way."""
    for epoch in run.epochs(epochs):
        p = probability(epoch - run.start_epoch)
        loss = scheduled_sampling_epoch(run.generator, optimizer, data, batch_size, grad_clip, p, rng, epoch)
        log.info("epoch phase=%s epoch=%d p_true=%.4f loss=%.5f", run.name, epoch, p, loss)
        run.evaluate(epoch)


@torch.no_grad()
def mixed_inputs(generator: Generator, tokens: torch.Tensor, p: float, rng: torch.Generator) -> torch.Tensor:
    """Inputs (B, T): the start token, then per position the true previous token with probability p,
    else a sample from the model given the inputs chosen so far."""
    inputs = generator.teacher_inputs(tokens)  # (B, T)
    batch, length = tokens.shape
    keep_true = torch.rand((batch, length), generator=rng) < p  # [:, t]: input t; column 0 (start) unused
    uniforms = torch.rand((batch, length), generator=rng)  # [:, t]: draws the guess at y_t, as in sampling
    if bool(keep_true[:, 1:].all()):
        return inputs
    keep_true, uniforms = keep_true.to(inputs.device), uniforms.to(inputs.device)
    state = None
    for t in range(length - 1):
        hidden, state = generator.step(inputs[:, t], state)
        sampled = inverse_cdf(generator.output(hidden), uniforms[:, t])  # the model's guess at y_t
        inputs[:, t + 1] = torch.where(keep_true[:, t + 1], inputs[:, t + 1], sampled)
    return inputs


def scheduled_sampling_loss(generator: Generator, tokens: torch.Tensor, p: float, rng: torch.Generator) -> torch.Tensor:
    """Mean per-token cross-entropy of the true tokens given mixed inputs."""
    logits = generator.predict(mixed_inputs(generator, tokens, p, rng))  # (B, T, V)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tokens.reshape(-1))


def scheduled_sampling_epoch(
    generator: Generator,
    optimizer: torch.optim.Optimizer,
    data: torch.Tensor,
    batch_size: int,
    grad_clip: float,
    p: float,
    rng: torch.Generator,
    epoch: int = 0,
) -> float:
    """One shuffled pass over ``data`` (N, T) with true-token probability ``p``; returns the mean loss."""

    def loss(model: Generator, batch: torch.Tensor) -> torch.Tensor:
        return scheduled_sampling_loss(model, batch, p, rng)

    return train_epoch(generator, optimizer, data, batch_size, grad_clip, rng, loss, "scheduled sampling", epoch)
