"""The policy gradient (the paper's Eq. 8 without a baseline): the generator update of SeqGAN and its
PG baselines, and the rewards that tell them apart.

SeqGAN rewards each prefix by Monte Carlo search with the discriminator (``discriminator_rewards``);
PG-BLEU by the BLEU of the same completions (``train.pg_bleu``); the constant-reward control gives
every token reward 1, which makes the update plain likelihood ascent on the generator's own samples.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from seqgan import rollout
from seqgan.models.discriminator import Discriminator
from seqgan.models.generator import Generator
from seqgan.train.run import check_finite

# (generator, samples (B, T)) -> rewards (B, T)
Rewards = Callable[[Generator, torch.Tensor], torch.Tensor]


def policy_gradient_loss(generator: Generator, samples: torch.Tensor, rewards: torch.Tensor) -> torch.Tensor:
    """-sum_t log G(y_t | Y_1..t-1) * Q(Y_1..t), summed over the batch as in the original code (no baseline)."""
    log_probs = generator.log_probs(samples)  # (B, T)
    return -(log_probs * rewards.to(log_probs.dtype)).sum()


def discriminator_rewards(
    discriminator: Discriminator, rollouts: int, rng: torch.Generator, chunk: int, precision: str = "fp32"
) -> Rewards:
    """SeqGAN: Monte Carlo search with N rollouts, each scored by D's P(real)."""

    def rewards(generator: Generator, samples: torch.Tensor) -> torch.Tensor:
        return rollout.rewards(generator, discriminator, samples, rollouts, rng, chunk, precision)

    return rewards


def constant_rewards(generator: Generator, samples: torch.Tensor) -> torch.Tensor:
    """The control: reward 1 for every token of the generator's own samples."""
    return torch.ones(samples.shape, device=samples.device)


def generator_step(
    generator: Generator,
    optimizer: torch.optim.Optimizer,
    reward: Rewards,
    batch_size: int,
    grad_clip: float,
    rng: torch.Generator,
    iteration: int = 0,
) -> tuple[float, float]:
    """One policy-gradient update on a fresh batch of samples; returns (loss, mean reward)."""
    samples = generator.sample(batch_size, rng).to(generator.device)  # (B, T)
    rewards = reward(generator, samples)  # (B, T)
    generator.train()
    loss = policy_gradient_loss(generator, samples, rewards)
    check_finite(loss, "policy gradient", iteration)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(generator.parameters(), grad_clip)
    optimizer.step()
    return loss.item(), rewards.mean().item()
