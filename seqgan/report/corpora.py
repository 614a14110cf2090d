"""Real-world experiments: Tables 2-4 (poems, Obama speeches, Nottingham music) with the paper's numbers beside ours.

Inputs, per corpus, method and seed (written by the evaluation step):

- ``scores.csv``: one row per generated sequence, a column ``bleu{n}`` per configured BLEU order n, and ``mse``
  (music only); floats written with ``repr``.
- ``metrics.json``: ``{"corpus": LABEL, "method": METHOD, "seed": SEED, "num_samples": N, "bleu": {"2": mean},
  "self_bleu": {"2": mean}, "mse": mean or null}``; optionally ``"smoothing"`` (the BLEU smoothing, printed in
  the notes). LABEL is the preprocessed corpus name; ``obama_SUBSTITUTE`` (not the paper's file) is carried into
  every output. METHOD is ``mle``, ``seqgan`` or ``real`` (the test split scored against the train split; its SEED
  may be null, and it may come once per seed or once overall).

Each row of the table is a method: the mean over seeds of the per-seed means (from metrics.json), the sample std
of those per-seed means (blank with one seed), the paper's value, and on the MLE row (as in the paper and Table 1)
the two-sided Welch p-value of MLE vs SeqGAN on the per-sequence scores of all seeds pooled (BLEU-n and MSE; not
Self-BLEU, which scores a sequence against the other generated ones, so its per-sequence values are not independent).
"""

from __future__ import annotations

import csv
import io
import json
import math
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from seqgan import atomic
from seqgan.metrics.significance import welch_t_test
from seqgan.report.synthetic import format_p

METHODS = ("mle", "seqgan", "real")
LABELS = {"mle": "MLE", "seqgan": "SeqGAN", "real": "Real data"}
TABLES = {"poems": "Table 2", "obama": "Table 3", "music": "Table 4"}
NAMES = {"poems": "Chinese poems", "obama": "Obama speeches", "music": "Nottingham music"}
# Corpus labels (the preprocessors' Corpus.name) each table accepts.
CORPUS_LABELS = {"poems": ("poems",), "obama": ("obama", "obama_SUBSTITUTE"), "music": ("nottingham",)}
SUBSTITUTE = "_SUBSTITUTE"

# The paper's Tables 2-4, per corpus key, method and metric (our column names). "human" (poems) is the paper's
# human score: not reproducible here, quoted in the notes only.
PAPER = {
    "poems": {
        "mle": {"bleu2": 0.6670, "human": 0.4165},
        "seqgan": {"bleu2": 0.7389, "human": 0.5356},
        "real": {"bleu2": 0.746, "human": 0.6011},
    },
    "obama": {
        "mle": {"bleu3": 0.519, "bleu4": 0.416},
        "seqgan": {"bleu3": 0.556, "bleu4": 0.427},
    },
    "music": {
        "mle": {"bleu4": 0.9210, "mse": 22.38},
        "seqgan": {"bleu4": 0.9406, "mse": 20.62},
    },
}
MEAN_TOLERANCE = 1e-6  # relative: metrics.json's means vs the means of scores.csv's columns


@dataclass(frozen=True)
class Run:
    """One evaluated (method, seed): per-sequence scores (column -> values) and the metrics.json dict."""

    method: str
    seed: int | None
    scores: dict[str, list[float]]
    metrics: dict
    source: str = field(default="", compare=False)  # the files it was read from, for error messages

    @property
    def where(self) -> str:
        return self.source or f"run {self.method}/seed {self.seed}"


# ---------------------------------------------------------------- inputs


def read_scores(path: str | Path, required=()) -> dict[str, list[float]]:
    """Per-sequence scores of ``path``: column -> floats; every column in ``required`` must be present."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: file not found (expected per-sequence scores, a CSV with a header)")
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        rows = list(reader)
    if not header:
        raise ValueError(f"{path}: empty file (expected a header with the columns {', '.join(required)})")
    missing = [column for column in required if column not in header]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)} (header: {', '.join(header)})")
    if not rows:
        raise ValueError(f"{path}: no rows after the header (expected one row per generated sequence)")
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
    """The metrics.json of one run, checked: corpus, method, seed, num_samples, bleu, self_bleu, mse."""
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
    if isinstance(data.get("num_samples"), bool) or not isinstance(data.get("num_samples"), int):
        fail("num_samples", "an integer")
    for key in ("bleu", "self_bleu"):
        table = data.get(key)
        if not isinstance(table, dict) or not all(_is_order(k) and _is_number(v) for k, v in table.items()):
            fail(key, 'an object {"n": mean} with integer orders n >= 1 and numbers')
    if not data["bleu"]:
        fail("bleu", "at least one BLEU order")
    if data.get("mse") is not None and not _is_number(data["mse"]):
        fail("mse", "a number or null")
    return data


def _is_order(key: str) -> bool:
    return key.isdigit() and int(key) >= 1


def _is_number(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)


def read_run(scores_path: str | Path, metrics_path: str | Path) -> Run:
    """A Run from its two files; the scores must hold ``bleu{n}`` for every order in metrics.json (and ``mse``
    when it is not null), one row per sample, with means equal to metrics.json's."""
    metrics = read_metrics(metrics_path)
    required = [f"bleu{n}" for n in sorted(metrics["bleu"], key=int)] + (["mse"] if metrics["mse"] is not None else [])
    scores = read_scores(scores_path, required)
    rows = len(next(iter(scores.values())))
    if rows != metrics["num_samples"]:
        raise ValueError(f"{scores_path}: {rows} rows, but {metrics_path} says num_samples {metrics['num_samples']}")
    means = {f"bleu{n}": v for n, v in metrics["bleu"].items()} | {"mse": metrics["mse"]}
    for column in required:
        ours = math.fsum(scores[column]) / rows
        if not math.isclose(ours, means[column], rel_tol=MEAN_TOLERANCE, abs_tol=1e-12):
            raise ValueError(
                f"{scores_path}: the mean of column {column} is {ours!r}, but {metrics_path} says {means[column]!r}"
            )
    return Run(metrics["method"], metrics["seed"], scores, metrics, f"{metrics_path}")


# ---------------------------------------------------------------- the table


def _metrics_of(runs: list[Run]) -> tuple[list[int], list[int]]:
    """BLEU orders (every run must have them all) and Self-BLEU orders (those any run has)."""
    bleu = sorted({int(n) for run in runs for n in run.metrics["bleu"]})
    for run in runs:
        missing = [n for n in bleu if str(n) not in run.metrics["bleu"]]
        if missing:
            raise ValueError(f"{run.where}: no BLEU-{missing[0]}, which other runs of this table report")
    self_bleu = sorted({int(n) for run in runs for n in run.metrics["self_bleu"]})
    return bleu, self_bleu


def _check(corpus_key: str, runs: list[Run]) -> str:
    """The one corpus label of ``runs``; errors for an unknown key, mixed labels, duplicate runs."""
    if corpus_key not in TABLES:
        raise ValueError(f"unknown corpus {corpus_key!r} (expected one of: {', '.join(TABLES)})")
    if not runs:
        raise ValueError(f"{TABLES[corpus_key]}: no runs to report")
    labels = sorted({run.metrics["corpus"] for run in runs})
    if len(labels) > 1:
        raise ValueError(f"{TABLES[corpus_key]}: runs of different corpora {labels} in one table")
    if labels[0] not in CORPUS_LABELS[corpus_key]:
        raise ValueError(
            f"{runs[0].where}: corpus {labels[0]!r} does not belong in {TABLES[corpus_key]} "
            f"(expected one of: {', '.join(CORPUS_LABELS[corpus_key])})"
        )
    seen: dict[tuple, str] = {}
    for run in runs:
        if run.method not in METHODS:
            raise ValueError(f"{run.where}: unknown method {run.method!r} (expected one of: {', '.join(METHODS)})")
        key = (run.method, run.seed)
        if key in seen and run.method != "real":
            raise ValueError(f"{run.where}: method {run.method!r}, seed {run.seed} also in {seen[key]}")
        seen[key] = run.where
    return labels[0]


def _summary(run: Run) -> tuple:
    """What a 'real' run reports; equal summaries are one measurement repeated per seed."""
    metrics = run.metrics
    return (
        metrics["num_samples"],
        tuple(sorted(metrics["bleu"].items())),
        tuple(sorted(metrics["self_bleu"].items())),
        metrics["mse"],
    )


def _method_runs(runs: list[Run], method: str) -> list[Run]:
    chosen = sorted((run for run in runs if run.method == method), key=lambda run: (run.seed is None, run.seed or 0))
    if method == "real" and len({_summary(run) for run in chosen}) == 1:
        return chosen[:1]  # the test split does not depend on the training seed: one measurement, not n
    return chosen


def _mean_std(name: str, values: list[float]) -> dict:
    if not values:
        return {f"{name}_mean": "", f"{name}_std": ""}
    std = round(statistics.stdev(values), 4) if len(values) > 1 else ""
    return {f"{name}_mean": round(statistics.mean(values), 4), f"{name}_std": std}


def _p_value(a: list[float], b: list[float]) -> str:
    try:
        return format_p(welch_t_test(a, b).p)
    except ValueError:  # fewer than 2 values in a group, or both constant: no test, a blank cell
        return ""


def _pooled(runs: list[Run], column: str) -> list[float]:
    return [x for run in runs for x in run.scores[column]]


def _columns(corpus_key: str, bleu: list[int], self_bleu: list[int]) -> list[str]:
    tested = [f"bleu{n}" for n in bleu] + (["mse"] if corpus_key == "music" else [])
    columns = ["corpus", "method", "label", "n_seeds", "seeds", "n_sequences"]
    for name in tested:
        columns += [f"{name}_mean", f"{name}_std", f"{name}_paper", f"{name}_p"]
    for n in self_bleu:
        columns += [f"self_bleu{n}_mean", f"self_bleu{n}_std"]
    return columns


def table_rows(corpus_key: str, runs: list[Run]) -> tuple[list[str], list[dict]]:
    """The CSV columns and one row per method present (MLE, SeqGAN, real data)."""
    label = _check(corpus_key, runs)
    bleu, self_bleu = _metrics_of(runs)
    by_method = {method: _method_runs(runs, method) for method in METHODS}
    tested = [f"bleu{n}" for n in bleu] + (["mse"] if corpus_key == "music" else [])
    for method in ("mle", "seqgan"):
        for run in by_method[method]:
            missing = [column for column in tested if column not in run.scores]
            if missing:
                raise ValueError(f"{run.where}: no per-sequence {missing[0]} scores (needed for the t-test)")
            if corpus_key == "music" and run.metrics["mse"] is None:
                raise ValueError(f"{run.where}: mse is null; Table 4 reports MSE for {LABELS[method]}")
    rows = []
    for method in (m for m in METHODS if by_method[m]):
        method_runs = by_method[method]
        compare = method == "mle" and bool(by_method["seqgan"])
        row = {
            "corpus": label,
            "method": method,
            "label": LABELS[method],
            "n_seeds": len(method_runs),
            "seeds": "/".join(str(run.seed) for run in method_runs if run.seed is not None),
            "n_sequences": sum(run.metrics["num_samples"] for run in method_runs),
        }
        for column in tested:
            if column == "mse":
                values = [run.metrics["mse"] for run in method_runs if run.metrics["mse"] is not None]
                if values and len(values) != len(method_runs):
                    raise ValueError(f"{LABELS[method]}: mse is null in some runs and not in others")
            else:
                values = [run.metrics["bleu"][column.removeprefix("bleu")] for run in method_runs]
            p = _p_value(_pooled(method_runs, column), _pooled(by_method["seqgan"], column)) if compare else ""
            row |= _mean_std(column, values)
            row |= {f"{column}_paper": PAPER[corpus_key].get(method, {}).get(column, ""), f"{column}_p": p}
        for n in self_bleu:
            values = [run.metrics["self_bleu"][str(n)] for run in method_runs if str(n) in run.metrics["self_bleu"]]
            if values and len(values) != len(method_runs):
                raise ValueError(f"{LABELS[method]}: Self-BLEU-{n} is missing in some runs and not in others")
            row |= _mean_std(f"self_bleu{n}", values)
        rows.append(row)
    return _columns(corpus_key, bleu, self_bleu), rows


# ---------------------------------------------------------------- Markdown


def title(corpus_key: str, label: str) -> str:
    """E.g. 'Table 3 (Obama speeches, SUBSTITUTE corpus: not the paper's data)'."""
    name = NAMES[corpus_key]
    if label.endswith(SUBSTITUTE):
        return f"{TABLES[corpus_key]} ({name}, SUBSTITUTE corpus: not the paper's data)"
    return f"{TABLES[corpus_key]} ({name})"


def _cell(row: dict, name: str) -> str:
    mean, std = row[f"{name}_mean"], row[f"{name}_std"]
    if mean == "":
        return "–"
    return f"{mean:.4f}" + (f" ± {std:.4f}" if std != "" else "")


def metric_header(name: str) -> str:
    if name == "mse":
        return "MSE"
    if name.startswith("self_bleu"):
        return f"Self-BLEU-{name.removeprefix('self_bleu')}"
    return f"BLEU-{name.removeprefix('bleu')}"


def _smoothing(runs: list[Run], smoothing: str | None) -> str:
    """metrics.json's "smoothing" where recorded, else the argument; an error if the two or the runs disagree."""
    found = {str(run.metrics["smoothing"]) for run in runs if "smoothing" in run.metrics}
    if smoothing is not None:
        found.add(smoothing)
    if len(found) > 1:
        raise ValueError(f"runs scored with different BLEU smoothings {sorted(found)}: not one table")
    return found.pop() if found else "not recorded (see the config's metrics.smoothing)"


def _notes(corpus_key: str, label: str, smoothing: str, rows: list[dict]) -> list[str]:
    reference = {"poems": "test poems", "obama": "test windows", "music": "test windows"}[corpus_key]
    lines = [
        f"- Corpus label: `{label}`."
        + (
            " **A substitute corpus, not the paper's file: the numbers are not comparable.**"
            if SUBSTITUTE in label
            else ""
        ),
        (
            "- Ours: mean ± std over n seeds of each seed's mean (std: sample std of the per-seed means, blank with "
            "one seed); *paper*: the paper's value (– where it gives none)."
        ),
        f"- **BLEU-n** (the paper's): every generated sequence is scored by sentence BLEU-n with uniform weights "
        f"against the whole set of {reference} as references, and the scores are averaged over the generated "
        "sequences (a mean of sentence scores, not corpus BLEU). Higher is better. "
        f"Smoothing (nltk SmoothingFunction; the paper names none): {smoothing}."
        + (" `<pad>` tokens are removed before scoring." if corpus_key == "obama" else ""),
        (
            "- **Real data**: the test split scored the same way against the training split (the paper's 'real "
            "data' row; its Self-BLEU: each test sequence against the other test sequences). Its references are "
            "the training sequences the models saw (all of them, or `data.max_train`), not the test set: a larger "
            "reference set raises BLEU, so compare it with the paper's real-data value rather than with the model rows. "
            "It does not depend on the training seed."
        ),
        (
            "- **Self-BLEU-n** (Zhu et al. 2018; not in the paper): every generated sequence against all the *other* "
            "generated sequences, averaged. A diversity figure: lower = more diverse, higher = more repetitive."
        ),
    ]
    if corpus_key == "music":
        lines.append(
            "- **MSE** (the paper gives no definition; ours, `seqgan/metrics/music.py`): per generated sequence, the "
            "mean over positions of the squared pitch difference in semitones to the nearest test sequence, averaged "
            "over the generated sequences. Lower is better; comparable to the paper's only if its definition was the same."
        )
    counts = " / ".join(f"{row['label']} {row['n_sequences']}" for row in rows if row["method"] != "real")
    lines.append(
        "- **p** (MLE row): two-sided Welch t-test of MLE vs SeqGAN on the per-sequence scores of all seeds pooled "
        f"({counts} sequences); none for Self-BLEU, whose per-sequence scores depend on the other generated sequences."
    )
    if corpus_key == "poems":
        human = " / ".join(f"{LABELS[m]} {PAPER['poems'][m]['human']}" for m in METHODS)
        lines.append(
            f"- Not reproducible: the paper's **human score** ({human}) needs human judges; it is not reported here."
        )
    open_choices = {
        "poems": "whether punctuation is modelled, duplicates",
        "obama": "the tokenisation, sequence length, padding",
        "music": "the window stride, the MSE definition",
    }[corpus_key]
    lines.append(
        f"- Not given by the paper, so our choices (config/README.md): {open_choices}, the train/test split, the "
        "vocabulary and the BLEU smoothing. The paper's own p-values are not quoted here."
    )
    return lines


def _markdown(corpus_key: str, columns: list[str], rows: list[dict], smoothing: str) -> str:
    label = rows[0]["corpus"]
    tested = [c.removesuffix("_p") for c in columns if c.endswith("_p")]
    self_bleu = [c.removesuffix("_std") for c in columns if c.startswith("self_bleu") and c.endswith("_std")]
    header = ["Method"]
    for name in tested:
        header += [f"{metric_header(name)} (ours)", "paper", "p (MLE vs SeqGAN)"]
    header += [metric_header(name) for name in self_bleu] + ["n"]
    lines = [
        f"# {title(corpus_key, label)}",
        "",
        f"Corpus `{label}`: MLE and SeqGAN generated sequences vs the paper's {TABLES[corpus_key]}; mean ± std over n seeds.",
        "",
        "| " + " | ".join(header) + " |",
        "|---|" + "---:|" * (len(header) - 1),
    ]
    for row in rows:
        cells = [row["label"]]
        for name in tested:
            paper = row[f"{name}_paper"]
            cells += [_cell(row, name), f"{paper:g}" if paper != "" else "–", row[f"{name}_p"] or "–"]
        cells += [_cell(row, name) for name in self_bleu] + [str(row["n_seeds"])]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "## Notes", "", *_notes(corpus_key, label, smoothing, rows), ""]
    return "\n".join(lines)


def _write_csv(path: str | Path, columns: list[str], rows: list[dict]) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    atomic.write_bytes(path, out.getvalue().encode("utf-8"))


def write_table(
    corpus_key: str, runs: list[Run], csv_path: str | Path, md_path: str | Path, *, smoothing: str | None = None
) -> None:
    """Table 2 (poems), 3 (obama) or 4 (music) as CSV and Markdown, each written atomically.

    ``smoothing``: the BLEU smoothing for the notes when metrics.json does not record it (e.g. the config's)."""
    columns, rows = table_rows(corpus_key, runs)
    markdown = _markdown(
        corpus_key, columns, rows, _smoothing(runs, smoothing)
    )  # built before writing: no half-written pair on an error
    _write_csv(csv_path, columns, rows)
    atomic.write_bytes(md_path, markdown.encode("utf-8"))  # UTF-8 whatever the locale: ±, –
