"""The compute a run took, per job kind: wall time and peak memory from the rules' Snakemake ``benchmark:`` files,
and where the jobs ran (device, the discriminator's precision, threads, host) from their job records
(seqgan/job_record.py)."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

from seqgan import job_record
from seqgan.job_record import JobRecord
from seqgan.report.document import text
from seqgan.report.tables import markdown_row

# Benchmark columns (Snakemake's): wall seconds and peak resident memory (MB).
SECONDS, MAX_RSS = "s", "max_rss"


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


def job_label(path: Path) -> str:
    """benchmarks/synthetic/seed2/pretrain.tsv (or the job's record beside it, pretrain.json) -> synthetic/pretrain
    (seeds are summed over)."""
    parts = path.with_suffix("").parts
    return "/".join(p for p in parts if p != "benchmarks" and not re.fullmatch(r"seed\d+", p))


def device_name(record: JobRecord) -> str:
    return f"cuda ({record.gpu})" if record.device == "cuda" else record.device


# The columns of where the jobs ran: header -> the value of one job's record.
WHERE = {
    "Device": device_name,
    "Precision": lambda record: record.precision,
    "Threads": lambda record: str(record.threads),
    "Host": lambda record: record.host,
}


def _counted(values: list[str], unrecorded: int) -> str:
    """One job kind's values of a column: the value, or each with its number of jobs where they differ."""
    if not values:
        return "–"
    counts = Counter(values)
    if unrecorded:
        counts["not recorded"] = unrecorded
    if len(counts) == 1:
        return values[0]
    return ", ".join(f"{value} ×{n}" for value, n in sorted(counts.items()))


def _and(values) -> str:
    """Sorted, escaped and joined: "a, b and c"."""
    values = [text(value) for value in sorted(values)]
    return ", ".join(values[:-1]) + f" and {values[-1]}" if len(values) > 1 else values[0]


def mixed_run(records: dict[tuple[str, str], list[JobRecord]]) -> str | None:
    """The line that flags a run whose times do not compare, or None: jobs of one kind on different devices or in
    different precisions (kinds differ by design: the real-data scores run on the CPU, jobs without a
    discriminator in fp32), or the run's jobs on several hosts or torch versions."""
    found = []
    for verb, value in (("ran on", device_name), ("ran in", lambda record: record.precision)):
        differing: dict[tuple[str, ...], list[str]] = {}  # the values -> the job kinds with exactly these
        for (label, _), jobs in records.items():
            if len(values := {value(record) for record in jobs}) > 1:
                differing.setdefault(tuple(sorted(values)), []).append(label)
        found += [
            f"jobs of {', '.join(map(text, labels))} {verb} {_and(values)}" for values, labels in differing.items()
        ]
    everyone = [record for jobs in records.values() for record in jobs]
    hosts, versions = {r.host for r in everyone}, {r.torch for r in everyone}
    if len(hosts) > 1:
        found.append(f"the jobs ran on {len(hosts)} hosts ({_and(hosts)})")
    if len(versions) > 1:
        found.append(f"the jobs ran with torch {_and(versions)}")
    if not found:
        return None
    return f"**Mixed run**: {'; '.join(found)}. Compare their times with care."


def section(benchmarks: list[tuple[str, Path]], provenance: list[tuple[str, Path]]) -> list[str]:
    """The page's compute section: one row per (job kind, rule); nothing without benchmark files."""
    if not benchmarks:
        return []
    groups: dict[tuple[str, str], list[dict]] = {}
    for rule, path in benchmarks:
        groups.setdefault((job_label(path), rule), []).append(read_benchmark(path))
    records: dict[tuple[str, str], list[JobRecord]] = {}
    for rule, path in provenance:
        key = (job_label(path), rule)
        if key not in groups:
            raise ValueError(
                f"--provenance {rule}:{path}: no benchmark file of that job (expected --benchmark {rule}:...)"
            )
        records.setdefault(key, []).append(job_record.read(path))
        if len(records[key]) > len(groups[key]):
            raise ValueError(f"--provenance {rule}:{path}: more job records of {key[0]} than benchmark files")
    total = sum(b[SECONDS] or 0.0 for jobs in groups.values() for b in jobs)
    lines = [
        "## Compute: wall time, peak memory and where each job ran",
        "",
        (
            f"From the rules' `benchmark:` files: {len(benchmarks)} jobs, {total / 3600:.2f} h of job wall time "
            "in all (jobs may have run in parallel). Per job kind: the jobs (one per seed), their summed and longest "
            "wall time, and the highest peak resident memory (max RSS). Where they ran, from each job's record: the "
            "device (the GPU's name on cuda), the discriminator's precision as resolved on that machine (`auto` is "
            "bf16 autocast only where the CPU or GPU computes bf16 natively; jobs without a discriminator run in "
            "fp32), torch's CPU threads and the host; each value with its number of jobs where they differ. – where "
            "jobs left no record: those that train or score no model (the oracle, preprocessing), and any run before "
            "jobs recorded where they ran."
        ),
        "",
        f"| Job | Rule | Jobs | Wall time, sum (s) | Longest (s) | Peak memory (MB) | {' | '.join(WHERE)} |",
        "|---|---|---:|---:|---:|---:|" + "---|" * len(WHERE),
    ]
    for (label, rule), jobs in groups.items():
        seconds = [b[SECONDS] or 0.0 for b in jobs]
        rss = [b[MAX_RSS] for b in jobs if b.get(MAX_RSS) is not None]
        peak = f"{max(rss):,.0f}" if rss else "–"
        times = [str(len(jobs)), f"{sum(seconds):,.1f}", f"{max(seconds):,.1f}"]
        recorded = records.get((label, rule), [])
        where = [_counted([value(r) for r in recorded], len(jobs) - len(recorded)) for value in WHERE.values()]
        lines.append(markdown_row([text(label), text(rule), *times, peak, *map(text, where)]))
    flag = mixed_run(records)
    return [*lines, "", *([flag, ""] if flag else [])]
