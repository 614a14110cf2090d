"""The synthetic experiment's training records as the report reads them: each run's learning curve
(curve.csv: one row per evaluated epoch) and the per-sequence NLL-oracle of its final model (nll_final.csv);
and curves.csv, every curve in one long table."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from seqgan.report.tables import write_csv

# The columns the report reads (a curve may have more; curves.csv keeps them all, in the file's order).
NUMBERS = {"epoch": int, "nll_oracle": float, "nll_test": float, "wall_seconds": float}


@dataclass(frozen=True)
class CurveRun:
    """One run's learning curve: ``rows`` with the NUMBERS columns as numbers, under the CSV's ``columns``."""

    method: str
    seed: int
    rows: list[dict]
    columns: tuple[str, ...]

    @property
    def final(self) -> dict:
        return self.rows[-1]

    @property
    def best(self) -> dict:
        return min(self.rows, key=lambda row: row["nll_oracle"])


def read_curve(method: str, seed: int, path: str | Path) -> CurveRun:
    """The learning curve at ``path`` (a CSV with a header) as the run (method, seed)."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    if not rows:
        raise ValueError(f"{path}: empty learning curve")
    try:
        rows = [row | {name: kind(row[name]) for name, kind in NUMBERS.items()} for row in rows]
    except (KeyError, TypeError, ValueError) as err:  # TypeError: a short row leaves None values
        raise ValueError(f"{path}: not a learning-curve CSV ({err!r})") from err
    return CurveRun(method, seed, rows, tuple(reader.fieldnames))


def read_nll(path: str | Path) -> list[float]:
    """Per-sequence NLL-oracle: a header line ``nll_oracle``, then one float per line."""
    lines = [line.strip() for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    if not lines or lines[0] != "nll_oracle":
        raise ValueError(f"{path}: expected the header 'nll_oracle' on the first line")
    try:
        values = [float(line) for line in lines[1:]]
    except ValueError as err:
        raise ValueError(f"{path}: not a per-sequence NLL file ({err})") from err
    if not values or not all(map(math.isfinite, values)):
        raise ValueError(f"{path}: expected at least one finite NLL value after the header")
    return values


def write_curves(runs: list[CurveRun], csv_path: str | Path) -> None:
    """Every row of every learning curve, tagged with its method and seed (long format); the curves must share
    their columns."""
    columns = {run.columns for run in runs}
    if len(columns) != 1:
        raise ValueError(f"curves: expected learning curves with the same columns, got {sorted(columns)}")
    rows = [{"method": run.method, "seed": run.seed, **row} for run in runs for row in run.rows]
    write_csv(csv_path, ("method", "seed", *columns.pop()), rows)
