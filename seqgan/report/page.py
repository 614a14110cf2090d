"""The reproduction report: the paper's Tables 1-4 and Figures 2-3 beside ours, with samples, the choices the
paper left open, what is not reproducible, the compute each job took and the software that ran it.

One Markdown text (report.md, readable on GitHub, images linked relatively) is the single source; index.html is
the same text as HTML with every image embedded as a data URI, so the page opens from disk without a server.
The inputs are the workflow's own outputs (tables as Markdown and CSV, figures, samples, data summaries,
Snakemake ``benchmark:`` files, the logs of the jobs with a discriminator) and the whole config.
"""

from __future__ import annotations

import base64
import csv
import importlib.metadata
import io
import json
import math
import mimetypes
import os
import platform
import re
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

import seqgan
from seqgan import atomic
from seqgan.report import corpora, markdown, synthetic
from seqgan.report.plotting import pyplot

CORPORA = tuple(corpora.NAMES)  # poems, obama, music: the order of Tables 2-4
SAMPLE_METHODS = ("mle", "seqgan", "real")
SAMPLES_SHOWN = {"poems": 3, "obama": 5, "music": 3}  # per method; poems are 4 lines each
PACKAGES = (
    *("torch", "numpy", "scipy", "matplotlib", "mido", "tqdm", "pyyaml", "jsonschema"),
    *("snakemake", "snakemake-executor-plugin-slurm"),
)
# Benchmark columns (Snakemake's): wall seconds and peak resident memory (MB).
SECONDS, MAX_RSS = "s", "max_rss"
# The line a job with a discriminator logs once it has resolved its precision (seqgan.device.precision_line).
PRECISION_LINE = re.compile(r"\bprecision=(\w+) \(requested ")
# The page loads nothing: images only from its own data: URIs, no script (a browser enforces both).
POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'none'"
STYLE = """
body { font-family: system-ui, sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45;
       color: #1a1a1a; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.55rem; }
th { background: #f2f2f2; }
figure { margin: 1rem 0; }
img { max-width: 100%; border: 1px solid #ddd; }
pre { background: #f6f6f6; padding: 0.6rem; overflow-x: auto; font-size: 0.85rem; }
code { font-size: 0.9em; }
h1 { border-bottom: 2px solid #333; } h2 { border-bottom: 1px solid #bbb; margin-top: 2.2rem; }
"""


@dataclass
class Inputs:
    """The files a report is made from; every path as the workflow passes it (relative to the working dir)."""

    config: dict
    paper_config: dict | None = None  # config/config.yaml, for the settings this run changed
    table1: Path | None = None
    figure2: Path | None = None
    figure3: Path | None = None
    tables: dict[str, Path] = field(default_factory=dict)  # corpus key -> table.md
    table_csvs: dict[str, Path] = field(default_factory=dict)  # corpus key -> table.csv
    summaries: dict[str, Path] = field(default_factory=dict)  # corpus key -> data/summary.json
    samples: dict[tuple[str, str], Path] = field(default_factory=dict)  # (corpus key, method) -> samples.txt
    piano_rolls: dict[str, Path] = field(default_factory=dict)  # music method -> piano_roll.png
    midi: dict[str, Path] = field(default_factory=dict)  # music method -> folder of sampleN.mid
    benchmarks: list[tuple[str, Path]] = field(default_factory=list)  # (rule, benchmark TSV)
    logs: list[tuple[str, Path]] = field(default_factory=list)  # (rule, log of a job with a discriminator)


def split_named(value: str, option: str) -> tuple[str, Path]:
    """NAME:PATH -> (NAME, PATH); the path may itself contain colons."""
    name, sep, path = value.partition(":")
    if not sep or not name or not path:
        raise ValueError(f"{option} {value!r}: expected NAME:PATH")
    return name, Path(path)


def _read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise ValueError(f"{path}: expected the paper config as YAML ({err})") from err
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a YAML mapping (the paper config)")  # noqa: TRY004 (a bad file)
    return data


def _corpus_key(name: str, option: str) -> str:
    if name not in CORPORA:
        raise ValueError(f"{option} {name!r}: expected a corpus, one of {', '.join(CORPORA)}")
    return name


def inputs_from_args(args) -> Inputs:
    """The CLI's ``report`` arguments (see seqgan/cli.py) as Inputs, every NAME checked."""
    config_path = Path(args.config)
    try:
        cfg = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise ValueError(f"{config_path}: expected the workflow's config as JSON ({err})") from err
    for key in ("preset", "seeds", "device"):
        if key not in cfg:
            raise ValueError(f"{config_path}: no key {key!r} (expected the whole workflow config)")
    inputs = Inputs(
        config=cfg,
        paper_config=_read_yaml(Path(args.paper_config)) if args.paper_config else None,
        table1=Path(args.table1) if args.table1 else None,
        figure2=Path(args.figure2) if args.figure2 else None,
        figure3=Path(args.figure3) if args.figure3 else None,
    )
    for option, target in (
        ("--table", inputs.tables),
        ("--table-csv", inputs.table_csvs),
        ("--summary", inputs.summaries),
    ):
        for value in getattr(args, option[2:].replace("-", "_")) or []:
            name, path = split_named(value, option)
            target[_corpus_key(name, option)] = path
    for value in args.samples or []:
        name, path = split_named(value, "--samples")
        key, _, method = name.partition("/")
        if method not in SAMPLE_METHODS:
            raise ValueError(
                f"--samples {value!r}: expected CORPUS/METHOD:PATH, METHOD one of {', '.join(SAMPLE_METHODS)}"
            )
        inputs.samples[_corpus_key(key, "--samples"), method] = path
    for option, target in (("--piano-roll", inputs.piano_rolls), ("--midi", inputs.midi)):
        for value in getattr(args, option[2:].replace("-", "_")) or []:
            method, path = split_named(value, option)
            if method not in SAMPLE_METHODS:
                raise ValueError(f"{option} {value!r}: expected METHOD:PATH, METHOD one of {', '.join(SAMPLE_METHODS)}")
            target[method] = path
    inputs.benchmarks = [split_named(value, "--benchmark") for value in args.benchmark or []]
    inputs.logs = [split_named(value, "--log") for value in args.log or []]
    return inputs


# ---------------------------------------------------------------- sections


def _demote(text: str, levels: int) -> str:
    """A table's own Markdown, its headings moved ``levels`` down to nest under the report's sections."""
    return "\n".join("#" * levels + line if line.startswith("#") else line for line in text.splitlines())


def _link(path: Path, base: Path) -> str:
    """``path`` relative to the report's folder, with forward slashes (links work on GitHub and from disk)."""
    return Path(os.path.relpath(path, base)).as_posix()


def _header(cfg: dict) -> list[str]:
    seeds = cfg["seeds"]
    return [
        "# SeqGAN reproduction report",
        "",
        (
            "Yu, Zhang, Wang, Yu. *SeqGAN: Sequence Generative Adversarial Nets with Policy Gradient*. AAAI 2017. "
            "Every number below was produced by this run of the workflow; the paper's numbers stand beside ours."
        ),
        "",
        (
            f"- **Preset**: `{cfg['preset']}`; **seeds**: {', '.join(map(str, seeds))} (n = {len(seeds)}); "
            f"**device**: `{cfg['device']}`."
        ),
        "- Our numbers: mean ± sample std over the seeds (no ± with one seed); *n*: the seeds behind a row.",
        "",
    ]


def _synthetic(inputs: Inputs, base: Path) -> list[str]:
    if inputs.table1 is None:
        return []
    lines = ["## Synthetic data: Table 1, Figures 2 and 3", "", _demote(inputs.table1.read_text(encoding="utf-8"), 2)]
    if inputs.figure2 is not None:
        lines += [
            "",
            "### Figure 2: learning curves",
            "",
            (
                "NLL-oracle (the paper's Figure 2) and NLL-test per epoch; mean over seeds, min-max band; "
                "the dashed line is the end of pretraining."
            ),
            "",
            f"![Figure 2: NLL-oracle and NLL-test per epoch]({_link(inputs.figure2, base)})",
        ]
    if inputs.figure3 is not None:
        lines += [
            "",
            "### Figure 3: training strategies",
            "",
            "SeqGAN's NLL-oracle under each (g-steps, d-steps, k) of the config's `synthetic.strategies`.",
            "",
            f"![Figure 3: SeqGAN under each training strategy]({_link(inputs.figure3, base)})",
        ]
    return [*lines, ""]


def _samples(key: str, inputs: Inputs, base: Path) -> list[str]:
    lines = []
    for method in SAMPLE_METHODS:
        path = inputs.samples.get((key, method))
        if path is None:
            continue
        label = corpora.LABELS[method] + (" (the test split)" if method == "real" else "")
        lines += ["", f"#### {label}", ""]
        if key == "music" and method in inputs.piano_rolls:
            lines += [f"![Piano roll, {label}]({_link(inputs.piano_rolls[method], base)})", ""]
        if key == "music" and method in inputs.midi:
            files = sorted(inputs.midi[method].glob("*.mid"), key=lambda p: (len(p.name), p.name))
            links = ", ".join(f"[{p.name}]({_link(p, base)})" for p in files)
            lines += [f"MIDI: {links}" if links else "MIDI: none written", ""]
        blocks = path.read_text(encoding="utf-8").strip().split("\n\n" if key == "poems" else "\n")
        lines += ["```", "\n\n".join(blocks[: SAMPLES_SHOWN[key]]), "```"]
    if lines:
        intro = f"The first sequences generated by seed {_first_seed(inputs)}'s models, and the first test sequences."
        lines = ["", "### Samples", "", intro, *lines]
    return lines


def _first_seed(inputs: Inputs) -> int:
    return inputs.config["seeds"][0]


def _real_data(inputs: Inputs, base: Path, figure: Path | None) -> list[str]:
    keys = [key for key in CORPORA if key in inputs.tables]
    if not keys:
        return []
    lines = ["## Real data: Tables 2-4", ""]
    if figure is not None:
        lines += [
            "Ours (bars: mean over seeds, whiskers: ± std) beside the paper's values (black ticks).",
            "",
            f"![Tables 2-4 as bars: ours beside the paper]({_link(figure, base)})",
            "",
        ]
    for key in keys:
        lines += [_demote(inputs.tables[key].read_text(encoding="utf-8"), 2), *_samples(key, inputs, base), ""]
    return lines


def _summary(inputs: Inputs, key: str) -> dict:
    path = inputs.summaries.get(key)
    if path is None:
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: not a data summary (invalid JSON: {err})") from err


def _split_counts(summary: dict, unit: str) -> str:
    splits = summary.get("splits", {})
    return " / ".join(f"{splits[s][unit]:,} {s}" for s in ("train", "valid", "test") if unit in splits.get(s, {}))


def _choices(inputs: Inputs) -> list[str]:
    """The definitions the paper left open, with this run's values (config/README.md has the reasons)."""
    cfg = inputs.config
    lines = [
        "## Choices the paper left open",
        "",
        "Each is a config key (documented with its reason in `config/README.md`); the values are this run's.",
        "",
    ]
    if inputs.table1 is not None:
        lines.append(
            f"- **Random baseline** (Table 1): see Table 1's definitions; the paper's {synthetic.PAPER['random']:.3f} "
            "is not reproducible as it defines Random."
        )
    if "poems" in cfg and "poems" in inputs.tables:
        data, s = cfg["poems"]["data"], _summary(inputs, "poems")
        lines.append(
            f"- **Poems**: characters, punctuation {'kept' if data['keep_punctuation'] else 'dropped'}; "
            f"duplicates {'removed' if data['deduplicate'] else 'kept'}"
            + (f" ({s['duplicates_removed']:,})" if "duplicates_removed" in s else "")
            + f"; seeded shuffle (seed {data['seed']}), {data['test_fraction']:.0%} test"
            + (f": {_split_counts(s, 'items')} poems" if s else "")
            + "."
        )
    if "obama" in cfg and "obama" in inputs.tables:
        data, s = cfg["obama"]["data"], _summary(inputs, "obama")
        lines.append(
            f"- **Obama**: lower-cased word tokens (regular expression, `seqgan/data/obama.py`); windows of "
            f"{data['seq_len']} tokens per paragraph, a last window of >= {data['min_tokens']} tokens padded; the "
            f"{data['max_vocab']:,} most frequent training tokens (`<pad>`, `<unk>` included); seeded shuffle "
            f"(seed {data['seed']}), {data['test_fraction']:.0%} test"
            + (f": {_split_counts(s, 'items')} windows" if s else "")
            + "."
        )
    if "music" in cfg and "music" in inputs.tables:
        data, s = cfg["music"]["data"], _summary(inputs, "music")
        lines.append(
            f"- **Music**: melody track, pitch every {data['sample_seconds']} s, a rest repeats the last pitch, "
            f"88 piano keys; windows of {data['seq_len']} every {data['stride']} tokens; the original split "
            "(file names)" + (f": {_split_counts(s, 'tunes')} tunes" if s else "") + "."
        )
        lines.append(
            "- **Music MSE**: per generated sequence, the mean squared pitch difference (semitones²) to the nearest "
            "test sequence; averaged over sequences (`seqgan/metrics/music.py`)."
        )
    smoothing = sorted({str(cfg[key]["metrics"]["smoothing"]) for key in CORPORA if key in inputs.tables})
    if smoothing:
        lines.append(
            "- **BLEU**: sentence BLEU-n with uniform weights, each generated sequence against the whole test split, "
            f"averaged; smoothing: {', '.join(smoothing)} (the paper names none). The real-data row: the test split "
            "against the training split."
        )
    max_train = {key: cfg[key]["data"]["max_train"] for key in CORPORA if key in inputs.tables}
    limited = {key: n for key, n in max_train.items() if n}
    if limited:
        text = ", ".join(f"{key} {n:,}" for key, n in limited.items())
        lines.append(f"- **Training subset** (`data.max_train`, not the paper's): {text} training sequences.")
    return [*lines, ""]


def _flatten(section, prefix: str = "") -> dict[str, object]:
    """Nested config -> {"synthetic.adversarial.iterations": 200, ...} (lists are values)."""
    if not isinstance(section, dict):
        return {prefix: section}
    flat = {}
    for key, value in section.items():
        flat |= _flatten(value, f"{prefix}.{key}" if prefix else key)
    return flat


# Keys that say where or how the run happened, not what it computed.
NOT_SETTINGS = ("preset", "device", "corpora.mirror")


def differences(cfg: dict, paper: dict) -> list[tuple[str, object, object]]:
    """(key, this run's value, the paper config's value) for every setting where they differ."""
    ours, theirs = _flatten(cfg), _flatten(paper)
    keys = sorted((ours.keys() | theirs.keys()) - set(NOT_SETTINGS))
    return [(key, ours.get(key, "–"), theirs.get(key, "–")) for key in keys if ours.get(key) != theirs.get(key)]


def _not_reproducible(inputs: Inputs) -> list[str]:
    lines = ["## Not reproduced, and why", ""]
    if inputs.table1 is not None:
        lines.append(
            f"- **Random** (Table 1, {synthetic.PAPER['random']:.3f}): undefined in the paper; both natural "
            "definitions score ~11.4 under the released oracle."
        )
    if "poems" in inputs.tables:
        lines.append("- **Human scores** (Table 2): they need human judges.")
    lines.append(
        "- **The paper's p-values** are not quoted: they depend on its samples; ours are computed the same way on ours."
    )
    for key in CORPORA:
        label = _summary(inputs, key).get("name", "")
        if label.endswith(corpora.SUBSTITUTE):
            lines.append(
                f"- **{corpora.NAMES[key]}**: this run used a SUBSTITUTE corpus (`{label}`), not the paper's data; its "
                "numbers exercise the pipeline and cannot be compared with the paper's."
            )
    if inputs.paper_config is not None:
        changed = differences(inputs.config, inputs.paper_config)
        if changed:
            lines += [
                (
                    f"- **Settings**: {len(changed)} differ from the paper config (`config/config.yaml`, whose values are "
                    "the paper's or, where it is silent, the original code's): compare trends, not digits, with the paper."
                ),
                "",
                "<details>",
                (
                    f"<summary>The {len(changed)} settings of this run (preset `{inputs.config['preset']}`) that differ "
                    "from the paper config</summary>"
                ),
                "",
                "| Setting | This run | Paper config |",
                "|---|---|---|",
                *(f"| `{key}` | {_value(ours)} | {_value(paper)} |" for key, ours, paper in changed),
                "</details>",
            ]
        else:
            lines.append("- **Settings**: all as in the paper config (`config/config.yaml`).")
    return [*lines, ""]


def _value(value) -> str:
    return "–" if value == "–" else f"`{json.dumps(value, ensure_ascii=False, sort_keys=True)}`"


# ---------------------------------------------------------------- compute


def read_benchmark(path: Path) -> dict[str, float | None]:
    """A Snakemake benchmark TSV: its first row as numbers (``NA``/``-`` -> None)."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    if not rows or SECONDS not in rows[0]:
        raise ValueError(f"{path}: not a Snakemake benchmark file (expected a header with '{SECONDS}' and a row)")

    def number(value):
        try:
            return float(value)
        except (TypeError, ValueError):
            return None

    return {name: number(value) for name, value in rows[0].items()}


def read_precision(path: Path) -> str | None:
    """The discriminator precision a job resolved on its machine: the last such line of its log (a resumed job
    logs it again), or None when the log has none (a job run before the line existed)."""
    found = PRECISION_LINE.findall(path.read_text(encoding="utf-8", errors="replace"))
    return found[-1] if found else None


def _job_label(path: Path) -> str:
    """benchmarks/synthetic/seed2/pretrain.tsv (or logs/.../pretrain.log) -> synthetic/pretrain (seeds are summed
    over): the rules' logs mirror their benchmark files, so a job's two files get the same label."""
    parts = path.with_suffix("").parts
    return "/".join(p for p in parts if p not in ("benchmarks", "logs") and not re.fullmatch(r"seed\d+", p))


def _precisions(values: list[str | None]) -> str:
    """One job kind's precisions: the value, or each with its number of jobs where they differ (mixed nodes)."""
    counts = Counter(value or "not logged" for value in values)
    if len(counts) == 1:
        return next(iter(counts))
    return ", ".join(f"{value} ({n})" for value, n in sorted(counts.items()))


def _compute(inputs: Inputs) -> list[str]:
    if not inputs.benchmarks:
        return []
    groups: dict[tuple[str, str], list[dict]] = {}
    for rule, path in inputs.benchmarks:
        groups.setdefault((_job_label(path), rule), []).append(read_benchmark(path))
    precisions: dict[tuple[str, str], list[str | None]] = {}
    for rule, path in inputs.logs:
        if (_job_label(path), rule) not in groups:
            raise ValueError(f"--log {rule}:{path}: no benchmark file of that job (expected --benchmark {rule}:...)")
        precisions.setdefault((_job_label(path), rule), []).append(read_precision(path))
    total = sum(b[SECONDS] or 0.0 for jobs in groups.values() for b in jobs)
    lines = [
        "## Compute: wall time and peak memory per job",
        "",
        (
            f"From the rules' `benchmark:` files: {len(inputs.benchmarks)} jobs, {total / 3600:.2f} h of job wall time "
            "in all (jobs may have run in parallel). Per job kind: the jobs (one per seed), their summed and longest "
            "wall time, and the highest peak resident memory (max RSS). Discriminator precision: what the jobs with "
            "a discriminator resolved on their own machines (their logs), `auto` being bf16 autocast only where the "
            "CPU or GPU computes bf16 natively; – for jobs without a discriminator, which run in fp32."
        ),
        "",
        "| Job | Rule | Jobs | Wall time, sum (s) | Longest (s) | Peak memory (MB) | Discriminator precision |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for (label, rule), jobs in groups.items():
        seconds = [b[SECONDS] or 0.0 for b in jobs]
        rss = [b[MAX_RSS] for b in jobs if b.get(MAX_RSS) is not None]
        peak = f"{max(rss):,.0f}" if rss else "–"
        precision = _precisions(precisions[label, rule]) if (label, rule) in precisions else "–"
        lines.append(
            f"| {label} | {rule} | {len(jobs)} | {sum(seconds):,.1f} | {max(seconds):,.1f} | {peak} | {precision} |"
        )
    return [*lines, ""]


# ---------------------------------------------------------------- software and config


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed in this environment"


def _git_commit() -> str:
    """The commit of the checkout the package runs from (an editable install); not the working directory's."""
    package = Path(seqgan.__file__).parent

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=package, capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()

    try:
        commit = git("rev-parse", "--short=12", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"
    return commit + (" (with uncommitted changes)" if dirty else "")


def software() -> list[tuple[str, str]]:
    """What made the report: our version and commit, Python, the platform, the packages, CUDA."""
    import torch

    cuda = f"CUDA {torch.version.cuda}, {torch.cuda.device_count()} GPU(s)" if torch.cuda.is_available() else "none"
    rows = [
        ("seqgan-repro", seqgan.__version__),
        ("git commit", _git_commit()),
        ("Python", platform.python_version()),
        ("platform", f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs"),
        ("GPU (of the report job)", cuda),
    ]
    return rows + [(package, _version(package)) for package in PACKAGES]


def _software(cfg: dict) -> list[str]:
    lines = [
        "## Software and configuration",
        "",
        (
            "Versions in the environment of the job that wrote this report: the training jobs used the same "
            "installation when they ran on this machine without `--use-conda` (whose environments are pinned in "
            "`workflow/envs/`); on a cluster, the nodes' own."
        ),
        "",
        "| Component | Version |",
        "|---|---|",
        *(f"| {name} | {version} |" for name, version in software()),
        "",
        "<details>",
        (
            "<summary>The complete configuration of this run (config/config.yaml merged with the --configfile "
            "overrides)</summary>"
        ),
        "",
        "```yaml",
        yaml.safe_dump(cfg, sort_keys=True, allow_unicode=True).rstrip(),
        "```",
        "</details>",
        "",
    ]
    return lines


# ---------------------------------------------------------------- figure


def _table_panels(key: str, path: Path) -> list[tuple[str, list[tuple]]]:
    """One panel per tested metric (BLEU-n, MSE) of a corpus's table.csv: (title, bars)."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise ValueError(f"{path}: no rows (expected a corpus table CSV written by report-corpus)")
    metrics = [name.removesuffix("_mean") for name in rows[0] if name.endswith("_mean")]
    try:
        substitute = " (SUBSTITUTE)" if rows[0]["corpus"].endswith(corpora.SUBSTITUTE) else ""
        return [
            (
                f"{corpora.NAMES[key]}{substitute}: {_metric_name(metric)}",
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
    """Tables 2-4 as bars (ours: mean ± std over seeds, from the tables' CSVs) with the paper's values as ticks."""
    panels = []  # (title, [(label, mean, std, paper)])
    for key in CORPORA:
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
            label="ours",
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
    return corpora.metric_header(metric) + (" (lower is better)" if metric == "mse" else "")


# ---------------------------------------------------------------- the page


def build_markdown(inputs: Inputs, out_dir: Path, real_data_figure: Path | None) -> str:
    """report.md for a report written to ``out_dir`` (links are relative to it)."""
    lines = [
        *_header(inputs.config),
        *_synthetic(inputs, out_dir),
        *_real_data(inputs, out_dir, real_data_figure),
        *_choices(inputs),
        *_not_reproducible(inputs),
        *_compute(inputs),
        *_software(inputs.config),
    ]
    return "\n".join(lines).rstrip() + "\n"


def data_uri(data: bytes, name: str) -> str:
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return f"data:{kind};base64," + base64.b64encode(data).decode("ascii")


def build_html(markdown_text: str, base: Path, images: dict[str, bytes] | None = None) -> str:
    """The page: ``markdown_text`` as HTML with every image embedded, no script, no remote resource. An image is
    read from its path relative to ``base`` unless ``images`` holds its bytes (one not yet written)."""
    images = images or {}

    def embed(src: str) -> str:
        if src in images:
            return data_uri(images[src], src)
        path = base / src
        if not path.is_file():
            raise FileNotFoundError(f"report: image {src!r} not found at {path}")
        return data_uri(path.read_bytes(), src)

    body = markdown.to_html(markdown_text, image_src=embed)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">\n'
        f"<title>SeqGAN reproduction report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def write_report(inputs: Inputs, md_path: str | Path, html_path: str | Path, figure_path: str | Path | None) -> None:
    """report.md, index.html and (with real-data tables) the figure of Tables 2-4. Everything is made in memory
    first, so a bad input leaves no file behind; then each is written atomically."""
    md_path, html_path = Path(md_path), Path(html_path)
    figure, images = None, {}
    if figure_path is not None:
        if not inputs.table_csvs:
            raise ValueError("report: --out-figure needs the real-data tables (--table-csv)")
        figure = Path(figure_path)
        images[_link(figure, md_path.parent)] = real_data_figure(inputs.table_csvs)
    text = build_markdown(inputs, md_path.parent, figure)
    page = build_html(text, md_path.parent, images)
    if figure is not None:
        atomic.write_bytes(figure, images[_link(figure, md_path.parent)])
    atomic.write_text(md_path, text)
    atomic.write_text(html_path, page)
