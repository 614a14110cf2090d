"""What a reader needs to judge the numbers: the choices the paper left open (with this run's values), what is
not reproduced and why, the settings that differ from the paper config, the software and the whole config."""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import subprocess
from pathlib import Path

import yaml

import seqgan
from seqgan.report.corpora import NAMES, SUBSTITUTE
from seqgan.report.document import Details, Part, code_block, code_span, text
from seqgan.report.inputs import CORPORA, ReportInputs
from seqgan.report.table1 import PAPER
from seqgan.report.tables import markdown_row

PACKAGES = (
    *("torch", "numpy", "scipy", "matplotlib", "mido", "tqdm", "pyyaml", "jsonschema", "markdown-it-py"),
    *("snakemake", "snakemake-executor-plugin-slurm"),
)
# Keys that say where or how the run happened, not what it computed.
NOT_SETTINGS = ("preset", "device", "gpus", "jobs_per_gpu", "threads", "corpora.mirror")


def _summary(inputs: ReportInputs, key: str) -> dict:
    path = inputs.summaries.get(key)
    if path is None:
        return {}
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: not a data summary (invalid JSON: {err})") from err
    if not isinstance(summary, dict):
        raise ValueError(f"{path}: not a data summary (expected a JSON object)")  # noqa: TRY004 (a bad file)
    return summary


def _count(value) -> str:
    """A count from a data summary, with thousands separators (a summary's text shown as text)."""
    return f"{value:,}" if isinstance(value, int) else text(value)


def _split_counts(summary: dict, unit: str, name: str) -> str:
    """': 36 train / 4 test poems' from a data summary's splits; nothing where it has none."""
    splits = summary.get("splits", {})
    counts = [f"{_count(splits[s][unit])} {s}" for s in ("train", "valid", "test") if unit in splits.get(s, {})]
    return f": {' / '.join(counts)} {name}" if counts else ""


def choices(inputs: ReportInputs) -> list[str]:
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
            f"- **Random baseline** (Table 1): see Table 1's definitions; the paper's {PAPER['random']:.3f} "
            "is not reproducible as it defines Random."
        )
    if "poems" in cfg and "poems" in inputs.tables:
        data, s = cfg["poems"]["data"], _summary(inputs, "poems")
        lines.append(
            f"- **Poems**: characters, punctuation {'kept' if data['keep_punctuation'] else 'dropped'}; "
            f"duplicates {'removed' if data['deduplicate'] else 'kept'}"
            + (f" ({_count(s['duplicates_removed'])})" if "duplicates_removed" in s else "")
            + f"; seeded shuffle (seed {data['seed']}), {data['test_fraction']:.0%} test"
            + _split_counts(s, "items", "poems")
            + "."
        )
    if "obama" in cfg and "obama" in inputs.tables:
        data, s = cfg["obama"]["data"], _summary(inputs, "obama")
        lines.append(
            f"- **Obama**: lower-cased word tokens (regular expression, `seqgan/data/obama.py`); windows of "
            f"{data['seq_len']} tokens per paragraph, a last window of >= {data['min_tokens']} tokens padded; the "
            f"{data['max_vocab']:,} most frequent training tokens (`<pad>`, `<unk>` included); seeded shuffle "
            f"(seed {data['seed']}), {data['test_fraction']:.0%} test" + _split_counts(s, "items", "windows") + "."
        )
    if "music" in cfg and "music" in inputs.tables:
        data, s = cfg["music"]["data"], _summary(inputs, "music")
        lines.append(
            f"- **Music**: melody track, pitch every {data['sample_seconds']} s, a rest repeats the last pitch, "
            f"88 piano keys; windows of {data['seq_len']} every {data['stride']} tokens; the original split "
            "(file names)" + _split_counts(s, "tunes", "tunes") + "."
        )
        lines.append(
            "- **Music MSE**: per generated sequence, the mean squared pitch difference (semitones²) to the nearest "
            "reference sequence of the basis; averaged over sequences (`seqgan/metrics/music.py`)."
        )
    smoothing = sorted({str(cfg[key]["metrics"]["smoothing"]) for key in CORPORA if key in inputs.tables})
    if smoothing:
        lines.append(
            "- **BLEU**: sentence BLEU-n with uniform weights, each generated sequence against a whole reference set, "
            f"averaged; smoothing: {text(', '.join(smoothing))} (the paper names none). Two reference sets, both "
            "reported: the whole corpus (the paper basis, beside the paper's numbers) and the test split (leak-free). "
            "The real-data row: as many training sequences as each model's samples, scored the same way (on the "
            "paper basis, each without itself). `<unk>` never counts as a match."
        )
    max_train = {key: cfg[key]["data"]["max_train"] for key in CORPORA if key in inputs.tables}
    limited = {key: n for key, n in max_train.items() if n}
    if limited:
        subset = ", ".join(f"{key} {n:,}" for key, n in limited.items())
        lines.append(
            f"- **Training subset** (`data.max_train`, not the paper's): {subset} training sequences; the rest are "
            "never trained on but stay among the paper basis's references (the whole corpus)."
        )
    return [*lines, ""]


def _flatten(section, prefix: str = "") -> dict[str, object]:
    """Nested config -> {"synthetic.adversarial.iterations": 200, ...} (lists are values)."""
    if not isinstance(section, dict):
        return {prefix: section}
    flat = {}
    for key, value in section.items():
        flat |= _flatten(value, f"{prefix}.{key}" if prefix else key)
    return flat


def differences(cfg: dict, paper: dict) -> list[tuple[str, object, object]]:
    """(key, this run's value, the paper config's value) for every setting where they differ."""
    ours, theirs = _flatten(cfg), _flatten(paper)
    keys = sorted((ours.keys() | theirs.keys()) - set(NOT_SETTINGS))
    return [(key, ours.get(key, "–"), theirs.get(key, "–")) for key in keys if ours.get(key) != theirs.get(key)]


def not_reproducible(inputs: ReportInputs) -> list[Part]:
    lines: list[Part] = ["## Not reproduced, and why", ""]
    if inputs.table1 is not None:
        lines.append(
            f"- **Random** (Table 1, {PAPER['random']:.3f}): undefined in the paper; both natural "
            "definitions score ~11.4 under the released oracle."
        )
    if "poems" in inputs.tables:
        lines.append("- **Human scores** (Table 2): they need human judges.")
    lines.append(
        "- **The paper's p-values** are not quoted: they depend on its samples; ours are computed the same way on ours."
    )
    for key in CORPORA:
        label = str(_summary(inputs, key).get("name", ""))
        if label.endswith(SUBSTITUTE):
            lines.append(
                f"- **{NAMES[key]}**: this run used a SUBSTITUTE corpus ({code_span(label)}), not the paper's data; "
                "its numbers exercise the pipeline and cannot be compared with the paper's."
            )
    if inputs.paper_config is not None:
        changed = differences(inputs.config, inputs.paper_config)
        if changed:
            lines.append(
                f"- **Settings**: {len(changed)} differ from the paper config (`config/config.yaml`, whose values are "
                "the paper's or, where it is silent, the original code's): compare trends, not digits, with the paper."
            )
            summary = (
                f"The {len(changed)} settings of this run (preset {code_span(inputs.config['preset'])}) that differ "
                "from the paper config"
            )
            table = [markdown_row([code_span(key), _value(ours), _value(paper)]) for key, ours, paper in changed]
            lines += ["", Details(summary, ["| Setting | This run | Paper config |", "|---|---|---|", *table])]
        else:
            lines.append("- **Settings**: all as in the paper config (`config/config.yaml`).")
    return [*lines, ""]


def _value(value) -> str:
    return "–" if value == "–" else code_span(json.dumps(value, ensure_ascii=False, sort_keys=True))


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


def software_section(cfg: dict) -> list[Part]:
    return [
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
        *(markdown_row([text(name), text(version)]) for name, version in software()),
        "",
        Details(
            "The complete configuration of this run (config/config.yaml merged with the --configfile overrides)",
            code_block(yaml.safe_dump(cfg, sort_keys=True, allow_unicode=True), "yaml"),
        ),
        "",
    ]
