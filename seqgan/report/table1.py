"""Table 1 of the paper (synthetic data, NLL-oracle) beside ours, with Welch t-tests of each method vs SeqGAN.

Inputs: each run's learning curve (seqgan.report.curves: the final and the best NLL-oracle, the final NLL-test)
and the per-sequence NLL-oracle of each final model, whose pooled values the t-tests compare (as the paper's
test on per-sequence NLLs). Each row: mean ± sample std over the seeds, the paper's value, two p-values vs SeqGAN
(sequences pooled over the seeds, and the per-seed means), the epochs the runs ended at.
"""

from __future__ import annotations

from pathlib import Path

from seqgan import atomic
from seqgan.report.curves import CurveRun
from seqgan.report.tables import cell, markdown_row, mean_std, p_value, write_csv

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


def _paper(method: str) -> float | str:
    return PAPER.get("random" if method.startswith("random_") else method, "")


def table1_rows(runs: list[CurveRun], final: dict[tuple[str, int], list[float]]) -> list[dict]:
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
                **mean_std("nll_oracle", finals(method)),
                **mean_std("best_nll_oracle", [run.best["nll_oracle"] for run in method_runs]),
                **mean_std("nll_test", [run.final["nll_test"] for run in method_runs]),
                "paper_nll_oracle": _paper(method),
                "p_value": p_value(pooled(method), pooled("seqgan")) if compare else "",
                "p_value_seeds": p_value(finals(method), finals("seqgan")) if compare else "",
                # Seeds that stopped at different epochs show all of them (a sign of an unfinished run).
                "epochs": "/".join(str(e) for e in sorted({run.final["epoch"] for run in method_runs})),
            }
        )
    return rows


def _definitions(cfg, methods) -> list[str]:
    """The Definitions bullets, with every number taken from the config."""
    a, ss, bleu = cfg.adversarial, cfg.scheduled_sampling, cfg.pg_bleu
    ss_epochs = ss.epoch_count(a.iterations)
    ss_start = (
        "from scratch (the seed's untrained generator)"
        if ss.init == "scratch"
        else "continued from the pretrained generator"
    )
    references = (
        "the training set"
        if bleu.reference_fraction == 1
        else f"the first {bleu.reference_fraction:.0%} of the training set"
    )
    random = {
        "random_untrained_generator": "*untrained_generator*: the seed's generator before pretraining, "
        f"every parameter ~ N(0, {cfg.generator.init_std})",
        "random_uniform_tokens": f"*uniform_tokens*: every token uniform over the {cfg.oracle.vocab_size}-word vocabulary",
    }
    text = {
        "mle": f"**MLE**: MLE training continued from the pretrained generator for {a.iterations} epochs, "
        "as many as SeqGAN's adversarial iterations.",
        "scheduled_sampling": f"**Scheduled Sampling** (Bengio et al. 2015): {ss_start} "
        f"for {ss_epochs} epochs; in epoch e >= 1 each input is the true previous token with probability "
        f"p(e) = max({ss.floor}, {ss.start} - {ss.decay}·(e - 1)) ({ss.schedule} schedule; "
        f"p = {ss.probability(ss_epochs):.4g} in the last epoch), else the generator's own sample.",
        "pg_bleu": f"**PG-BLEU**: policy gradient with reward = BLEU-{bleu.max_n} (smoothing {bleu.smoothing}) "
        f"of each Monte Carlo completion ({bleu.rollouts_of(a)} rollouts) against {references}; no discriminator.",
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
            cell(row, "nll_oracle"),
            paper,
            cell(row, "best_nll_oracle"),
            cell(row, "nll_test"),
            row["p_value"] or "–",
            row["p_value_seeds"] or "–",
            str(row["n_seeds"]),
        ]
        lines.append(markdown_row(cells))
    lines += ["", "## Definitions", "", *_definitions(cfg, [row["method"] for row in rows]), ""]
    return "\n".join(lines)


def write_table1(
    cfg,
    runs: list[CurveRun],
    final: dict[tuple[str, int], list[float]],
    csv_path: str | Path,
    md_path: str | Path,
) -> None:
    """Table 1 as CSV and Markdown. ``cfg``: the synthetic config (the definitions' numbers). ``final``:
    (method, seed) -> per-sequence NLL-oracle of the final checkpoint, for the t-tests (the paper compares final
    models); the best column comes from the curves."""
    rows = table1_rows(runs, final)
    if not rows:
        raise ValueError("table 1: no methods to report")
    markdown = _markdown(cfg, rows)  # before writing: no half-written pair on an error
    write_csv(csv_path, TABLE1_COLUMNS, rows)
    atomic.write_text(md_path, markdown)
