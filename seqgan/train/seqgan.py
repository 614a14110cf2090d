"""SeqGAN's adversarial training, the paper's Algorithm 1 after pretraining, read top to bottom.

Each iteration: ``g_steps`` policy-gradient updates of G on fresh samples, every prefix rewarded by
Monte Carlo search (``reward``); then ``d_steps`` rounds of D on fresh negatives for ``k_epochs``
epochs each. The PG baselines run the same loop with another reward and no discriminator: PG-BLEU
(BLEU of the completions) and the constant-reward control. Evaluation and checkpoints come from
``GeneratorRun`` (seqgan/train/run.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import torch

from seqgan.models.discriminator import Discriminator
from seqgan.train import discriminator as d_training
from seqgan.train.policy_gradient import Rewards, generator_step
from seqgan.train.run import GeneratorRun

log = logging.getLogger(__name__)


@dataclass
class Adversary:
    """The discriminator of SeqGAN's d-steps with what fitting it needs."""

    discriminator: Discriminator
    optimizer: torch.optim.Optimizer
    num_negatives: int  # fresh generated sequences per round, against as many real ones
    batch_size: int
    l2_reg: float
    precision: str  # "fp32" or "bf16": the autocast of its forward passes


def train(
    run: GeneratorRun,
    optimizer: torch.optim.Optimizer,
    reward: Rewards,
    real: torch.Tensor,
    schedule,  # g_steps, d_steps, k_epochs, iterations: the adversarial section or a Figure 3 strategy
    batch_size: int,
    grad_clip: float,
    rng: torch.Generator,
    adversary: Adversary | None = None,  # None: a PG baseline, no d-steps
) -> None:
    for epoch in run.epochs(schedule.iterations):
        for _ in range(schedule.g_steps):
            loss, mean_reward = generator_step(run.generator, optimizer, reward, batch_size, grad_clip, rng, epoch)
        run.evaluate(epoch)
        d_loss = float("nan")
        for _ in range(schedule.d_steps if adversary else 0):
            a = adversary
            d_loss = d_training.round_of_training(
                a.discriminator, a.optimizer, run.generator, real, a.num_negatives, schedule.k_epochs,
                a.batch_size, a.l2_reg, rng, a.precision, f"discriminator, adversarial epoch {epoch}",
            )  # fmt: skip
        log.info(
            "iteration phase=%s epoch=%d pg_loss=%.4f mean_reward=%.4f d_loss=%.5f",
            run.name, epoch, loss, mean_reward, d_loss,
        )  # fmt: skip
