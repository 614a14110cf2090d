"""A generator's training run: resumable epochs, its learning curve and the best model so far.

MLE, Scheduled Sampling, SeqGAN and the policy-gradient baselines all loop over ``run.epochs(n)``: the
run resumes from its checkpoint, records the curve's first point on a fresh start, takes a point where
the loop calls ``run.evaluate(epoch)`` (every ``eval.every`` epochs and at the last), keeps the
generator of the best point in ``run.best``, and checkpoints every ``checkpoint_every`` epochs and after
the last, curve included.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator

import torch

from seqgan.checkpoint import Checkpointer
from seqgan.models.generator import Generator
from seqgan.train.curve import LearningCurve


def check_finite(loss: torch.Tensor, phase: str, epoch: int) -> None:
    """Stop a run whose loss (or an epoch's sum of losses) diverged, naming where."""
    if not torch.isfinite(loss):
        raise FloatingPointError(f"{phase}: loss became {loss.item()} in epoch {epoch}")


class GeneratorRun:
    """``generator`` trained from epoch ``start_epoch`` on (its epochs so far: the curve continues them)."""

    def __init__(self, name: str, generator: Generator, start_epoch: int, curve: LearningCurve):
        self.name, self.generator, self.start_epoch, self.curve = name, generator, start_epoch, curve
        self.best = copy.deepcopy(generator)
        self.last_epoch = start_epoch
        self.checkpointer: Checkpointer | None = None
        self.started = time.perf_counter()

    def checkpoint_with(self, checkpointer: Checkpointer) -> None:
        """Checkpoint with ``checkpointer``, whose modules hold this run's ``generator`` and ``best``."""
        checkpointer.curve = self.curve.rows  # restored and saved with the models
        self.checkpointer = checkpointer

    def epochs(self, total: int) -> Iterator[int]:
        """The epochs still to train of ``total`` after ``start_epoch``, numbered on from it. The loop body
        calls ``evaluate(epoch)`` where the curve point belongs; the checkpoint follows the body."""
        if self.checkpointer is None:
            raise RuntimeError(f"run {self.name}: call checkpoint_with(...) before epochs()")
        steps = self.checkpointer.steps(total, self.name)  # resumes: weights, optimizers, RNGs, curve
        self.last_epoch = self.start_epoch + total
        if not self.curve.rows:  # a fresh start: the curve's first point is the starting model
            self.record(self.start_epoch)
        for step in steps:
            yield self.start_epoch + step

    def evaluate(self, epoch: int) -> None:
        """A curve point every ``eval.every`` epochs and at the last."""
        if self.curve.due(epoch, self.last_epoch):
            self.record(epoch)

    def record(self, epoch: int) -> None:
        """A learning-curve point; ``best`` takes the generator's weights when this point is the best so far."""
        wall = self.checkpointer.wall() if self.checkpointer else time.perf_counter() - self.started
        row = self.curve.record(self.name, epoch, self.generator, wall)
        if row is self.curve.best:
            self.best.load_state_dict(self.generator.state_dict())
