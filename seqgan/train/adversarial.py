"""SeqGAN's generator update: REINFORCE with Monte Carlo search rewards from the discriminator."""

from __future__ import annotations

import torch

from seqgan import rollout
from seqgan.models.discriminator import Discriminator
from seqgan.models.generator import Generator
from seqgan.train.mle import check_finite


def policy_gradient_loss(generator: Generator, samples: torch.Tensor, rewards: torch.Tensor) -> torch.Tensor:
    """-sum_t log G(y_t | Y_1..t-1) * Q(Y_1..t), summed over the batch as in the original code (no baseline)."""
    return -(generator.log_probs(samples) * rewards).sum()


def generator_step(
    generator: Generator,
    optimizer: torch.optim.Optimizer,
    discriminator: Discriminator,
    batch_size: int,
    rollouts: int,
    grad_clip: float,
    rng: torch.Generator,
    chunk: int,
    precision: str = "fp32",
    iteration: int = 0,
) -> tuple[float, float]:
    """One policy-gradient update on a fresh batch; returns (loss, mean reward)."""
    device = generator.device
    samples = generator.sample(batch_size, rng).to(device)  # (B, T)
    rewards = rollout.rewards(generator, discriminator, samples, rollouts, rng, chunk, precision)  # (B, T)
    generator.train()
    loss = policy_gradient_loss(generator, samples, rewards)
    check_finite(loss, "adversarial", iteration)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(generator.parameters(), grad_clip)
    optimizer.step()
    return loss.item(), rewards.mean().item()
