"""Quality–diversity curves of one experiment: the figure, the means behind it, and what they show in words.

Inputs: one sweep per (method, seed) from ``python -m seqgan quality-diversity`` (seqgan/metrics/
quality_diversity.py): a CSV with a row per temperature. Each method's curve is the mean over its seeds at
each temperature. The question the curves answer: is a method's gain over MLE at temperature 1 more than
MLE gets by sampling at another temperature? For each method we read MLE's curve at the method's own
diversity (temperature 1; linear between MLE's points) and compare the quality there.
"""

from __future__ import annotations

import csv
import itertools
import math
import statistics
from dataclasses import dataclass
from pathlib import Path

from seqgan import atomic
from seqgan.report import corpora, table1
from seqgan.report.document import text
from seqgan.report.plotting import pyplot
from seqgan.report.tables import write_csv

# The methods with a trained generator, in Table 1's order, and their names there; the experiments' titles.
METHODS = ("mle", "scheduled_sampling", "pg_bleu", "constant_reward", "seqgan")
LABELS = {method: table1.LABELS[method] for method in METHODS}
TITLES = {"synthetic": "Synthetic data", **corpora.NAMES}


@dataclass(frozen=True)
class Axes:
    """Which sweep columns the curves plot: diversity on x, quality on y (lower-is-better flags each)."""

    x: str
    y: str
    x_label: str
    y_label: str
    y_lower_is_better: bool

    @property
    def se(self) -> str:
        return f"{self.y}_se"  # the quality's standard error (seqgan/metrics/quality_diversity.py)


def axes(experiment: str, columns: list[str]) -> Axes:
    """Synthetic: NLL-oracle against NLL-test. A corpus: leak-free BLEU-n against Self-BLEU-n, n the highest
    order swept (the leak-free basis: at a low temperature a model reproducing training text would otherwise
    gain BLEU on the paper basis, whose references include the training data)."""
    if experiment == "synthetic":
        return Axes(
            "nll_test", "nll_oracle", "NLL-test (lower: covers more of the data)", "NLL-oracle (lower: better)", True
        )
    orders = sorted(int(c.removeprefix("self_bleu")) for c in columns if c.startswith("self_bleu"))
    if not orders:
        raise ValueError(f"{experiment}: the sweeps have no self_bleuN column")
    n = orders[-1]
    return Axes(
        f"self_bleu{n}",
        f"leak_free_bleu{n}",
        f"Self-BLEU-{n} (lower: more diverse)",
        f"BLEU-{n}, leak-free basis (higher: better)",
        False,
    )


def read_sweep(path: str | Path) -> list[dict[str, float]]:
    """One sweep's rows: column -> finite float, a ``temperature`` column, temperatures distinct."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: file not found (expected a quality-diversity sweep CSV)")
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if not rows or "temperature" not in rows[0]:
        raise ValueError(f"{path}: expected a header with a temperature column and one row per temperature")
    sweep = []
    for number, row in enumerate(rows, start=2):
        try:
            values = {name: float(value) for name, value in row.items()}
        except (TypeError, ValueError):
            raise ValueError(f"{path}:{number}: expected numbers in every column") from None
        if not all(math.isfinite(v) for v in values.values()):
            raise ValueError(f"{path}:{number}: a non-finite value")
        sweep.append(values)
    temperatures = [row["temperature"] for row in sweep]
    if len(set(temperatures)) != len(temperatures):
        raise ValueError(f"{path}: a temperature appears twice")
    return sweep


def mean_curves(sweeps: dict[tuple[str, int], list[dict]]) -> dict[str, list[dict]]:
    """Per method (in LABELS order), the mean over its seeds of every column at each temperature (sorted)."""
    curves = {}
    for method, label in LABELS.items():
        runs = [rows for (m, _), rows in sorted(sweeps.items()) if m == method]
        if not runs:
            continue
        temperatures = sorted(row["temperature"] for row in runs[0])
        if any(sorted(row["temperature"] for row in rows) != temperatures for rows in runs):
            raise ValueError(f"{label}: the seeds' sweeps have different temperatures")
        by_t = [[next(r for r in rows if r["temperature"] == t) for rows in runs] for t in temperatures]
        curves[method] = [{"n_seeds": len(runs)} | {c: _mean(c, group) for c in group[0]} for group in by_t]
    unknown = sorted({m for m, _ in sweeps} - set(LABELS))
    if unknown:
        raise ValueError(f"unknown method {unknown[0]!r} (expected one of: {', '.join(LABELS)})")
    return curves


def _better(ax: Axes, a: float, b: float) -> bool:
    """Quality ``a`` is better than ``b``."""
    return a < b if ax.y_lower_is_better else a > b


def _mean(column: str, rows: list[dict]) -> float:
    """The mean over seeds; for a standard error, that of the mean of the seeds' means."""
    if column.endswith("_se"):
        return math.sqrt(sum(row[column] ** 2 for row in rows)) / len(rows)
    return statistics.mean(row[column] for row in rows)


def at_diversity(curve: list[dict], ax: Axes, x: float) -> tuple[float, float, float] | None:
    """(quality, its standard error, temperature) of ``curve`` at diversity ``x``: linear between points of
    neighbouring temperatures; None where no such segment reaches ``x``. NLL-test need not change monotonically
    with temperature (a well-fit model has its lowest near 1), so several segments may reach ``x``: then the
    best quality among them, the strictest comparison for the other method."""
    points = sorted(curve, key=lambda row: row["temperature"])
    found = []
    for a, b in itertools.pairwise(points):
        if min(a[ax.x], b[ax.x]) <= x <= max(a[ax.x], b[ax.x]):
            w = 0.0 if a[ax.x] == b[ax.x] else (x - a[ax.x]) / (b[ax.x] - a[ax.x])
            quality = a[ax.y] + w * (b[ax.y] - a[ax.y])
            se = max(a.get(ax.se, 0.0), b.get(ax.se, 0.0))
            found.append((quality, se, a["temperature"] + w * (b["temperature"] - a["temperature"])))
    if not found:
        return None
    best = found[0]
    for candidate in found[1:]:
        best = candidate if _better(ax, candidate[0], best[0]) else best
    return best


def _at_one(curve: list[dict]) -> dict | None:
    return next((row for row in curve if row["temperature"] == 1.0), None)


def _name(label: str) -> str:
    return label.split(" (")[0]


def findings(curves: dict[str, list[dict]], ax: Axes) -> list[str]:
    """One plain sentence per method: its quality at temperature 1 against MLE's at the same diversity, told
    apart from noise by two standard errors of the difference."""
    if "mle" not in curves or _at_one(curves["mle"]) is None:
        return ["- No MLE sweep with temperature 1: nothing to compare with."]
    lines = []
    for method, curve in curves.items():
        own = _at_one(curve)
        if method == "mle" or own is None:
            continue
        name = LABELS[method]
        where = f"{name} at temperature 1 ({_name(ax.x_label)} {own[ax.x]:.4f}, {_name(ax.y_label)} {own[ax.y]:.4f})"
        found = at_diversity(curves["mle"], ax, own[ax.x])
        if found is None:
            lines.append(f"- {where}: {_outside(curves['mle'], ax, own, name)}")
            continue
        mle_y, mle_se, mle_t = found
        gain = (mle_y - own[ax.y]) if ax.y_lower_is_better else (own[ax.y] - mle_y)
        margin = 2 * math.hypot(own.get(ax.se, 0.0), mle_se)
        if abs(gain) <= margin:
            verdict = f"{name} and MLE cannot be told apart at equal diversity"
        else:
            verdict = f"{name} is {'better' if gain > 0 else 'worse'} than MLE at equal diversity"
        lines.append(
            f"- {where}: MLE at temperature {mle_t:.2f} reaches the same diversity with {mle_y:.4f}, so {verdict} "
            f"({gain:+.4f} in quality; two standard errors: {margin:.4f})."
        )
    return lines


def _outside(mle: list[dict], ax: Axes, own: dict, name: str) -> str:
    """A point whose diversity no segment of MLE's sweep reaches: compared with MLE's points by dominance (as
    diverse or more, and as good or better; lower x is more diverse on both kinds of axes)."""
    span = f"MLE's sweep spans {min(r[ax.x] for r in mle):.4f} to {max(r[ax.x] for r in mle):.4f}"
    dominating = [r for r in mle if r[ax.x] <= own[ax.x] and not _better(ax, own[ax.y], r[ax.y])]
    if dominating:
        r = min(dominating, key=lambda row: abs(row["temperature"] - 1))
        return (
            f"{span}; MLE at temperature {r['temperature']:g} ({r[ax.x]:.4f}, {r[ax.y]:.4f}) is as diverse or more "
            f"and as good or better: MLE dominates {name}."
        )
    if own[ax.x] <= min(r[ax.x] for r in mle) and all(_better(ax, own[ax.y], r[ax.y]) for r in mle):
        return f"{span}; {name} is more diverse and better than MLE at every swept temperature: it dominates them."
    return f"{span}, not its diversity, so no comparison at equal diversity (widen the temperatures)."


def summary(experiment: str, curves: dict[str, list[dict]], ax: Axes, temperatures: list[float]) -> str:
    """The Markdown that goes with the figure: what is plotted, and what the curves show."""
    seeds = sorted({row["n_seeds"] for curve in curves.values() for row in curve})
    lines = [
        f"# Quality–diversity: {TITLES[experiment]}",
        "",
        (
            f"Each trained generator sampled at the softmax temperatures {text(', '.join(f'{t:g}' for t in temperatures))}"
            f" (lower: sharper, less diverse): {text(ax.y_label)} against {text(ax.x_label)}, one curve per method, "
            f"mean over {text('/'.join(map(str, seeds)))} seed(s); the larger marker is temperature 1, where the tables "
            "are measured. A method whose point at temperature 1 lies on MLE's curve gained nothing a temperature "
            "change would not give MLE (after Caccia et al. 2020)."
        ),
        "",
        *findings(curves, ax),
        "",
    ]
    return "\n".join(lines)


def write_figure(experiment: str, curves: dict[str, list[dict]], ax: Axes, png_path: str | Path) -> None:
    plt = pyplot()
    fig, axis = plt.subplots(figsize=(6.4, 4.8))
    for method, curve in curves.items():
        (line,) = axis.plot(
            [r[ax.x] for r in curve], [r[ax.y] for r in curve], marker="o", markersize=3, label=LABELS[method]
        )
        one = _at_one(curve)
        if one is not None:
            axis.plot([one[ax.x]], [one[ax.y]], marker="o", markersize=8, color=line.get_color())
        for row in (curve[0], curve[-1]):  # label the ends with their temperatures
            axis.annotate(
                f"{row['temperature']:g}", (row[ax.x], row[ax.y]), fontsize=7, xytext=(3, 3), textcoords="offset points"
            )
    axis.set_xlabel(ax.x_label)
    axis.set_ylabel(ax.y_label)
    axis.set_title(f"Quality–diversity, {TITLES[experiment]} (labels: temperature)")
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8)
    fig.tight_layout()
    with atomic.atomic_path(png_path) as tmp:
        fig.savefig(tmp, format="png", dpi=150)
    plt.close(fig)


def write_report(
    experiment: str,
    sweeps: dict[tuple[str, int], list[dict]],
    csv_path: str | Path,
    md_path: str | Path,
    png_path: str | Path,
) -> None:
    """The means (CSV), the summary (Markdown) and the figure (PNG) of one experiment's sweeps."""
    if experiment not in TITLES:
        raise ValueError(f"unknown experiment {experiment!r} (expected one of: {', '.join(TITLES)})")
    if not sweeps:
        raise ValueError(f"{experiment}: no sweeps to report")
    curves = mean_curves(sweeps)
    columns = list(next(iter(curves.values()))[0])
    ax = axes(experiment, columns)
    missing = [column for column in (ax.x, ax.y) if column not in columns]
    if missing:
        raise ValueError(f"{experiment}: the sweeps have no {missing[0]} column")
    temperatures = sorted({row["temperature"] for curve in curves.values() for row in curve})
    markdown = summary(experiment, curves, ax, temperatures)  # everything computed before any file is written
    write_csv(csv_path, ["method", *columns], [{"method": m} | row for m, curve in curves.items() for row in curve])
    write_figure(experiment, curves, ax, png_path)
    atomic.write_text(md_path, markdown)
