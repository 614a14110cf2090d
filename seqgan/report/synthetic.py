"""Synthetic experiment: the NLL-oracle learning-curve figure and the final/best summary table."""

from __future__ import annotations

import csv
import io
import statistics
from dataclasses import dataclass
from pathlib import Path

from seqgan import atomic

# Paper, Table 1 (NLL-oracle); the methods we run so far.
PAPER = {"mle": 9.038, "seqgan": 8.736}
LABELS = {"pretrain": "MLE pretraining", "mle": "MLE", "seqgan": "SeqGAN"}


@dataclass(frozen=True)
class CurveRun:
    method: str
    seed: int
    rows: list[dict]

    @property
    def final(self) -> dict:
        return self.rows[-1]

    @property
    def best(self) -> dict:
        return min(self.rows, key=lambda row: row["nll_oracle"])


def read_curve(path: str | Path) -> list[dict]:
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise ValueError(f"{path}: empty learning curve")
    try:
        return [
            {
                **row,
                "epoch": int(row["epoch"]),
                "nll_oracle": float(row["nll_oracle"]),
                "nll_test": float(row["nll_test"]),
                "wall_seconds": float(row["wall_seconds"]),
            }
            for row in rows
        ]
    except (KeyError, ValueError) as err:
        raise ValueError(f"{path}: not a learning-curve CSV ({err})") from err


def parse_curve_arg(value: str) -> CurveRun:
    """METHOD:SEED:PATH -> CurveRun."""
    try:
        method, seed, path = value.split(":", 2)
        return CurveRun(method, int(seed), read_curve(path))
    except ValueError as err:
        raise ValueError(f"--curve {value!r}: expected METHOD:SEED:PATH ({err})") from err


def summary_rows(runs: list[CurveRun]) -> list[dict]:
    return [
        {
            "method": run.method,
            "seed": run.seed,
            "epochs": run.final["epoch"],
            "final_nll_oracle": round(run.final["nll_oracle"], 4),
            "best_nll_oracle": round(run.best["nll_oracle"], 4),
            "best_epoch": run.best["epoch"],
            "final_nll_test": round(run.final["nll_test"], 4),
            "paper_nll_oracle": PAPER.get(run.method, ""),
            "wall_seconds": round(run.final["wall_seconds"], 1),
        }
        for run in runs
    ]


def _markdown(rows: list[dict]) -> str:
    header = list(rows[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(row[k]) for k in header) + " |" for row in rows]
    means = []
    for method in dict.fromkeys(row["method"] for row in rows):
        finals = [row["final_nll_oracle"] for row in rows if row["method"] == method]
        spread = f" ± {statistics.stdev(finals):.4f}" if len(finals) > 1 else ""
        means.append(
            f"- {LABELS.get(method, method)}: final NLL-oracle {statistics.mean(finals):.4f}{spread} (n={len(finals)})"
        )
    return "\n".join(["# Synthetic experiment: NLL-oracle", "", *lines, "", *means, ""])


def write_summary(runs: list[CurveRun], csv_path: str | Path, md_path: str | Path) -> None:
    rows = summary_rows(runs)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic.write_text(csv_path, out.getvalue())
    atomic.write_text(md_path, _markdown(rows))


def write_figure(runs: list[CurveRun], png_path: str | Path, svg_path: str | Path) -> None:
    """NLL-oracle vs epoch; each method's line starts with its seed's pretraining curve (paper Fig. 2)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pretrain = {run.seed: run for run in runs if run.method == "pretrain"}
    colors = {"pretrain": "0.4", "mle": "tab:blue", "seqgan": "tab:red"}
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for run in runs:
        rows = (
            run.rows if run.method == "pretrain" else pretrain.get(run.seed, CurveRun("", 0, [])).rows[-1:] + run.rows
        )
        label = f"{LABELS.get(run.method, run.method)} (seed {run.seed})"
        ax.plot(
            [r["epoch"] for r in rows],
            [r["nll_oracle"] for r in rows],
            label=label,
            color=colors.get(run.method),
            alpha=0.9,
            linewidth=1.4,
        )
    if pretrain:
        end = max(run.final["epoch"] for run in pretrain.values())
        ax.axvline(end, color="0.3", linestyle="--", linewidth=1.0, label="end of pretraining")
    ax.set_xlabel("epoch")
    ax.set_ylabel("NLL-oracle (nats/token)")
    ax.set_title("Synthetic data: NLL-oracle during training")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    for path, fmt in ((png_path, "png"), (svg_path, "svg")):
        with atomic.atomic_path(path) as tmp:
            fig.savefig(tmp, format=fmt, dpi=150)
    plt.close(fig)
