"""Resumable training state: models, optimizers, step, RNG states and the learning curve so far.

Every training loop (MLE, discriminator pretraining, SeqGAN and its baselines) runs its steps
through :meth:`Checkpointer.steps`, the one resume skeleton: it restores the last checkpoint of the
same run, yields the steps still to do, and saves after every ``every`` steps and after the last. A
checkpoint written for other settings (its fingerprint differs) is ignored, so a changed config
never resumes a stale run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import torch
from tqdm import tqdm

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
    started: float = field(default_factory=time.perf_counter)  # when this process started the run

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

    def wall(self) -> float:
        """Seconds of training so far, across resumes."""
        return self.wall_seconds + time.perf_counter() - self.started

    def after_step(self, done: int, total: int) -> None:
        """Save every ``every`` steps and after the last one."""
        if done % self.every == 0 or done == total:
            self.save(done, self.wall())

    def steps(self, total: int, desc: str) -> Iterator[int]:
        """Resume now, then iterate over the steps 1..``total`` still to do; once a step's loop body is done,
        it is checkpointed if due (every ``every`` steps, and the last). A tqdm bar on a terminal; in a log file the loops' own log lines are the progress."""
        done = self.resume()

        def remaining() -> Iterator[int]:
            with tqdm(total=total, initial=done, desc=desc, disable=not sys.stderr.isatty(), leave=False) as bar:
                for step in range(done + 1, total + 1):
                    yield step
                    self.after_step(step, total)
                    bar.update()

        return remaining()

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
