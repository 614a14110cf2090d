"""Verbs of the report steps: Tables 1-4, Figures 2-3 and the report page. The repeated ``NAME:PATH``
arguments are parsed and checked here; ``seqgan.report`` takes typed inputs."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from seqgan import config, stages

log = logging.getLogger("seqgan")


def cmd_report_corpus(args) -> None:
    """Table 2, 3 or 4 from every run's scores and metrics (paired in the order given)."""
    from seqgan.report import corpora, corpus_runs

    if len(args.scores) != len(args.metrics):
        raise ValueError("report-corpus: give one --scores per --metrics, in the same order")
    runs = [corpus_runs.read_run(scores, metrics) for scores, metrics in zip(args.scores, args.metrics)]
    corpora.write_table(args.corpus, runs, args.out_table_csv, args.out_table_md)


def _named_path(value: str) -> tuple[str, Path]:
    """argparse type of NAME:PATH (the path may itself contain colons)."""
    name, sep, path = value.partition(":")
    if not (sep and name and path):
        raise argparse.ArgumentTypeError(f"{value!r}: expected NAME:PATH")
    return name, Path(path)


def _run_path(value: str) -> tuple[str, int, Path]:
    """argparse type of METHOD:SEED:PATH (the path may itself contain colons)."""
    method, _, rest = value.partition(":")
    seed, _, path = rest.partition(":")
    try:
        if method and path:
            return method, int(seed), Path(path)
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"{value!r}: expected METHOD:SEED:PATH with an integer SEED")


def _keyed(pairs, option: str, names) -> dict:
    """Repeated NAME:PATH arguments as {NAME: PATH}; each NAME one of ``names``, at most once."""
    out = {}
    for name, path in pairs or []:
        if name not in names:
            raise ValueError(f"{option} {name}:{path}: expected NAME:PATH, NAME one of {', '.join(names)}")
        if name in out:
            raise ValueError(f"{option} {name}: given twice ({out[name]} and {path})")
        out[name] = path
    return out


def _by_run(values, option: str) -> dict[tuple[str, int], Path]:
    """Repeated METHOD:SEED:PATH arguments as {(METHOD, SEED): PATH}; each run at most once."""
    out = {}
    for method, seed, path in values or []:
        if (method, seed) in out:
            raise ValueError(f"{option} {method}:{seed}: given twice ({out[method, seed]} and {path})")
        out[method, seed] = path
    return out


def _report_inputs(args):
    """The synthetic config, the learning curves and the final per-sequence NLL files of the runs named."""
    from seqgan.report import curves

    runs = [curves.read_curve(method, seed, path) for (method, seed), path in _by_run(args.curve, "--curve").items()]
    final = {run: curves.read_nll(path) for run, path in _by_run(args.nll_final, "--nll-final").items()}
    return config.load(args.config), runs, final


def cmd_report_synthetic(args) -> None:
    from seqgan.report import curves, figures, table1  # matplotlib is only needed here

    cfg, runs, final = _report_inputs(args)
    table1.write_table1(cfg, runs, final, args.out_table_csv, args.out_table_md)
    curves.write_curves(runs, args.out_curves)
    figures.write_figure2(runs, args.out_figure, args.out_svg)


def cmd_report_strategies(args) -> None:
    from seqgan.report import figures

    cfg, runs, _ = _report_inputs(args)
    figures.write_figure3(cfg, runs, args.out_figure, args.out_svg)


def cmd_report_quality_diversity(args) -> None:
    """An experiment's quality-diversity curves from every (method, seed) sweep."""
    from seqgan.report import quality_diversity

    sweeps = {run: quality_diversity.read_sweep(path) for run, path in _by_run(args.sweep, "--sweep").items()}
    quality_diversity.write_report(args.experiment, sweeps, args.out_csv, args.out_md, args.out_figure)


def cmd_report(args) -> None:
    """The report page from ReportInputs: each repeated NAME:PATH checked and keyed here."""
    from seqgan.report import inputs, page  # matplotlib is only needed here

    corpora, methods = inputs.CORPORA, inputs.SAMPLE_METHODS
    samples = _keyed(args.samples, "--samples", [f"{c}/{m}" for c in corpora for m in methods])
    piano_rolls = _keyed(args.piano_roll, "--piano-roll", methods)
    # The page embeds these files as PNG images: checked before any work, naming the option.
    images = [(f"--figure2 {args.figure2}", args.figure2), (f"--figure3 {args.figure3}", args.figure3)]
    images += [(f"--piano-roll {method}:{path}", path) for method, path in piano_rolls.items()]
    experiments = stages.EXPERIMENTS
    qd_figures = _keyed(args.quality_diversity_figure, "--quality-diversity-figure", experiments)
    images += [(f"--quality-diversity-figure {name}:{path}", path) for name, path in qd_figures.items()]
    for name, path in images:
        if path is not None:
            page.read_png(path, name)
    report = inputs.ReportInputs(
        config=inputs.read_config(args.config),
        paper_config=inputs.read_paper_config(args.paper_config) if args.paper_config else None,
        table1=args.table1,
        figure2=args.figure2,
        figure3=args.figure3,
        tables=_keyed(args.table, "--table", corpora),
        table_csvs=_keyed(args.table_csv, "--table-csv", corpora),
        summaries=_keyed(args.summary, "--summary", corpora),
        samples={tuple(key.split("/")): path for key, path in samples.items()},
        piano_rolls=piano_rolls,
        midi=_keyed(args.midi, "--midi", methods),
        quality_diversity=_keyed(args.quality_diversity, "--quality-diversity", experiments),
        quality_diversity_figures=qd_figures,
        benchmarks=args.benchmark or [],
        provenance=args.provenance or [],
    )
    page.write_report(report, args.out_md, args.out_html, args.out_figure)


def _report_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, help="experiment config JSON written by the workflow")
    parser.add_argument("--curve", action="append", required=True, type=_run_path, help="METHOD:SEED:PATH, repeated")
    parser.add_argument("--out-figure", required=True, help="PNG")
    parser.add_argument("--out-svg", required=True)


def add_verbs(verbs: argparse._SubParsersAction) -> None:
    p = verbs.add_parser("report-corpus", help="Table 2, 3 or 4: MLE, SeqGAN and the real data, beside the paper")
    p.add_argument("corpus", choices=config.CORPORA)
    p.add_argument("--scores", action="append", required=True, help="a run's scores.csv (repeated)")
    p.add_argument("--metrics", action="append", required=True, help="its metrics.json (repeated, same order)")
    p.add_argument("--out-table-csv", required=True)
    p.add_argument("--out-table-md", required=True)
    p.set_defaults(func=cmd_report_corpus)

    p = verbs.add_parser("report-synthetic", help="Table 1, Figure 2 and all curves in one CSV")
    _report_args(p)
    p.add_argument("--nll-final", action="append", required=True, type=_run_path, help="METHOD:SEED:PATH, repeated")
    p.add_argument("--out-table-csv", required=True)
    p.add_argument("--out-table-md", required=True)
    p.add_argument("--out-curves", required=True)
    p.set_defaults(func=cmd_report_synthetic)

    p = verbs.add_parser("report-strategies", help="Figure 3: SeqGAN under each training strategy")
    _report_args(p)
    p.set_defaults(func=cmd_report_strategies, nll_final=None)

    p = verbs.add_parser("report-quality-diversity", help="quality against diversity over temperatures, per method")
    p.add_argument("experiment", choices=stages.EXPERIMENTS)
    p.add_argument("--sweep", action="append", required=True, type=_run_path, help="METHOD:SEED:PATH, repeated")
    p.add_argument("--out-csv", required=True, help="the mean over seeds per method and temperature")
    p.add_argument("--out-md", required=True, help="what the curves show, in words")
    p.add_argument("--out-figure", required=True, help="PNG")
    p.set_defaults(func=cmd_report_quality_diversity)

    p = verbs.add_parser("report", help="the whole report: report.md and a self-contained index.html")
    p.add_argument("--config", required=True, help="the workflow's whole config as JSON")
    p.add_argument("--paper-config", help="config/config.yaml: the report lists the settings that differ from it")
    for name, what in (("table1", "Table 1 (table1.md)"), ("figure2", "Figure 2 (PNG)"), ("figure3", "Figure 3 (PNG)")):
        p.add_argument(f"--{name}", type=Path, help=what)
    repeated = {
        "table": "CORPUS:PATH of a corpus's table.md",
        "table-csv": "CORPUS:PATH of its table.csv (the real-data figure)",
        "summary": "CORPUS:PATH of its data/summary.json",
        "samples": "CORPUS/METHOD:PATH of samples.txt (METHOD: mle, seqgan, real)",
        "piano-roll": "METHOD:PATH of a music piano roll (PNG)",
        "midi": "METHOD:DIR of a music run's MIDI files",
        "quality-diversity": "EXPERIMENT:PATH of its quality_diversity.md (what the curves show)",
        "quality-diversity-figure": "EXPERIMENT:PATH of its quality-diversity figure (PNG)",
        "benchmark": "RULE:PATH of a Snakemake benchmark TSV",
        "provenance": "RULE:PATH of a job's record of where it ran (written by its --provenance)",
    }
    for name, what in repeated.items():
        p.add_argument(f"--{name}", action="append", type=_named_path, help=what + "; repeated")
    p.add_argument("--out-md", required=True, help="report.md (links relative to its folder)")
    p.add_argument("--out-html", required=True, help="the self-contained page")
    p.add_argument("--out-figure", help="PNG of Tables 2-4 as bars (needs --table-csv)")
    p.set_defaults(func=cmd_report)
