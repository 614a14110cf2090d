"""A real corpus's evaluated runs as Tables 2-4 read them: the two files ``python -m seqgan evaluate`` writes per
(method, seed), each number in one of them.

Every sequence is scored on two reference bases (BASES): ``paper``, the whole corpus (every split, unused
training sequences included) as references, as the paper most likely scored; ``leak_free``, the test split, which
no model saw.

- ``scores.csv``: one row per scored sequence; a column ``{basis}_bleu{n}`` per basis and configured BLEU order n,
  and ``{basis}_mse`` (music only), every metric on both bases (e.g. ``paper_bleu2,leak_free_bleu2``); floats
  written with ``repr``. Every mean in the tables is computed from these.
- ``metrics.json``: what a per-sequence table cannot hold: ``{"corpus": LABEL, "method": METHOD, "seed": SEED,
  "smoothing": NAME, "self_bleu": {"n": value}, "references": {"paper": COUNT, "leak_free": COUNT}}``. LABEL is
  the preprocessed corpus's name (``obama_SUBSTITUTE`` marks a substitute for the paper's file); METHOD is
  ``mle``, ``seqgan`` or ``real`` (``eval.num_samples`` evenly spaced training sequences scored like a model's
  samples, SEED null); Self-BLEU-n scores each sequence against the other ones, a property of the whole set on
  no basis; COUNT is the number of reference sequences of each basis.
"""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from seqgan.metrics.corpus_scores import BASES

METHODS = ("mle", "seqgan", "real")
COLUMN = re.compile(rf"({'|'.join(BASES)})_(bleu[1-9]\d*|mse)")  # the columns scores.csv may have


@dataclass(frozen=True)
class Run:
    """One evaluated (method, seed): its per-sequence scores (basis -> metric -> values) and its metrics.json."""

    corpus: str
    method: str
    seed: int | None
    smoothing: str
    self_bleu: dict[int, float]  # n -> Self-BLEU-n of the whole set
    scores: dict[str, dict[str, list[float]]]  # basis -> bleu{n} (and mse) -> one value per sequence
    references: dict[str, int]  # basis -> number of reference sequences
    source: str = field(default="", compare=False)  # the files it was read from, for error messages

    @property
    def where(self) -> str:
        return self.source or f"run {self.method}/seed {self.seed}"

    @property
    def metrics(self) -> list[str]:
        """The metric names, the same on every basis (read_scores checks)."""
        return list(self.scores[BASES[0]])

    @property
    def num_sequences(self) -> int:
        return len(next(iter(self.scores[BASES[0]].values())))

    @property
    def bleu_orders(self) -> list[int]:
        return sorted(int(name.removeprefix("bleu")) for name in self.metrics if name.startswith("bleu"))

    def mean(self, basis: str, metric: str) -> float:
        values = self.scores[basis][metric]
        return math.fsum(values) / len(values)


def read_scores(path: str | Path) -> dict[str, dict[str, list[float]]]:
    """Per-sequence scores of ``path``: basis -> metric -> finite floats; every basis with the same metrics, at
    least one BLEU order, at least one row."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: file not found (expected per-sequence scores, a CSV with a header)")
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        rows = list(reader)
    if not header:
        raise ValueError(
            f"{path}: empty file (expected a header of {{basis}}_bleuN columns, and {{basis}}_mse for music)"
        )
    unknown = next((name for name in header if not COLUMN.fullmatch(name)), None)
    if unknown is not None:
        raise ValueError(
            f"{path}: column {unknown!r}: expected {{basis}}_bleuN or {{basis}}_mse, basis one of {', '.join(BASES)}"
        )
    if len(set(header)) != len(header):
        raise ValueError(f"{path}: header {','.join(header)}: expected distinct columns")
    metrics = list(dict.fromkeys(COLUMN.fullmatch(name)[2] for name in header))  # in the file's order
    missing = [f"{basis}_{name}" for name in metrics for basis in BASES if f"{basis}_{name}" not in header]
    if missing:
        raise ValueError(f"{path}: no column {missing[0]} (expected every metric on each basis: {', '.join(BASES)})")
    if not any(name.startswith("bleu") for name in metrics):
        raise ValueError(f"{path}: header {','.join(header)}: expected at least one {{basis}}_bleuN column per basis")
    if not rows:
        raise ValueError(f"{path}: no rows after the header (expected one row per scored sequence)")
    columns: dict[str, list[float]] = {name: [] for name in header}
    for number, row in enumerate(rows, start=2):
        if len(row) != len(header):
            raise ValueError(f"{path}:{number}: {len(row)} fields, the header has {len(header)}")
        for name, value in zip(header, row):
            try:
                number_value = float(value)
            except ValueError:
                raise ValueError(f"{path}:{number}: column {name} is {value!r}, expected a number") from None
            if not math.isfinite(number_value):
                raise ValueError(f"{path}:{number}: column {name} is {value!r}, expected a finite number")
            columns[name].append(number_value)
    return {basis: {name: columns[f"{basis}_{name}"] for name in metrics} for basis in BASES}


def read_metrics(path: str | Path) -> dict:
    """The metrics.json of one run, checked: corpus, method, seed, smoothing, self_bleu, references (other keys
    ignored)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: file not found (expected a run's metrics JSON)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"{path}: not valid JSON ({err})") from err
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object, got {type(data).__name__}")  # noqa: TRY004 (bad file)

    def fail(key, expected):
        raise ValueError(f"{path}: key {key!r} is {data.get(key, '<missing>')!r}, expected {expected}")

    if not isinstance(data.get("corpus"), str) or not data["corpus"]:
        fail("corpus", "the corpus name (e.g. 'poems', 'obama_SUBSTITUTE')")
    if data.get("method") not in METHODS:
        fail("method", f"one of {', '.join(METHODS)}")
    seed = data.get("seed")
    if not (seed is None and data["method"] == "real") and (isinstance(seed, bool) or not isinstance(seed, int)):
        fail("seed", "an integer (null allowed for method 'real')")
    if not isinstance(data.get("smoothing"), str):
        fail("smoothing", "the BLEU smoothing's name")
    table = data.get("self_bleu")
    if not isinstance(table, dict) or not all(_is_order(k) and _is_number(v) for k, v in table.items()):
        fail("self_bleu", 'an object {"n": value} with integer orders n >= 1 and numbers')
    counts = data.get("references")
    if not isinstance(counts, dict) or sorted(counts) != sorted(BASES) or not all(map(_is_count, counts.values())):
        fail(
            "references", "an object {" + ", ".join(f'"{basis}": N' for basis in BASES) + "}, each N a positive integer"
        )
    return data


def _is_order(key: str) -> bool:
    return key.isdigit() and int(key) >= 1


def _is_count(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, int) and value >= 1


def _is_number(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)


def read_run(scores_path: str | Path, metrics_path: str | Path) -> Run:
    """A Run from its two files."""
    metrics = read_metrics(metrics_path)
    return Run(
        corpus=metrics["corpus"],
        method=metrics["method"],
        seed=metrics["seed"],
        smoothing=metrics["smoothing"],
        self_bleu={int(n): value for n, value in metrics["self_bleu"].items()},
        scores=read_scores(scores_path),
        references=dict(metrics["references"]),
        source=f"{scores_path} + {metrics_path}",
    )
