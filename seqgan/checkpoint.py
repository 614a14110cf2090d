"""Resumable training state: models, optimizers, step, RNG states and the learning curve so far.

Every training loop (MLE, discriminator pretraining, SeqGAN and its baselines) runs its steps
through :meth:`Checkpointer.steps`, the one resume skeleton: it restores the last checkpoint of the
same run, yields the steps still to do, and saves after every ``every`` steps and after the last. A
checkpoint written for other settings (its fingerprint differs) is ignored, so a changed config
never resumes a stale run.

Checkpoints heal themselves: a save keeps the one before as ``previous.pt`` (``last.pt`` is always a
complete file: written beside it, then renamed). One that cannot be restored (truncated, empty, another
kind of file, a state that does not fit the modules) is moved aside to ``NAME.corrupt`` with a warning
naming it and why, and the run resumes from the next good one, or from scratch. A state is read and
checked whole before any module is touched, and a restore that fails midway is rolled back.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import torch
from tqdm import tqdm

from seqgan.atomic import atomic_path, cannot_write, load_torch
from seqgan.device import global_rng_state, set_global_rng_state

log = logging.getLogger(__name__)


class Unusable(Exception):
    """A checkpoint file that cannot be restored here; the message says why (the caller names the file)."""


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

    @property
    def previous(self) -> Path:
        """The checkpoint before ``path``: kept until a newer one is complete, resumed if ``path`` is unreadable."""
        return Path(self.directory) / "previous.pt"

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
        # The new state is written in full first; then the last one becomes previous.pt (by a hard link, so
        # last.pt never goes missing), then the new one replaces last.pt. Killed anywhere: one good file.
        with atomic_path(self.path) as tmp, cannot_write(self.path):
            with open(tmp, "wb") as f:
                torch.save(state, f)
            if self.path.is_file():
                _keep(self.path, self.previous)

    def wall(self) -> float:
        """Seconds of training so far, across resumes."""
        return self.wall_seconds + time.perf_counter() - self.started

    def after_step(self, done: int, total: int) -> None:
        """Save every ``every`` steps and after the last one."""
        if done % self.every == 0 or done == total:
            self.save(done, self.wall())

    def steps(self, total: int, desc: str) -> Iterator[int]:
        """Resume now, then iterate over the steps 1..``total`` still to do; once a step's loop body is done,
        it is checkpointed if due (every ``every`` steps, and the last). A tqdm bar on a terminal; in a log
        file the loops' own log lines are the progress."""
        done = self.resume()

        def remaining() -> Iterator[int]:
            with tqdm(total=total, initial=done, desc=desc, disable=not sys.stderr.isatty(), leave=False) as bar:
                for step in range(done + 1, total + 1):
                    yield step
                    self.after_step(step, total)
                    bar.update()

        return remaining()

    def resume(self) -> int:
        """Restore the newest good checkpoint of this very run (last.pt, else previous.pt), if any; return the
        step to continue from. One that cannot be restored is moved aside with a warning; one written for
        other settings is ignored (and left in place)."""
        for path in (self.path, self.previous):
            if not path.is_file():
                continue
            try:
                state = load_torch(path)
                if not isinstance(state, dict) or not isinstance(state.get("fingerprint"), str):
                    raise Unusable(f"not a checkpoint (a {type(state).__name__} without a fingerprint)")
                if state["fingerprint"] != self.fingerprint:
                    log.warning("ignoring %s: it was written for other settings", path)
                    continue
                self._check(state)
                self._restore(state)
            except (ValueError, Unusable) as err:  # unreadable (load_torch) or unusable
                aside = path.with_name(path.name + ".corrupt")
                os.replace(path, aside)
                log.warning("%s cannot be resumed (%s): moved aside to %s", path, _reason(err, path), aside)
                continue
            log.info("resumed from %s at step %d", path, state["step"])
            return state["step"]
        return 0

    def _check(self, state: dict) -> None:
        """The structure a restore needs, checked before anything is touched; Unusable says what is wrong."""
        expected = {
            "step": int, "wall_seconds": (int, float), "modules": dict, "optimizers": dict, "rng": dict, "curve": list,
        }  # fmt: skip
        for key, kind in expected.items():
            if not isinstance(state.get(key), kind):
                raise Unusable(f"its {key!r} is missing or not a {getattr(kind, '__name__', 'number')}")
        if isinstance(state["step"], bool) or state["step"] < 0:
            raise Unusable(f"its step {state['step']!r} is not a step count")
        for group in ("modules", "optimizers"):
            missing = set(getattr(self, group)) - set(state[group])
            if missing:
                raise Unusable(f"its {group} lack {sorted(missing)}")
            if not all(isinstance(state[group][key], dict) for key in getattr(self, group)):
                raise Unusable(f"its {group} are not state dicts")
        rng = state["rng"]
        if not isinstance(rng.get("sampler"), torch.Tensor) or not isinstance(rng.get("global"), dict):
            raise Unusable("its RNG states are missing")
        if not isinstance(rng["global"].get("cpu"), torch.Tensor):
            raise Unusable("its global RNG state is missing")
        if not all(isinstance(row, dict) for row in state["curve"]):
            raise Unusable("its learning curve is not a list of rows")

    def _restore(self, state: dict) -> None:
        """Load ``state`` into the modules, optimizers and RNGs: all of it, or (on an error) none of it."""
        before = {
            "modules": {k: copy.deepcopy(m.state_dict()) for k, m in self.modules.items()},
            "optimizers": {k: copy.deepcopy(o.state_dict()) for k, o in self.optimizers.items()},
            "rng": {"sampler": self.rng.get_state(), "global": global_rng_state()},
        }
        try:
            self._load(state)
        except (KeyError, RuntimeError, ValueError, TypeError, IndexError) as err:
            self._load(before)  # the state held before the attempt: it fits, it came from these very objects
            raise Unusable(f"it does not fit this run's models ({err})") from err
        self.curve[:] = state["curve"]
        self.wall_seconds = float(state["wall_seconds"])

    def _load(self, state: dict) -> None:
        for key, module in self.modules.items():
            module.load_state_dict(state["modules"][key])
        for key, optimizer in self.optimizers.items():
            optimizer.load_state_dict(state["optimizers"][key])
        self.rng.set_state(state["rng"]["sampler"])
        set_global_rng_state(state["rng"]["global"])


def _keep(path: Path, previous: Path) -> None:
    """Make ``previous`` a copy of ``path`` (a hard link where the file system has them), atomically."""
    with atomic_path(previous) as tmp:
        os.unlink(tmp)
        try:
            os.link(path, tmp)
        except OSError:  # no hard links here (some network and FUSE file systems): copy
            tmp.write_bytes(path.read_bytes())


def _reason(err: Exception, path: Path) -> str:
    """The error without the file name it may start with (the warning names the file once)."""
    text = str(err)
    return text.removeprefix(f"{path}: ")
