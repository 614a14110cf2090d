"""Fitting the discriminator on real (label 1) against generated (label 0) sequences: its pretraining,
and the d-steps of SeqGAN (``seqgan.train.seqgan``)."""

from __future__ import annotations

import logging

import torch
from torch.nn import functional as F

from seqgan.checkpoint import Checkpointer
from seqgan.device import autocast
from seqgan.models.discriminator import Discriminator
from seqgan.models.generator import Generator
from seqgan.train.run import check_finite

log = logging.getLogger(__name__)


def fit(
    discriminator: Discriminator,
    optimizer: torch.optim.Optimizer,
    positives: torch.Tensor,
    negatives: torch.Tensor,
    epochs: int,
    batch_size: int,
    l2_reg: float,
    rng: torch.Generator,
    precision: str = "fp32",
    where: str = "discriminator",
) -> float:
    """``epochs`` passes over positives + negatives, reshuffled each pass; returns the last pass's mean loss.
    ``where`` names the round or iteration in a divergence error."""
    device = discriminator.output.weight.device
    tokens = torch.cat([positives, negatives])  # (P + N, T)
    labels = torch.cat([torch.ones(len(positives)), torch.zeros(len(negatives))]).long()
    discriminator.train()
    mean = 0.0
    for epoch in range(epochs):
        total, batches = torch.zeros((), device=device), 0
        for index in torch.randperm(len(tokens), generator=rng).split(batch_size):
            with autocast(device, precision):
                logits = discriminator(tokens[index].to(device))
            loss = F.cross_entropy(logits.float(), labels[index].to(device)) + l2_reg * discriminator.l2_penalty()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total, batches = total + loss.detach(), batches + 1
        check_finite(total, where, epoch + 1)  # once per epoch: no host synchronisation per step
        mean = total.item() / max(batches, 1)
    return mean


def round_of_training(
    discriminator: Discriminator,
    optimizer: torch.optim.Optimizer,
    generator: Generator,
    real: torch.Tensor,
    num_negatives: int,
    epochs: int,
    batch_size: int,
    l2_reg: float,
    rng: torch.Generator,
    precision: str = "fp32",
    where: str = "discriminator",
) -> float:
    """One d-step of the paper: fresh negatives from G, as many positives drawn from the real data, k epochs."""
    negatives = generator.sample(num_negatives, rng)
    chosen = torch.randperm(len(real), generator=rng)[:num_negatives]
    return fit(discriminator, optimizer, real[chosen], negatives, epochs, batch_size, l2_reg, rng, precision, where)


def pretrain(
    discriminator: Discriminator,
    optimizer: torch.optim.Optimizer,
    generator: Generator,
    real: torch.Tensor,
    rounds: int,
    epochs: int,
    num_negatives: int,
    batch_size: int,
    l2_reg: float,
    rng: torch.Generator,
    precision: str,
    checkpointer: Checkpointer,
) -> None:
    """The paper's pretraining: ``rounds`` x (fresh negatives from the pretrained G, ``epochs`` epochs)."""
    for step in checkpointer.steps(rounds, "pretrain-discriminator"):
        loss = round_of_training(
            discriminator, optimizer, generator, real, num_negatives, epochs, batch_size, l2_reg, rng, precision,
            f"discriminator pretraining, round {step}",
        )  # fmt: skip
        log.info("round phase=pretrain_discriminator round=%d loss=%.5f", step, loss)
