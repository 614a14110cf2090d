"""Resumable training state: models, optimizers, step, RNG states and the learning curve so far.

A training verb builds a :class:`Checkpointer` over its checkpoint directory, calls ``resume()``
once (which restores everything and returns the step to continue from) and ``after_step`` after
every step. A checkpoint written for other settings (its fingerprint differs) is ignored, so a
changed config never resumes a stale run.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import torch

from seqgan.atomic import load_torch, save_torch
from seqgan.device import global_rng_state, set_global_rng_state

log = logging.getLogger(__name__)


def fingerprint(**settings) -> str:
    """A short, stable hash of everything that defines a run (config, seed, inputs' content)."""
    return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()[:16]


def file_digest(path: str | Path) -> str:
    """Content hash of an input file, so a changed input invalidates checkpoints too."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


@dataclass
class Checkpointer:
    directory: Path
    fingerprint: str
    modules: dict[str, torch.nn.Module]
    optimizers: dict[str, torch.optim.Optimizer]
    rng: torch.Generator  # the run's sampling generator (CPU)
    every: int  # steps between checkpoints
    curve: list[dict] = field(default_factory=list)  # learning-curve rows so far
    wall_seconds: float = 0.0  # training time spent before this process started

    @property
    def path(self) -> Path:
        return Path(self.directory) / "last.pt"

    def save(self, step: int, wall_seconds: float) -> None:
        state = {
            "fingerprint": self.fingerprint,
            "step": step,
            "wall_seconds": wall_seconds,
            "modules": {k: m.state_dict() for k, m in self.modules.items()},
            "optimizers": {k: o.state_dict() for k, o in self.optimizers.items()},
            "rng": {"sampler": self.rng.get_state(), "global": global_rng_state()},
            "curve": self.curve,
        }
        save_torch(state, self.path)

    def after_step(self, done: int, total: int, wall_seconds: float) -> None:
        """Save every ``every`` steps and after the last one."""
        if done % self.every == 0 or done == total:
            self.save(done, wall_seconds)

    def resume(self) -> int:
        """Restore the last checkpoint of this very run, if any; return the step to continue from."""
        if not self.path.is_file():
            return 0
        state = load_torch(self.path)
        if state.get("fingerprint") != self.fingerprint:
            log.warning("ignoring %s: it was written for other settings", self.path)
            return 0
        try:
            for key, module in self.modules.items():
                module.load_state_dict(state["modules"][key])
            for key, optimizer in self.optimizers.items():
                optimizer.load_state_dict(state["optimizers"][key])
            self.rng.set_state(state["rng"]["sampler"])
            set_global_rng_state(state["rng"]["global"])
            self.curve[:] = state["curve"]
            self.wall_seconds = state["wall_seconds"]
        except (KeyError, RuntimeError, ValueError) as err:  # half-restored state must not train on
            raise ValueError(
                f"{self.path}: cannot resume from this checkpoint ({err}); delete it to start over"
            ) from err
        log.info("resumed from %s at step %d", self.path, state["step"])
        return state["step"]
