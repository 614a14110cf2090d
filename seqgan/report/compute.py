"""The compute a run took, per job kind: wall time and peak memory from the rules' Snakemake ``benchmark:`` files,
and the discriminator precision each job with a discriminator resolved on its machine (its log)."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

from seqgan.report.document import text
from seqgan.report.tables import markdown_row

# Benchmark columns (Snakemake's): wall seconds and peak resident memory (MB).
SECONDS, MAX_RSS = "s", "max_rss"
# The line a job with a discriminator logs once it has resolved its precision (seqgan.device.precision_line).
PRECISION_LINE = re.compile(r"\bprecision=(\w+) \(requested ")


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


def job_label(path: Path) -> str:
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


def section(benchmarks: list[tuple[str, Path]], logs: list[tuple[str, Path]]) -> list[str]:
    """The page's compute section: one row per (job kind, rule); nothing without benchmark files."""
    if not benchmarks:
        return []
    groups: dict[tuple[str, str], list[dict]] = {}
    for rule, path in benchmarks:
        groups.setdefault((job_label(path), rule), []).append(read_benchmark(path))
    precisions: dict[tuple[str, str], list[str | None]] = {}
    for rule, path in logs:
        if (job_label(path), rule) not in groups:
            raise ValueError(f"--log {rule}:{path}: no benchmark file of that job (expected --benchmark {rule}:...)")
        precisions.setdefault((job_label(path), rule), []).append(read_precision(path))
    total = sum(b[SECONDS] or 0.0 for jobs in groups.values() for b in jobs)
    lines = [
        "## Compute: wall time and peak memory per job",
        "",
        (
            f"From the rules' `benchmark:` files: {len(benchmarks)} jobs, {total / 3600:.2f} h of job wall time "
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
        times = [str(len(jobs)), f"{sum(seconds):,.1f}", f"{max(seconds):,.1f}"]
        lines.append(markdown_row([text(label), text(rule), *times, peak, precision]))
    return [*lines, ""]
