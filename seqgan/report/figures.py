"""The paper's figures beside ours: Figure 2 (learning curves of every method), Figure 3 (SeqGAN under each
training strategy), and the real-data figure (Tables 2-4 on the paper basis as bars, the paper's values as ticks)."""

from __future__ import annotations

import csv
import io
import math
import statistics
import string
from pathlib import Path

from seqgan import atomic
from seqgan.report.corpora import NAMES, SUBSTITUTE, metric_header
from seqgan.report.corpus_runs import BASES
from seqgan.report.curves import CurveRun
from seqgan.report.plotting import pyplot
from seqgan.report.table1 import LABELS

# Figure 2's lines, drawn in this order: (method, color, line style).
FIGURE2 = (
    ("pretrain", "0.45", "-"),
    ("mle", "tab:blue", "-"),
    ("scheduled_sampling", "tab:green", "-"),
    ("pg_bleu", "tab:orange", "-"),
    ("seqgan", "tab:red", "-"),
    ("constant_reward", "tab:purple", ":"),
)


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


# ---------------------------------------------------------------- Tables 2-4


def _table_panels(key: str, path: Path) -> list[tuple[str, list[tuple]]]:
    """One panel per tested metric (BLEU-n, MSE) of a corpus's table.csv, its paper-basis rows (the basis the
    paper's values were most likely scored on): (title, bars)."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise ValueError(f"{path}: no rows (expected a corpus table CSV written by report-corpus)")
    metrics = [name.removesuffix("_mean") for name in rows[0] if name.endswith("_mean")]
    rows = [row for row in rows if row.get("basis") == "paper"]
    if not rows:
        raise ValueError(f"{path}: no row of basis 'paper' (expected a row per method on each of {', '.join(BASES)})")
    try:
        substitute = " (SUBSTITUTE)" if rows[0]["corpus"].endswith(SUBSTITUTE) else ""
        return [
            (
                f"{NAMES[key]}{substitute}: {_metric_name(metric)}",
                [
                    (
                        row["label"],
                        float(row[f"{metric}_mean"]),
                        _float(row[f"{metric}_std"]),
                        _float(row[f"{metric}_paper"]),
                    )
                    for row in rows
                    if row[f"{metric}_mean"] != ""
                ],
            )
            for metric in metrics
            if not metric.startswith("self_")
        ]
    except (KeyError, TypeError, ValueError) as err:  # TypeError: a short row leaves None values
        raise ValueError(f"{path}: not a corpus table CSV ({err!r})") from err


def real_data_figure(table_csvs: dict[str, Path]) -> bytes:
    """Tables 2-4 on the paper basis as bars (ours: mean ± std over seeds, from the tables' CSVs) with the paper's
    values as ticks."""
    panels = []  # (title, [(label, mean, std, paper)])
    for key in NAMES:
        if key in table_csvs:
            panels += _table_panels(key, table_csvs[key])
    if not panels:
        raise ValueError("real-data figure: no table CSVs with metrics")
    plt = pyplot()
    fig, axes = plt.subplots(1, len(panels), figsize=(3.1 * len(panels), 3.3), squeeze=False)
    for ax, (title, bars) in zip(axes[0], panels):
        x = range(len(bars))
        ax.bar(
            x,
            [b[1] for b in bars],
            yerr=[math.nan if b[2] is None else b[2] for b in bars],  # no whisker without a spread
            color="tab:blue",
            alpha=0.75,
            capsize=3,
            label="ours, paper basis (whole corpus as references)",
        )
        papers = [(i, b[3]) for i, b in enumerate(bars) if b[3] is not None]
        if papers:
            ax.scatter(
                [i for i, _ in papers],
                [p for _, p in papers],
                marker="_",
                s=400,
                color="black",
                linewidths=2.5,
                label="paper",
                zorder=3,
            )
        ax.set_xticks(list(x), [b[0] for b in bars], fontsize=8)
        ax.set_title(title, fontsize=9)
        ax.grid(axis="y", alpha=0.3)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=2, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.9))  # room for the legend above the panels
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=120)
    plt.close(fig)
    return out.getvalue()


def _float(value: str) -> float | None:
    return float(value) if value not in ("", None) else None


def _metric_name(metric: str) -> str:
    return metric_header(metric) + (" (lower is better)" if metric == "mse" else "")
