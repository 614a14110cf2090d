"""Real-world experiments: Tables 2-4 (poems, Obama speeches, Nottingham music) with the paper's numbers beside ours.

Inputs: per corpus, each evaluated run's scores.csv and metrics.json (seqgan.report.corpus_runs). Every row is
scored on two reference bases (corpus_runs.BASES), so each table comes twice: on the paper basis (the whole corpus
as references) beside the paper's values, and on the leak-free basis (the test split) without them. A row is a
(basis, method): the mean over seeds of the per-seed means of scores.csv's columns, the sample std of those
per-seed means (blank with one seed), on the paper basis the paper's value, and on the MLE row (as in the paper and
Table 1) the two-sided Welch p-value of MLE vs SeqGAN on the per-sequence scores of all seeds pooled (BLEU-n and
MSE; not Self-BLEU, which scores a sequence against the other generated ones, so its per-sequence values are not
independent). The real data comes once per corpus (seed null), or once per seed if it was evaluated so.
"""

from __future__ import annotations

from pathlib import Path

from seqgan import atomic
from seqgan.report.corpus_runs import BASES, METHODS, Run
from seqgan.report.document import code_span, text
from seqgan.report.tables import cell, markdown_row, mean_std, p_value, write_csv

LABELS = {"mle": "MLE", "seqgan": "SeqGAN", "real": "Real data"}
TABLES = {"poems": "Table 2", "obama": "Table 3", "music": "Table 4"}
NAMES = {"poems": "Chinese poems", "obama": "Obama speeches", "music": "Nottingham music"}
# Corpus labels (the preprocessors' Corpus.name) each table accepts.
CORPUS_LABELS = {"poems": ("poems",), "obama": ("obama", "obama_SUBSTITUTE"), "music": ("nottingham",)}
SUBSTITUTE = "_SUBSTITUTE"
BASIS_TITLES = {
    "paper": "Paper basis: references = the whole corpus",
    "leak_free": "Leak-free basis: references = the test split",
}

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


def _orders(runs: list[Run]) -> tuple[list[int], list[int]]:
    """BLEU orders (every run must have them all) and Self-BLEU orders (those any run has)."""
    bleu = sorted({n for run in runs for n in run.bleu_orders})
    for run in runs:
        missing = [n for n in bleu if n not in run.bleu_orders]
        if missing:
            raise ValueError(f"{run.where}: no BLEU-{missing[0]}, which other runs of this table report")
    self_bleu = sorted({n for run in runs for n in run.self_bleu})
    return bleu, self_bleu


def _check(corpus_key: str, runs: list[Run]) -> str:
    """The one corpus label of ``runs``; errors for an unknown key, mixed labels, duplicate runs."""
    if corpus_key not in TABLES:
        raise ValueError(f"unknown corpus {corpus_key!r} (expected one of: {', '.join(TABLES)})")
    if not runs:
        raise ValueError(f"{TABLES[corpus_key]}: no runs to report")
    labels = sorted({run.corpus for run in runs})
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


def _method_runs(runs: list[Run], method: str) -> list[Run]:
    chosen = sorted((run for run in runs if run.method == method), key=lambda run: (run.seed is None, run.seed or 0))
    if method == "real" and all((r.scores, r.self_bleu) == (chosen[0].scores, chosen[0].self_bleu) for r in chosen):
        return chosen[:1]  # the real data does not depend on the training seed: one measurement, not n
    return chosen


def _references(runs: list[Run]) -> dict[str, int]:
    """Basis -> number of references, one for every run: rows are only comparable against one reference set (its
    size, at least, must agree)."""
    first = runs[0]
    for run in runs[1:]:
        for basis in BASES:
            if run.references[basis] != first.references[basis]:
                raise ValueError(
                    f"{run.where}: {run.references[basis]} {basis} references, {first.where} has "
                    f"{first.references[basis]} (expected one reference set per basis)"
                )
    return first.references


def _pooled(runs: list[Run], basis: str, column: str) -> list[float]:
    return [x for run in runs for x in run.scores[basis][column]]


def _columns(tested: list[str], self_bleu: list[int]) -> list[str]:
    columns = ["basis", "corpus", "method", "label", "n_seeds", "seeds", "n_sequences", "n_references"]
    for name in tested:
        columns += [f"{name}_mean", f"{name}_std", f"{name}_paper", f"{name}_p"]
    for n in self_bleu:
        columns += [f"self_bleu{n}_mean", f"self_bleu{n}_std"]
    return columns


def table_rows(corpus_key: str, runs: list[Run]) -> tuple[list[str], list[dict]]:
    """The CSV columns and one row per basis and method present (MLE, SeqGAN, real data), basis by basis."""
    label = _check(corpus_key, runs)
    bleu, self_bleu = _orders(runs)
    references = _references(runs)
    by_method = {method: _method_runs(runs, method) for method in METHODS}
    tested = [f"bleu{n}" for n in bleu] + (["mse"] if corpus_key == "music" else [])
    for method in ("mle", "seqgan"):
        for run in by_method[method]:
            missing = [column for column in tested if column not in run.metrics]
            if missing:
                raise ValueError(f"{run.where}: no per-sequence {missing[0]} scores (needed for the t-test)")
    rows = []
    for basis in BASES:
        for method in (m for m in METHODS if by_method[m]):
            method_runs = by_method[method]
            compare = method == "mle" and bool(by_method["seqgan"])
            row = {
                "basis": basis,
                "corpus": label,
                "method": method,
                "label": LABELS[method],
                "n_seeds": len(method_runs),
                "seeds": "/".join(str(run.seed) for run in method_runs if run.seed is not None),
                "n_sequences": sum(run.num_sequences for run in method_runs),
                "n_references": references[basis],
            }
            for column in tested:
                values = [run.mean(basis, column) for run in method_runs if column in run.metrics]
                if values and len(values) != len(method_runs):
                    raise ValueError(
                        f"{LABELS[method]}: {metric_header(column)} is missing in some runs and not in others"
                    )
                pooled = [_pooled(method_runs, basis, column), _pooled(by_method["seqgan"], basis, column)]
                paper = PAPER[corpus_key].get(method, {}).get(column, "") if basis == "paper" else ""
                row |= mean_std(column, values)
                row |= {f"{column}_paper": paper, f"{column}_p": p_value(*pooled) if compare else ""}
            for n in self_bleu:  # no references: the same on every basis
                values = [run.self_bleu[n] for run in method_runs if n in run.self_bleu]
                if values and len(values) != len(method_runs):
                    raise ValueError(f"{LABELS[method]}: Self-BLEU-{n} is missing in some runs and not in others")
                row |= mean_std(f"self_bleu{n}", values)
            rows.append(row)
    return _columns(tested, self_bleu), rows


# ---------------------------------------------------------------- Markdown


def title(corpus_key: str, label: str) -> str:
    """E.g. 'Table 3 (Obama speeches, SUBSTITUTE corpus: not the paper's data)'."""
    name = NAMES[corpus_key]
    if label.endswith(SUBSTITUTE):
        return f"{TABLES[corpus_key]} ({name}, SUBSTITUTE corpus: not the paper's data)"
    return f"{TABLES[corpus_key]} ({name})"


def metric_header(name: str) -> str:
    if name == "mse":
        return "MSE"
    if name.startswith("self_bleu"):
        return f"Self-BLEU-{name.removeprefix('self_bleu')}"
    return f"BLEU-{name.removeprefix('bleu')}"


def _smoothing(runs: list[Run]) -> str:
    """The runs' one BLEU smoothing (an error if they disagree: not one table)."""
    found = sorted({run.smoothing for run in runs})
    if len(found) > 1:
        raise ValueError(f"runs scored with different BLEU smoothings {found}: not one table")
    return found[0]


def _notes(corpus_key: str, label: str, smoothing: str, rows: list[dict]) -> list[str]:
    first = [row for row in rows if row["basis"] == BASES[0]]  # the basis-free facts, once
    real = [row["n_sequences"] for row in first if row["method"] == "real"]
    references = {row["basis"]: f"{row['n_references']:,}" for row in rows}
    lines = [
        f"- Corpus label: {code_span(label)}."
        + (
            " **A substitute corpus, not the paper's file: the numbers are not comparable.**"
            if SUBSTITUTE in label
            else ""
        ),
        (
            "- Ours: mean ± std over n seeds of each seed's mean (std: sample std of the per-seed means, blank with "
            "one seed); *paper*: the paper's value (– where it gives none), beside the paper basis only."
        ),
        (
            "- **Two reference bases.** BLEU grows with the number of references, so rows are comparable only when "
            "they are scored against the same reference set. Every row here is scored against two."
        ),
        (
            "- **Paper basis** (first table): the references are the whole corpus (train, including any training sequences `data.max_train` left out, + valid + test), "
            f"{references['paper']} sequences. The paper's real-data BLEU-2 on poems (0.746) is what scoring "
            "against about the whole corpus gives, so its model rows were most likely scored that way too: this is the "
            "basis to set beside the paper's numbers. It rewards reproducing training text: a model that copies "
            "training sequences scores well."
        ),
        (
            f"- **Leak-free basis** (second table): the references are the test split, "
            f"{references['leak_free']} sequences, which no model saw in training: copying training text "
            "earns nothing here."
        ),
        (
            "- **BLEU-n** (the paper's): every sequence is scored by sentence BLEU-n with uniform weights against all "
            "the references of the basis, and the scores are averaged over the sequences (a mean of sentence "
            "scores, not corpus BLEU). Higher is better. Smoothing (nltk SmoothingFunction; the paper names none): "
            f"{text(smoothing)}."
        )
        + (
            " `<unk>` (a token outside the vocabulary) never counts as a match: it counts in the sequence's length "
            "but matches nothing, so writing it earns no score."
            if corpus_key in ("poems", "obama")
            else ""
        )
        + (" `<pad>` tokens are removed before scoring." if corpus_key == "obama" else ""),
        (
            f"- **Real data**: {f'{real[0]:,} ' if real else ''}sequences of the training split, evenly spaced "
            "(`eval.num_samples`: as many as each model's samples), scored exactly like a model's samples. On the "
            "paper basis each is scored against the whole corpus without itself (leave-one-out: the corpus holds "
            "it, and a sequence matches itself perfectly); on the leak-free basis against the test split. It does "
            "not depend on the training seed."
        ),
        (
            "- **Self-BLEU-n** (Zhu et al. 2018; not in the paper): every sequence against all the *other* sequences "
            "of its set, averaged. It uses no references, so it is the same on both bases. A diversity figure: "
            "lower = more diverse, higher = more repetitive."
        ),
    ]
    if corpus_key == "music":
        lines.append(
            "- **MSE** (the paper gives no definition; ours, `seqgan/metrics/music.py`): per sequence, the mean over "
            "positions of the squared pitch difference in semitones to the nearest reference of the basis (for the "
            "real data on the paper basis: the nearest other than itself), averaged over the sequences. Lower is "
            "better; comparable to the paper's only if its definition was the same."
        )
    counts = " / ".join(f"{row['label']} {row['n_sequences']}" for row in first if row["method"] != "real")
    lines.append(
        "- **p** (MLE row, on each basis): two-sided Welch t-test of MLE vs SeqGAN on the per-sequence scores of all "
        f"seeds pooled ({counts} sequences); none for Self-BLEU, whose per-sequence scores depend on the other "
        "generated sequences."
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


def _table(basis: str, tested: list[str], self_bleu: list[str], rows: list[dict]) -> list[str]:
    """The Markdown table of one basis; the paper's values beside the paper basis only."""
    with_paper = basis == "paper"
    header = ["Method"]
    for name in tested:
        header += [f"{metric_header(name)} (ours)", *(["paper"] if with_paper else []), "p (MLE vs SeqGAN)"]
    header += [metric_header(name) for name in self_bleu] + ["n"]
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]
    for row in (row for row in rows if row["basis"] == basis):
        cells = [row["label"]]
        for name in tested:
            paper = row[f"{name}_paper"]
            cells += [cell(row, name), *([f"{paper:g}" if paper != "" else "–"] if with_paper else [])]
            cells.append(row[f"{name}_p"] or "–")
        cells += [cell(row, name) for name in self_bleu] + [str(row["n_seeds"])]
        lines.append(markdown_row(cells))
    return lines


def _markdown(corpus_key: str, columns: list[str], rows: list[dict], smoothing: str) -> str:
    label = rows[0]["corpus"]
    tested = [c.removesuffix("_p") for c in columns if c.endswith("_p")]
    self_bleu = [c.removesuffix("_std") for c in columns if c.startswith("self_bleu") and c.endswith("_std")]
    lines = [
        f"# {title(corpus_key, label)}",
        "",
        (
            f"Corpus {code_span(label)}: MLE and SeqGAN generated sequences vs the paper's {TABLES[corpus_key]}; "
            "mean ± std over n seeds, on two reference bases (see the notes)."
        ),
    ]
    for basis in BASES:
        lines += ["", f"## {BASIS_TITLES[basis]}", "", *_table(basis, tested, self_bleu, rows)]
    lines += ["", "## Notes", "", *_notes(corpus_key, label, smoothing, rows), ""]
    return "\n".join(lines)


def write_table(corpus_key: str, runs: list[Run], csv_path: str | Path, md_path: str | Path) -> None:
    """Table 2 (poems), 3 (obama) or 4 (music) as CSV and Markdown, each written atomically."""
    columns, rows = table_rows(corpus_key, runs)
    markdown = _markdown(corpus_key, columns, rows, _smoothing(runs))  # before writing: no half-written pair
    write_csv(csv_path, columns, rows)
    atomic.write_text(md_path, markdown)  # UTF-8 whatever the locale: ±, –
