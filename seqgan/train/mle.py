"""Maximum-likelihood (teacher-forced) training of the generator: the pretraining and the MLE baseline."""

from __future__ import annotations

import logging
from collections.abc import Callable

import torch
from torch.nn import functional as F

from seqgan.models.generator import Generator
from seqgan.train.run import GeneratorRun, check_finite

log = logging.getLogger(__name__)


def train(
    run: GeneratorRun,
    optimizer: torch.optim.Optimizer,
    data: torch.Tensor,
    epochs: int,
    batch_size: int,
    grad_clip: float,
    rng: torch.Generator,
) -> None:
    """``epochs`` MLE epochs over ``data`` (N, T): pretraining from scratch, or the MLE baseline continuing it."""
    for epoch in run.epochs(epochs):
        loss = mle_epoch(run.generator, optimizer, data, batch_size, grad_clip, rng, epoch)
        log.info("epoch phase=%s epoch=%d loss=%.5f", run.name, epoch, loss)
        run.evaluate(epoch)


def mle_loss(generator: Generator, tokens: torch.Tensor) -> torch.Tensor:
    """Mean per-token cross-entropy of teacher-forced predictions."""
    logits = generator(tokens)  # (B, T, V)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tokens.reshape(-1))


def mle_epoch(
    generator: Generator,
    optimizer: torch.optim.Optimizer,
    data: torch.Tensor,
    batch_size: int,
    grad_clip: float,
    rng: torch.Generator,
    epoch: int = 0,
) -> float:
    """One MLE pass over ``data`` (N, T) in a shuffled order drawn from ``rng``; returns the mean loss."""
    return train_epoch(generator, optimizer, data, batch_size, grad_clip, rng, mle_loss, "MLE", epoch)


def train_epoch(
    generator: Generator,
    optimizer: torch.optim.Optimizer,
    data: torch.Tensor,
    batch_size: int,
    grad_clip: float,
    rng: torch.Generator,
    loss_fn: Callable[[Generator, torch.Tensor], torch.Tensor],
    phase: str,
    epoch: int,
) -> float:
    """One pass of clipped gradient steps on ``loss_fn(generator, batch)`` over shuffled ``data``; the mean loss."""
    generator.train()
    order = torch.randperm(data.shape[0], generator=rng)
    total, batches = torch.zeros((), device=generator.device), 0
    for index in order.split(batch_size):
        loss = loss_fn(generator, data[index].to(generator.device))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(generator.parameters(), grad_clip)
        optimizer.step()
        total, batches = total + loss.detach(), batches + 1
    check_finite(total, phase, epoch)  # once per epoch: no host synchronisation per step
    return total.item() / max(batches, 1)
