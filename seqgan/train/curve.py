"""The learning curve: NLL-oracle (where there is an oracle) and NLL-test of the generator every few epochs."""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass, field

import torch

from seqgan.metrics.nll import nll_oracle, sequence_nll
from seqgan.models.generator import Generator
from seqgan.sampling import keyed_rng

log = logging.getLogger(__name__)
COLUMNS = ("phase", "epoch", "nll_oracle", "nll_test", "wall_seconds")


@dataclass
class LearningCurve:
    oracle: Generator | None  # None for a real corpus: its curve holds NLL-test only
    test: torch.Tensor  # held-out sequences (N, T)
    num_samples: int
    every: int
    batch_size: int
    seed: int
    run: str  # the run's name: each run gets its own evaluation samples
    rows: list[dict] = field(default_factory=list)

    def due(self, epoch: int, last: int) -> bool:
        return epoch % self.every == 0 or epoch == last

    @property
    def metric(self) -> str:
        return "nll_test" if self.oracle is None else "nll_oracle"

    @property
    def best(self) -> dict:
        """The row with the lowest NLL-oracle, or NLL-test without an oracle (the earliest of equals)."""
        return min(self.rows, key=lambda row: row[self.metric])

    def per_sequence(self, generator: Generator, epoch: int) -> torch.Tensor:
        """NLL-oracle of each of ``num_samples`` fresh samples, as evaluated at ``epoch``. (N,) float64

        The evaluation stream depends on (seed, run, epoch) only: evaluating never shifts the training
        stream, and evaluating the same model at the same epoch again gives the same numbers. Runs
        draw independent samples, as the t-tests between them assume (shared ones would correlate)."""
        rng = keyed_rng(self.seed, self.run, epoch)
        return nll_oracle(self.oracle, generator, self.num_samples, rng, self.batch_size)

    def record(self, phase: str, epoch: int, generator: Generator, wall_seconds: float) -> dict:
        row = {
            "phase": phase,
            "epoch": epoch,
            "nll_oracle": None if self.oracle is None else self.per_sequence(generator, epoch).mean().item(),
            "nll_test": sequence_nll(generator, self.test).mean().item(),
            "wall_seconds": round(wall_seconds, 3),
        }
        self.rows.append(row)
        oracle = "" if self.oracle is None else f" nll_oracle={row['nll_oracle']:.4f}"
        log.info("curve phase=%s epoch=%d%s nll_test=%.4f", phase, epoch, oracle, row["nll_test"])
        return row

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        return out.getvalue()


def per_sequence_csv(values: torch.Tensor) -> str:
    """Per-sequence NLL-oracle as CSV (header ``nll_oracle``, one exact float per line) for t-tests."""
    return "nll_oracle\n" + "".join(f"{value!r}\n" for value in values.tolist())
