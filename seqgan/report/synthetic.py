"""Synthetic experiment: Table 1 (NLL-oracle with t-tests), the learning curves, Figures 2 and 3."""

from __future__ import annotations

import csv
import io
import math
import statistics
import string
from dataclasses import dataclass
from pathlib import Path

from seqgan import atomic
from seqgan.metrics.significance import welch_t_test
from seqgan.report.plotting import pyplot
from seqgan.train.curve import COLUMNS as CURVE_COLUMNS

# Paper, Table 1 (NLL-oracle). Both of our Random rows are compared with the paper's single Random row.
PAPER = {"random": 10.310, "mle": 9.038, "scheduled_sampling": 8.985, "pg_bleu": 8.946, "seqgan": 8.736}
TABLE1 = (
    "random_untrained_generator",
    "random_uniform_tokens",
    "mle",
    "scheduled_sampling",
    "pg_bleu",
    "seqgan",
    "constant_reward",
)
LABELS = {
    "pretrain": "MLE pretraining",
    "random_untrained_generator": "Random (untrained generator)",
    "random_uniform_tokens": "Random (uniform tokens)",
    "mle": "MLE",
    "scheduled_sampling": "Scheduled Sampling",
    "pg_bleu": "PG-BLEU",
    "seqgan": "SeqGAN",
    "constant_reward": "Constant reward (control)",
}
TABLE1_COLUMNS = (
    "method",
    "label",
    "n_seeds",
    "nll_oracle_mean",
    "nll_oracle_std",
    "best_nll_oracle_mean",
    "best_nll_oracle_std",
    "nll_test_mean",
    "nll_test_std",
    "paper_nll_oracle",
    "p_value",
    "p_value_seeds",
    "epochs",
)
# Figure 2's lines, drawn in this order: (method, color, line style).
FIGURE2 = (
    ("pretrain", "0.45", "-"),
    ("mle", "tab:blue", "-"),
    ("scheduled_sampling", "tab:green", "-"),
    ("pg_bleu", "tab:orange", "-"),
    ("seqgan", "tab:red", "-"),
    ("constant_reward", "tab:purple", ":"),
)


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


# ---------------------------------------------------------------- inputs


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
    except (KeyError, TypeError, ValueError) as err:  # TypeError: a short row leaves None values
        raise ValueError(f"{path}: not a learning-curve CSV ({err!r})") from err


def read_nll(path: str | Path) -> list[float]:
    """Per-sequence NLL-oracle: a header line ``nll_oracle``, then one float per line."""
    lines = [line.strip() for line in Path(path).read_text().splitlines() if line.strip()]
    if not lines or lines[0] != "nll_oracle":
        raise ValueError(f"{path}: expected the header 'nll_oracle' on the first line")
    try:
        values = [float(line) for line in lines[1:]]
    except ValueError as err:
        raise ValueError(f"{path}: not a per-sequence NLL file ({err})") from err
    if not values or not all(map(math.isfinite, values)):
        raise ValueError(f"{path}: expected at least one finite NLL value after the header")
    return values


def parse_run_arg(value: str) -> tuple[str, int, str]:
    """METHOD:SEED:PATH -> (method, seed, path); the path may itself contain colons."""
    try:
        method, seed, path = value.split(":", 2)
        if not method or not path:
            raise ValueError("empty METHOD or PATH")
        return method, int(seed), path
    except ValueError as err:
        raise ValueError(f"{value!r}: expected METHOD:SEED:PATH with an integer SEED ({err})") from err


def parse_curve_arg(value: str) -> CurveRun:
    """METHOD:SEED:PATH -> CurveRun, the curve read from PATH."""
    method, seed, path = parse_run_arg(value)
    return CurveRun(method, seed, read_curve(path))


# ---------------------------------------------------------------- Table 1


def format_p(p: float) -> str:
    # Below ~1e-300 the double is denormal or has underflowed to 0: only a bound is meaningful.
    return "< 1e-300" if p < 1e-300 else f"{p:.1e}"


def _p_value(a: list[float], b: list[float]) -> str:
    try:
        return format_p(welch_t_test(a, b).p)
    except ValueError:  # fewer than 2 values in a group, or both constant: no test, a blank cell
        return ""


def _mean_std(name: str, values: list[float]) -> dict:
    std = round(statistics.stdev(values), 4) if len(values) > 1 else ""
    return {f"{name}_mean": round(statistics.mean(values), 4), f"{name}_std": std}


def _paper(method: str) -> float | str:
    return PAPER.get("random" if method.startswith("random_") else method, "")


def _table1_rows(runs: list[CurveRun], final: dict[tuple[str, int], list[float]]) -> list[dict]:
    """One row per Table 1 method in ``final``; numbers from the curves, t-tests from the per-sequence NLLs."""
    unknown = sorted({method for method, _ in final} - set(TABLE1))
    if unknown:
        raise ValueError(f"table 1: unknown method {unknown[0]!r} (expected one of: {', '.join(TABLE1)})")
    curves = {(run.method, run.seed): run for run in runs}
    missing = sorted(key for key in final if key not in curves)
    if missing:
        raise ValueError(f"table 1: no learning curve for method {missing[0][0]!r}, seed {missing[0][1]}")

    def seeds(method):
        return sorted(seed for m, seed in final if m == method)

    def pooled(method):  # every sequence of every seed: the paper's test is on per-sequence NLLs
        return [x for seed in seeds(method) for x in final[method, seed]]

    def finals(method):
        return [curves[method, seed].final["nll_oracle"] for seed in seeds(method)]

    rows = []
    for method in (m for m in TABLE1 if seeds(m)):
        method_runs = [curves[method, seed] for seed in seeds(method)]
        compare = method != "seqgan" and bool(seeds("seqgan"))
        rows.append(
            {
                "method": method,
                "label": LABELS[method],
                "n_seeds": len(method_runs),
                **_mean_std("nll_oracle", finals(method)),
                **_mean_std("best_nll_oracle", [run.best["nll_oracle"] for run in method_runs]),
                **_mean_std("nll_test", [run.final["nll_test"] for run in method_runs]),
                "paper_nll_oracle": _paper(method),
                "p_value": _p_value(pooled(method), pooled("seqgan")) if compare else "",
                "p_value_seeds": _p_value(finals(method), finals("seqgan")) if compare else "",
                # Seeds that stopped at different epochs show all of them (a sign of an unfinished run).
                "epochs": "/".join(str(e) for e in sorted({run.final["epoch"] for run in method_runs})),
            }
        )
    return rows


def _cell(row: dict, name: str) -> str:
    mean, std = row[f"{name}_mean"], row[f"{name}_std"]
    return f"{mean:.4f}" + (f" ± {std:.4f}" if std != "" else "")


def _definitions(cfg, methods) -> list[str]:
    """The Definitions bullets, with every number taken from the config."""
    a, ss, bleu = cfg.adversarial, cfg.scheduled_sampling, cfg.pg_bleu
    random = {
        "random_untrained_generator": "*untrained_generator*: the seed's generator before pretraining, "
        f"every parameter ~ N(0, {cfg.generator.init_std})",
        "random_uniform_tokens": f"*uniform_tokens*: every token uniform over the {cfg.oracle.vocab_size}-word vocabulary",
    }
    text = {
        "mle": f"**MLE**: MLE training continued from the pretrained generator for {a.iterations} epochs, "
        "as many as SeqGAN's adversarial iterations.",
        "scheduled_sampling": "**Scheduled Sampling** (Bengio et al. 2015): continued from the pretrained generator "
        f"for {a.iterations} epochs; in epoch e >= 1 each input is the true previous token with probability "
        f"p(e) = max({ss.floor}, {ss.start} - {ss.decay}·(e - 1)) ({ss.schedule} schedule; "
        f"p = {ss.probability(a.iterations):.4g} in the last epoch), else the generator's own sample.",
        "pg_bleu": f"**PG-BLEU**: policy gradient with reward = BLEU-{bleu.max_n} (smoothing {bleu.smoothing}) "
        f"of each Monte Carlo completion ({a.rollouts} rollouts) against the training set; no discriminator.",
        "seqgan": f"**SeqGAN**: {a.iterations} adversarial iterations of g-steps={a.g_steps}, d-steps={a.d_steps}, "
        f"k={a.k_epochs}, rewards by Monte Carlo search with {a.rollouts} rollouts.",
        "constant_reward": "**Constant reward** (a control): policy gradient with reward 1 on the generator's own "
        "samples, otherwise as SeqGAN. If it also lowers NLL-oracle while NLL-test rises, the gain is "
        "mode-seeking, not learning.",
    }
    lines = []
    if any(m in random for m in methods):
        lines.append("- **Random** (the paper gives no definition), ours:")
        lines += [f"  - {random[m]}." for m in methods if m in random]
        lines.append(
            f"  - The paper's Random {PAPER['random']:.3f} is not reproducible as the paper defines it: "
            "both an untrained generator and uniform tokens score ~11.4 under the released oracle."
        )
    lines += [f"- {text[m]}" for m in methods if m in text]
    lines += [
        (
            "- **NLL-oracle**: the oracle's mean per-token NLL of fresh generator samples (final checkpoint); "
            "**best**: the lowest NLL-oracle on the learning curve."
        ),
        f"- **NLL-test**: the generator's mean per-token NLL on {cfg.oracle.num_test} held-out oracle samples.",
        (
            "- **p vs SeqGAN**: two-sided Welch t-test on the per-sequence NLL-oracle of fresh samples from the final "
            "checkpoints, all seeds pooled (*sequences*), and on the per-seed means (*seeds*, needs >= 2 seeds each)."
        ),
    ]
    return lines


def _markdown(cfg, rows: list[dict]) -> str:
    a = cfg.adversarial
    seeds = sorted({row["n_seeds"] for row in rows})
    header = (
        "| Method | NLL-oracle (ours) | paper | best | NLL-test | p vs SeqGAN (sequences) | p vs SeqGAN (seeds) | n |"
    )
    lines = [
        "# Table 1: synthetic data, NLL-oracle",
        "",
        (
            f"Mean ± std over n seeds (n = {'/'.join(map(str, seeds))}); "
            f"SeqGAN: {a.iterations} adversarial iterations (paper: 200). Lower is better."
        ),
        "",
        header,
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        paper = f"{row['paper_nll_oracle']:.3f}" if row["paper_nll_oracle"] != "" else "–"
        cells = [
            row["label"],
            _cell(row, "nll_oracle"),
            paper,
            _cell(row, "best_nll_oracle"),
            _cell(row, "nll_test"),
            row["p_value"] or "–",
            row["p_value_seeds"] or "–",
            str(row["n_seeds"]),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "## Definitions", "", *_definitions(cfg, [row["method"] for row in rows]), ""]
    return "\n".join(lines)


def _write_csv(path: str | Path, columns, rows: list[dict]) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    atomic.write_text(path, out.getvalue())


def write_table1(
    cfg,
    runs: list[CurveRun],
    final: dict[tuple[str, int], list[float]],
    csv_path: str | Path,
    md_path: str | Path,
) -> None:
    """Table 1 as CSV and Markdown. ``final``: (method, seed) -> per-sequence NLL-oracle of the final
    checkpoint, for the t-tests (the paper's compare final models); the best column comes from the curves."""
    rows = _table1_rows(runs, final)
    if not rows:
        raise ValueError("table 1: no methods to report")
    _write_csv(csv_path, TABLE1_COLUMNS, rows)
    atomic.write_text(md_path, _markdown(cfg, rows))


def write_curves(runs: list[CurveRun], csv_path: str | Path) -> None:
    """Every row of every learning curve, tagged with its method and seed (long format)."""
    rows = [{"method": run.method, "seed": run.seed, **row} for run in runs for row in run.rows]
    _write_csv(csv_path, ("method", "seed", *CURVE_COLUMNS), rows)


# ---------------------------------------------------------------- figures


def _draw(ax, runs: list[CurveRun], column: str, **style) -> None:
    """Mean over seeds at each epoch, with a min-max band when there are several seeds."""
    by_epoch: dict[int, list[float]] = {}
    for run in runs:
        for row in run.rows:
            by_epoch.setdefault(row["epoch"], []).append(row[column])
    epochs = sorted(by_epoch)
    values = [by_epoch[e] for e in epochs]
    (line,) = ax.plot(epochs, [statistics.mean(v) for v in values], linewidth=1.5, **style)
    if len(runs) > 1:
        ax.fill_between(epochs, [min(v) for v in values], [max(v) for v in values], color=line.get_color(), alpha=0.2)


def _pretrain_end(ax, runs: list[CurveRun]) -> None:
    ends = [run.final["epoch"] for run in runs if run.method == "pretrain"]
    if ends:
        ax.axvline(max(ends), color="0.3", linestyle="--", linewidth=1.0, label="end of pretraining")


def _save(plt, fig, png_path: str | Path, svg_path: str | Path) -> None:
    # A fixed hash salt (and no date) makes the SVG byte-identical across re-runs of the workflow.
    with plt.rc_context({"svg.hashsalt": "seqgan"}):
        for path, fmt, metadata in ((png_path, "png", None), (svg_path, "svg", {"Date": None})):
            with atomic.atomic_path(path) as tmp:
                fig.savefig(tmp, format=fmt, dpi=150, metadata=metadata)
    plt.close(fig)


def write_figure2(runs: list[CurveRun], png_path: str | Path, svg_path: str | Path) -> None:
    """Paper Fig. 2: NLL-oracle (left) and NLL-test (right) vs epoch; Random and strategy runs are not drawn."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    panels = (
        ("nll_oracle", "NLL-oracle", "NLL-oracle (paper Fig. 2)"),
        ("nll_test", "NLL-test", "NLL-test (held-out oracle samples)"),
    )
    for ax, (column, name, title) in zip(axes, panels):
        for method, color, linestyle in FIGURE2:
            method_runs = [run for run in runs if run.method == method]
            if method_runs:
                _draw(ax, method_runs, column, color=color, linestyle=linestyle, label=LABELS[method])
        _pretrain_end(ax, runs)
        ax.set(xlabel="epoch", ylabel=f"{name} (nats/token)", title=title)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    _save(plt, fig, png_path, svg_path)


def write_figure3(cfg, runs: list[CurveRun], png_path: str | Path, svg_path: str | Path) -> None:
    """Paper Fig. 3: one panel per training strategy (cfg.strategies), each with the shared pretraining curve."""
    strategies = cfg.strategies
    if not strategies:
        raise ValueError("figure 3: the config defines no strategies")
    for strategy in strategies:
        if not any(run.method == f"strategy_{strategy.name}" for run in runs):
            raise ValueError(
                f"figure 3: no learning curve for strategy {strategy.name!r} (method 'strategy_{strategy.name}')"
            )
    # 2x2 for the paper's four panels, a row for up to three, rows of three beyond four.
    ncols = 2 if len(strategies) == 4 else min(len(strategies), 3)
    nrows = math.ceil(len(strategies) / ncols)
    plt = pyplot()
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.4 * nrows), sharey=True, squeeze=False)
    pretrain = [run for run in runs if run.method == "pretrain"]
    for ax in axes.flat[len(strategies) :]:
        ax.set_visible(False)  # the grid's unused cells
    for ax, strategy, letter in zip(axes.flat, strategies, string.ascii_lowercase):
        if pretrain:
            _draw(ax, pretrain, "nll_oracle", color="0.45", label=LABELS["pretrain"])
        _draw(
            ax,
            [run for run in runs if run.method == f"strategy_{strategy.name}"],
            "nll_oracle",
            color="tab:red",
            label=f"SeqGAN ({strategy.name})",
        )
        _pretrain_end(ax, runs)
        ax.set_title(f"({letter}) g-steps={strategy.g_steps}, d-steps={strategy.d_steps}, k={strategy.k_epochs}")
        ax.set_xlabel("epoch (after the dashed line: adversarial iteration)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    for ax in axes[:, 0]:
        ax.set_ylabel("NLL-oracle (nats/token)")
    fig.tight_layout()
    _save(plt, fig, png_path, svg_path)
