"""A real corpus's evaluated runs as Tables 2-4 read them: the two files ``python -m seqgan evaluate`` writes per
(method, seed), each number in one of them.

- ``scores.csv``: one row per scored sequence; a column ``bleu{n}`` per configured BLEU order n, and ``mse``
  (music only); floats written with ``repr``. Every mean in the tables is computed from these.
- ``metrics.json``: what a per-sequence table cannot hold: ``{"corpus": LABEL, "method": METHOD, "seed": SEED,
  "smoothing": NAME, "self_bleu": {"n": value}}``. LABEL is the preprocessed corpus's name (``obama_SUBSTITUTE``
  marks a substitute for the paper's file); METHOD is ``mle``, ``seqgan`` or ``real`` (the test split scored
  against the training split, SEED null); Self-BLEU-n scores each sequence against the other ones, a property of
  the whole set.
"""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

METHODS = ("mle", "seqgan", "real")
COLUMN = re.compile(r"bleu[1-9]\d*|mse")  # the columns scores.csv may have


@dataclass(frozen=True)
class Run:
    """One evaluated (method, seed): its per-sequence scores (column -> values) and its metrics.json."""

    corpus: str
    method: str
    seed: int | None
    smoothing: str
    self_bleu: dict[int, float]  # n -> Self-BLEU-n of the whole set
    scores: dict[str, list[float]]  # bleu{n} (and mse) -> one value per sequence
    source: str = field(default="", compare=False)  # the files it was read from, for error messages

    @property
    def where(self) -> str:
        return self.source or f"run {self.method}/seed {self.seed}"

    @property
    def num_sequences(self) -> int:
        return len(next(iter(self.scores.values())))

    @property
    def bleu_orders(self) -> list[int]:
        return sorted(int(name.removeprefix("bleu")) for name in self.scores if name.startswith("bleu"))

    def mean(self, column: str) -> float:
        values = self.scores[column]
        return math.fsum(values) / len(values)


def read_scores(path: str | Path) -> dict[str, list[float]]:
    """Per-sequence scores of ``path``: column -> finite floats, at least one BLEU column and one row."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: file not found (expected per-sequence scores, a CSV with a header)")
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        rows = list(reader)
    if not header:
        raise ValueError(f"{path}: empty file (expected a header of bleuN columns, and mse for music)")
    unknown = [name for name in header if not COLUMN.fullmatch(name)]
    if unknown or len(set(header)) != len(header) or not any(name.startswith("bleu") for name in header):
        raise ValueError(f"{path}: header {','.join(header)}: expected distinct bleuN columns (and mse for music)")
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
    return columns


def read_metrics(path: str | Path) -> dict:
    """The metrics.json of one run, checked: corpus, method, seed, smoothing, self_bleu (other keys ignored)."""
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
    return data


def _is_order(key: str) -> bool:
    return key.isdigit() and int(key) >= 1


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
        source=f"{scores_path} + {metrics_path}",
    )
