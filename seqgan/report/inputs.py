"""What the report page is made from: the workflow's own outputs and the whole config, as one typed value.

The CLI (``python -m seqgan report``) builds ReportInputs from its arguments; the page's sections read it.
Every path is as the workflow passes it (relative to the working directory); links on the page are made
relative to the page's folder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from seqgan.report.corpora import TABLES
from seqgan.report.corpus_runs import METHODS

CORPORA = tuple(TABLES)  # poems, obama, music: the order of Tables 2-4
SAMPLE_METHODS = METHODS  # samples, piano rolls and MIDI files come per method: mle, seqgan, real
CONFIG_KEYS = ("preset", "seeds", "device")  # the whole workflow config has them (a section has not)


@dataclass(frozen=True)
class ReportInputs:
    config: dict  # the workflow's whole config (results/report/config.json)
    paper_config: dict | None = None  # config/config.yaml, for the settings this run changed
    table1: Path | None = None  # table1.md
    figure2: Path | None = None  # PNG
    figure3: Path | None = None  # PNG
    tables: dict[str, Path] = field(default_factory=dict)  # corpus -> table.md
    table_csvs: dict[str, Path] = field(default_factory=dict)  # corpus -> table.csv (the real-data figure)
    summaries: dict[str, Path] = field(default_factory=dict)  # corpus -> data/summary.json
    samples: dict[tuple[str, str], Path] = field(default_factory=dict)  # (corpus, method) -> samples.txt
    piano_rolls: dict[str, Path] = field(default_factory=dict)  # music method -> piano_roll.png
    midi: dict[str, Path] = field(default_factory=dict)  # music method -> folder of sampleN.mid
    quality_diversity: dict[str, Path] = field(default_factory=dict)  # experiment -> quality_diversity.md
    quality_diversity_figures: dict[str, Path] = field(default_factory=dict)  # experiment -> its PNG
    benchmarks: list[tuple[str, Path]] = field(default_factory=list)  # (rule, Snakemake benchmark TSV)
    provenance: list[tuple[str, Path]] = field(default_factory=list)  # (rule, job record: seqgan/job_record.py)


def read_config(path: str | Path) -> dict:
    """The workflow's whole config as the report_config rule writes it (JSON)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise ValueError(f"{path}: expected the workflow's config as JSON ({err})") from err
    missing = [key for key in CONFIG_KEYS if key not in data] if isinstance(data, dict) else ["preset"]
    if missing:
        raise ValueError(f"{path}: no key {missing[0]!r} (expected the whole workflow config)")
    return data


def read_paper_config(path: str | Path) -> dict:
    """config/config.yaml, the paper's settings."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise ValueError(f"{path}: expected the paper config as YAML ({err})") from err
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a YAML mapping (the paper config)")  # noqa: TRY004 (a bad file)
    return data
