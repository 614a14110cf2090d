"""Tables 2-4 and the readable samples of the real-world experiments, on score files written here."""

from __future__ import annotations

import csv
import json
import re
import statistics
from pathlib import Path

import pytest
import torch
from scipy import stats

from seqgan.data import nottingham
from seqgan.data.vocab import PAD, UNK
from seqgan.report import corpora, corpus_runs, samples
from seqgan.report.tables import format_p

# Per-sequence BLEU-2 (poems) of two seeds per method and of the real data, on the paper basis and the leak-free
# one (not an affine map of each other: Welch's p differs too), small enough to check by hand.
POEM_SCORES = {
    ("mle", 1): ([0.60, 0.62, 0.64, 0.66], [0.40, 0.42, 0.45, 0.41]),
    ("mle", 2): ([0.61, 0.65, 0.63, 0.67], [0.44, 0.43, 0.46, 0.47]),
    ("seqgan", 1): ([0.70, 0.73, 0.75, 0.74], [0.50, 0.48, 0.52, 0.54]),
    ("seqgan", 2): ([0.72, 0.71, 0.76, 0.77], [0.49, 0.55, 0.53, 0.51]),
    ("real", None): ([0.74, 0.75, 0.75], [0.50, 0.52, 0.54]),
}
SELF_BLEU = {("mle", 1): 0.80, ("mle", 2): 0.82, ("seqgan", 1): 0.90, ("seqgan", 2): 0.86, ("real", None): 0.70}
REFERENCES = {"paper": 40, "leak_free": 4}
PAPER_TABLE = "Paper basis: references = the whole corpus"
LEAK_FREE_TABLE = "Leak-free basis: references = the test split"


def write_run(
    root: Path,
    corpus: str,
    method: str,
    seed,
    paper: dict[str, list[float]],
    leak_free: dict[str, list[float]] | None = None,
    *,
    self_bleu=None,
    smoothing="none",
    references=REFERENCES,
) -> corpus_runs.Run:
    """scores.csv and metrics.json as the evaluation step writes them, read back through read_run. The leak-free
    scores default to the paper ones halved."""
    leak_free = leak_free or {name: [v / 2 for v in values] for name, values in paper.items()}
    columns = {f"paper_{name}": values for name, values in paper.items()}
    columns |= {f"leak_free_{name}": values for name, values in leak_free.items()}
    folder = root / f"{method}_{seed}"
    folder.mkdir(parents=True)
    rows = zip(*columns.values())
    (folder / "scores.csv").write_text(
        ",".join(columns) + "\n" + "".join(",".join(repr(v) for v in row) + "\n" for row in rows)
    )
    metrics = {"corpus": corpus, "method": method, "seed": seed, "smoothing": smoothing, "self_bleu": self_bleu or {}}
    (folder / "metrics.json").write_text(json.dumps(metrics | {"references": references}))
    return corpus_runs.read_run(folder / "scores.csv", folder / "metrics.json")


def markdown_tables(md: str) -> dict[str, dict[str, list[str]]]:
    """Each Markdown table under its '## ' heading: first cell -> the other cells ('Method' -> the header)."""
    tables: dict[str, dict[str, list[str]]] = {}
    heading = ""
    for line in md.splitlines():
        if line.startswith("## "):
            heading = line.removeprefix("## ")
        elif line.startswith("| "):
            cells = [c.strip() for c in line.strip("|").split(" | ")]
            tables.setdefault(heading, {})[cells[0]] = cells[1:]
    return tables


def read_csv(path: Path) -> dict[tuple[str, str], dict]:
    """The table CSV's rows by (basis, method), in file order."""
    with open(path, newline="", encoding="utf-8") as f:
        return {(row["basis"], row["method"]): row for row in csv.DictReader(f)}


@pytest.fixture
def poem_runs(tmp_path):
    return [
        write_run(tmp_path, "poems", m, s, {"bleu2": p}, {"bleu2": lf}, self_bleu={"2": SELF_BLEU[m, s]})
        for (m, s), (p, lf) in POEM_SCORES.items()
    ]


def welch(method_a: str, method_b: str, basis: int) -> str:
    """The printed Welch p-value of two methods' pooled POEM_SCORES on one basis (0: paper, 1: leak-free)."""
    pooled = [
        [x for (m, _), scores in POEM_SCORES.items() if m == method for x in scores[basis]]
        for method in (method_a, method_b)
    ]
    return format_p(stats.ttest_ind(*pooled, equal_var=False).pvalue)


def test_poems_table_by_hand_on_both_bases(tmp_path, poem_runs):
    corpora.write_table("poems", poem_runs, tmp_path / "t2.csv", tmp_path / "t2.md")
    with open(tmp_path / "t2.csv", newline="", encoding="utf-8") as f:
        assert next(csv.reader(f))[:3] == ["basis", "corpus", "method"]
    rows = read_csv(tmp_path / "t2.csv")
    assert list(rows) == [(b, m) for b in ("paper", "leak_free") for m in ("mle", "seqgan", "real")]
    mle, seqgan, real = (rows["paper", m] for m in ("mle", "seqgan", "real"))
    free_mle, free_seqgan, free_real = (rows["leak_free", m] for m in ("mle", "seqgan", "real"))

    # Paper basis, per-seed means: MLE 0.63 and 0.64, SeqGAN 0.73 and 0.74 -> 0.635 / 0.735, std sqrt(0.00005).
    assert float(mle["bleu2_mean"]) == pytest.approx(0.635, abs=1e-4)
    assert float(seqgan["bleu2_mean"]) == pytest.approx(0.735, abs=1e-4)
    assert float(mle["bleu2_std"]) == pytest.approx(statistics.stdev([0.63, 0.64]), abs=1e-4)
    assert mle["n_seeds"] == "2" and mle["seeds"] == "1/2" and mle["n_sequences"] == "8"
    # Leak-free basis: MLE 0.42 and 0.45, SeqGAN 0.51 and 0.52, real 0.52.
    assert float(free_mle["bleu2_mean"]) == pytest.approx(0.435, abs=1e-4)
    assert float(free_mle["bleu2_std"]) == pytest.approx(statistics.stdev([0.42, 0.45]), abs=1e-4)
    assert float(free_seqgan["bleu2_mean"]) == pytest.approx(0.515, abs=1e-4)
    assert float(free_real["bleu2_mean"]) == pytest.approx(0.52, abs=1e-4)

    # p on each basis's MLE row: Welch on that basis's 8 pooled sequences of each method, as scipy computes it.
    assert mle["bleu2_p"] == welch("mle", "seqgan", 0) and free_mle["bleu2_p"] == welch("mle", "seqgan", 1)
    assert welch("mle", "seqgan", 0) != welch("mle", "seqgan", 1)  # so the line above tells the bases apart
    assert {seqgan["bleu2_p"], real["bleu2_p"], free_seqgan["bleu2_p"], free_real["bleu2_p"]} == {""}

    # The paper's values beside the paper basis only; Self-BLEU (no p) the same on both; the real row once.
    assert (mle["bleu2_paper"], seqgan["bleu2_paper"], real["bleu2_paper"]) == ("0.667", "0.7389", "0.746")
    assert {row["bleu2_paper"] for row in (free_mle, free_seqgan, free_real)} == {""}
    assert float(seqgan["self_bleu2_mean"]) == pytest.approx(0.88) and "self_bleu2_p" not in seqgan
    assert seqgan["self_bleu2_mean"] == free_seqgan["self_bleu2_mean"]
    assert real["n_seeds"] == "1" and real["seeds"] == "" and real["bleu2_std"] == "" and real["self_bleu2_std"] == ""
    assert float(real["bleu2_mean"]) == pytest.approx(0.7467, abs=1e-4)
    assert [row["n_references"] for row in rows.values()] == ["40"] * 3 + ["4"] * 3
    assert {r["corpus"] for r in rows.values()} == {"poems"}

    md = (tmp_path / "t2.md").read_text(encoding="utf-8")
    assert md.startswith("# Table 2 (Chinese poems)\n")
    tables = markdown_tables(md)
    assert list(tables) == [PAPER_TABLE, LEAK_FREE_TABLE]
    paper, free = tables[PAPER_TABLE], tables[LEAK_FREE_TABLE]
    assert paper["Method"] == ["BLEU-2 (ours)", "paper", "p (MLE vs SeqGAN)", "Self-BLEU-2", "n"]
    assert paper["MLE"] == ["0.6350 ± 0.0071", "0.667", welch("mle", "seqgan", 0), "0.8100 ± 0.0141", "2"]
    assert paper["SeqGAN"] == ["0.7350 ± 0.0071", "0.7389", "–", "0.8800 ± 0.0283", "2"]
    assert paper["Real data"] == ["0.7467", "0.746", "–", "0.7000", "1"]
    assert free["Method"] == ["BLEU-2 (ours)", "p (MLE vs SeqGAN)", "Self-BLEU-2", "n"]
    assert free["MLE"] == ["0.4350 ± 0.0212", welch("mle", "seqgan", 1), "0.8100 ± 0.0141", "2"]
    assert free["Real data"] == ["0.5200", "–", "0.7000", "1"]
    # The notes: both bases with their reference counts, the paper's human scores (not reproducible), the
    # smoothing, the <unk> rule, the real data's count, the sequences behind the p-value.
    assert (
        "the whole corpus (train, including any training sequences `data.max_train` left out, + valid + test), 40 sequences."
        in md
        and "the test split, 4 sequences," in md
    )
    assert all(str(PAPER_HUMAN) in md for PAPER_HUMAN in (0.4165, 0.5356, 0.6011))
    assert "the paper names none): none. `<unk>`" in md and "`<pad>`" not in md
    assert "- **Real data**: 3 sequences of the training split" in md and "leave-one-out" in md
    assert "MLE 8 / SeqGAN 8 sequences" in md


def test_one_seed_blank_std_and_real_once_overall(tmp_path):
    runs = [
        write_run(tmp_path, "poems", "mle", 7, {"bleu2": [0.5, 0.6]}),
        write_run(tmp_path, "poems", "seqgan", 7, {"bleu2": [0.7, 0.9]}),
        write_run(tmp_path, "poems", "real", None, {"bleu2": [0.7, 0.8]}),
    ]
    corpora.write_table("poems", runs, tmp_path / "t.csv", tmp_path / "t.md")
    rows = read_csv(tmp_path / "t.csv")
    assert rows["paper", "mle"]["bleu2_std"] == "" and rows["paper", "mle"]["n_seeds"] == "1"
    assert float(rows["paper", "mle"]["bleu2_mean"]) == pytest.approx(0.55)
    assert float(rows["leak_free", "mle"]["bleu2_mean"]) == pytest.approx(0.275)
    assert rows["paper", "real"]["seeds"] == "" and rows["leak_free", "real"]["n_seeds"] == "1"
    tables = markdown_tables((tmp_path / "t.md").read_text(encoding="utf-8"))
    assert tables[PAPER_TABLE]["MLE"][:2] == ["0.5500", "0.667"]
    p = format_p(stats.ttest_ind([0.25, 0.3], [0.35, 0.45], equal_var=False).pvalue)
    assert tables[LEAK_FREE_TABLE]["MLE"][:2] == ["0.2750", p]  # no paper column on this basis
    # The real data evaluated once per seed, identically: one measurement.
    again = [write_run(tmp_path / "again", "poems", "real", s, {"bleu2": [0.7, 0.8]}) for s in (1, 2)]
    assert [row["n_seeds"] for row in corpora.table_rows("poems", again)[1]] == [1, 1]


def test_every_row_of_a_table_has_the_same_reference_counts(tmp_path):
    """Rows are comparable only against one reference set per basis: a run with other counts is refused."""
    runs = [
        write_run(tmp_path, "poems", "mle", 1, {"bleu2": [0.5, 0.6]}, references={"paper": 1234, "leak_free": 4}),
        write_run(tmp_path, "poems", "seqgan", 1, {"bleu2": [0.7, 0.9]}, references={"paper": 1234, "leak_free": 4}),
    ]
    corpora.write_table("poems", runs, tmp_path / "t.csv", tmp_path / "t.md")
    assert [row["n_references"] for row in read_csv(tmp_path / "t.csv").values()] == ["1234", "1234", "4", "4"]
    md = (tmp_path / "t.md").read_text(encoding="utf-8")
    assert "+ valid + test), 1,234 sequences." in md and "the test split, 4 sequences, which" in md
    for method, seed, counts, found in (
        ("seqgan", 2, {"paper": 1234, "leak_free": 5}, "5 leak_free references, .* has 4"),
        ("real", None, {"paper": 1233, "leak_free": 4}, "1233 paper references, .* has 1234"),
    ):
        other = write_run(tmp_path, "poems", method, seed, {"bleu2": [0.7, 0.9]}, references=counts)
        with pytest.raises(ValueError, match=rf"{method}_{seed}/metrics\.json: {found} \(expected one reference set"):
            corpora.table_rows("poems", [*runs, other])


def test_substitute_label_in_every_output(tmp_path):
    label = "obama_SUBSTITUTE"
    runs = [
        write_run(tmp_path, label, "mle", 1, {"bleu3": [0.4, 0.5, 0.45], "bleu4": [0.3, 0.35, 0.3]}, smoothing="method1"),
        write_run(tmp_path, label, "seqgan", 1, {"bleu3": [0.5, 0.55, 0.6], "bleu4": [0.4, 0.38, 0.41]}, smoothing="method1"),
    ]  # fmt: skip
    corpora.write_table("obama", runs, tmp_path / "t3.csv", tmp_path / "t3.md")
    md = (tmp_path / "t3.md").read_text(encoding="utf-8")
    assert "the paper names none): method1. `<unk>`" in md and "`<pad>` tokens are removed" in md
    assert md.startswith("# Table 3 (Obama speeches, SUBSTITUTE corpus: not the paper's data)\n")
    assert "`obama_SUBSTITUTE`" in md
    rows = read_csv(tmp_path / "t3.csv")
    assert {r["corpus"] for r in rows.values()} == {label}
    assert (rows["paper", "mle"]["bleu3_paper"], rows["paper", "seqgan"]["bleu4_paper"]) == ("0.519", "0.427")
    assert rows["leak_free", "mle"]["bleu3_paper"] == ""
    p4 = stats.ttest_ind([0.3, 0.35, 0.3], [0.4, 0.38, 0.41], equal_var=False).pvalue
    assert rows["paper", "mle"]["bleu4_p"] == format_p(p4)


def test_a_smoothing_name_that_is_markup_stays_text_in_an_includable_table(tmp_path):
    """metrics.json's smoothing is any string: in the table's Markdown it is text, and the file passes the check
    the report page makes of every table it includes."""
    from markdown_it import MarkdownIt

    from seqgan.report.document import fragment

    smoothing = "x`|</details><script>alert(1)</script>\n```"
    runs = [write_run(tmp_path, "poems", m, 1, {"bleu2": [0.5, 0.6]}, smoothing=smoothing) for m in ("mle", "seqgan")]
    corpora.write_table("poems", runs, tmp_path / "t.csv", tmp_path / "t.md")
    md = (tmp_path / "t.md").read_text(encoding="utf-8")
    assert fragment(md, "t.md") == md.splitlines()
    html = MarkdownIt("commonmark", {"html": True}).enable("table").render(md)  # as GitHub reads it
    assert "<script" not in html and "</details>" not in html and "<pre>" not in html
    assert "the paper names none): x`|&lt;/details&gt;&lt;script&gt;alert(1)&lt;/script&gt; ```." in html


def test_music_mse_columns(tmp_path):
    runs = [
        write_run(tmp_path, "nottingham", "mle", 1, {"bleu4": [0.9, 0.92], "mse": [20.0, 24.0]}),
        write_run(tmp_path, "nottingham", "mle", 2, {"bleu4": [0.91, 0.93], "mse": [22.0, 26.0]}),
        write_run(tmp_path, "nottingham", "seqgan", 1, {"bleu4": [0.94, 0.95], "mse": [18.0, 19.0]}),
        write_run(tmp_path, "nottingham", "real", None, {"bleu4": [0.96, 0.97], "mse": [3.0, 5.0]}),
    ]
    columns, rows = corpora.table_rows("music", runs)
    assert columns[8:16] == [
        "bleu4_mean", "bleu4_std", "bleu4_paper", "bleu4_p", "mse_mean", "mse_std", "mse_paper", "mse_p",
    ]  # fmt: skip
    mle, real, free_mle = rows[0], rows[2], rows[3]
    assert (mle["basis"], real["method"], free_mle["basis"]) == ("paper", "real", "leak_free")
    assert (mle["mse_mean"], mle["mse_paper"]) == (23.0, 22.38)
    assert mle["mse_std"] == pytest.approx(statistics.stdev([22.0, 24.0]), abs=1e-4)
    assert mle["mse_p"] == format_p(stats.ttest_ind([20, 24, 22, 26], [18, 19], equal_var=False).pvalue)
    assert (real["mse_mean"], real["mse_paper"]) == (4.0, "")  # the paper gives no real-data MSE
    assert (free_mle["mse_mean"], free_mle["mse_paper"]) == (11.5, "")
    corpora.write_table("music", runs, tmp_path / "t4.csv", tmp_path / "t4.md")
    md = (tmp_path / "t4.md").read_text(encoding="utf-8")
    assert md.startswith("# Table 4 (Nottingham music)\n")
    assert "`<unk>`" not in md and "nearest reference of the basis" in md
    tables = markdown_tables(md)
    assert tables[PAPER_TABLE]["MLE"][:6] == [
        "0.9150 ± 0.0071", "0.921", mle["bleu4_p"], "23.0000 ± 1.4142", "22.38", mle["mse_p"],
    ]  # fmt: skip
    assert tables[PAPER_TABLE]["Real data"][3:6] == ["4.0000", "–", "–"]
    assert tables[LEAK_FREE_TABLE]["MLE"][:4] == ["0.4575 ± 0.0035", mle["bleu4_p"], "11.5000 ± 0.7071", mle["mse_p"]]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("paper_bleu2", "no column leak_free_bleu2 (expected every metric on each basis: paper, leak_free)"),
        ("paper_bleu2,leak_free_bleu2,paper_mse", "no column leak_free_mse"),
        ("leak_free_bleu2,test_bleu2", "column 'test_bleu2': expected {basis}_bleuN or {basis}_mse, basis one of"),
        ("bleu2", "column 'bleu2': expected {basis}_bleuN"),  # the format before the two bases
        ("paper_bleu2,leak_free_nll", "column 'leak_free_nll'"),
        (
            "paper_mse,leak_free_mse",
            "header paper_mse,leak_free_mse: expected at least one {basis}_bleuN column per basis",
        ),
        (
            "paper_bleu2,leak_free_bleu2,paper_bleu2",
            "header paper_bleu2,leak_free_bleu2,paper_bleu2: expected distinct columns",
        ),
    ],
)
def test_a_scores_file_without_both_bases_is_refused(tmp_path, header, message):
    path = tmp_path / "scores.csv"
    path.write_text(header + "\n" + ",".join(["0.5"] * len(header.split(","))) + "\n")
    with pytest.raises(ValueError, match="^" + re.escape(f"{path}: {message}")):
        corpus_runs.read_scores(path)


def test_bad_inputs(tmp_path):
    (tmp_path / "scores.csv").write_text("paper_bleu2,leak_free_bleu2\n0.5,0.25\nnan,0.5\n")
    with pytest.raises(ValueError, match=r"scores\.csv:3: column paper_bleu2 is 'nan'"):
        corpus_runs.read_scores(tmp_path / "scores.csv")
    metrics = {
        "corpus": "obama", "method": "mle", "seed": 1, "smoothing": "none", "self_bleu": {}, "references": REFERENCES,
    }  # fmt: skip
    (tmp_path / "bad.json").write_text(json.dumps(metrics))
    assert corpus_runs.read_metrics(tmp_path / "bad.json") == metrics  # the bad ones below differ in one key
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ValueError, match=r"bad\.json: not valid JSON"):
        corpus_runs.read_metrics(tmp_path / "bad.json")
    bad_references = (
        None, [40, 4], {"paper": 40}, {"paper": 40, "leak_free": 0}, {"paper": 40, "leak_free": True},
        {"paper": 40, "leak_free": 4.0}, {"paper": 40, "leak_free": 4, "train": 36},
    )  # fmt: skip
    bad = [("method", "gan"), ("seed", None), ("smoothing", None), ("self_bleu", {"0": 0.5})]
    for key, value in [*bad, *(("references", value) for value in bad_references)]:
        (tmp_path / "bad.json").write_text(json.dumps(metrics | {key: value}))
        with pytest.raises(ValueError, match=rf"bad\.json: key '{key}'"):
            corpus_runs.read_metrics(tmp_path / "bad.json")
    del metrics["references"]
    (tmp_path / "bad.json").write_text(json.dumps(metrics))
    expected = 'expected an object {"paper": N, "leak_free": N}, each N a positive integer'
    with pytest.raises(ValueError, match=re.escape(f"bad.json: key 'references' is '<missing>', {expected}")):
        corpus_runs.read_metrics(tmp_path / "bad.json")
    run = write_run(tmp_path, "poems", "mle", 1, {"bleu2": [0.5, 0.6]})
    with pytest.raises(ValueError, match="does not belong in Table 3"):
        corpora.write_table("obama", [run], tmp_path / "t.csv", tmp_path / "t.md")
    assert not (tmp_path / "t.csv").exists() and not (tmp_path / "t.md").exists()
    # A run without an order the others have; a music model without MSE; two smoothings in one table; one
    # (method, seed) twice.
    other = write_run(tmp_path, "poems", "seqgan", 1, {"bleu2": [0.7, 0.8], "bleu3": [0.5, 0.6]})
    with pytest.raises(ValueError, match="no BLEU-3"):
        corpora.table_rows("poems", [run, other])
    music = [write_run(tmp_path, "nottingham", m, 2, {"bleu4": [0.9, 0.8]}) for m in ("mle", "seqgan")]
    with pytest.raises(ValueError, match="no per-sequence mse scores"):
        corpora.table_rows("music", music)
    method1 = write_run(tmp_path / "m1", "poems", "seqgan", 2, {"bleu2": [0.7, 0.8]}, smoothing="method1")
    with pytest.raises(ValueError, match="different BLEU smoothings"):
        corpora.write_table("poems", [run, method1], tmp_path / "t.csv", tmp_path / "t.md")
    twice = write_run(tmp_path / "twice", "poems", "mle", 1, {"bleu2": [0.5, 0.7]})
    with pytest.raises(ValueError, match=r"twice/mle_1/metrics\.json: method 'mle', seed 1 also in"):
        corpora.table_rows("poems", [run, twice])
    mixed = write_run(tmp_path / "mixed", "obama", "seqgan", 1, {"bleu2": [0.5, 0.7]})
    with pytest.raises(ValueError, match=r"Table 2: runs of different corpora \['obama', 'poems'\]"):
        corpora.table_rows("poems", [run, mixed])


# ---------------------------------------------------------------- samples


def test_format_poems():
    chars = "春眠不觉晓处处闻啼鸟夜来风雨声花落知多少"
    vocab = (UNK, *chars)
    ids = torch.tensor([[vocab.index(c) for c in chars], [0] + [1] * 19])
    assert samples.format_samples("poems", vocab, ids) == (
        "春眠不觉晓\n处处闻啼鸟\n夜来风雨声\n花落知多少\n\n□春春春春\n春春春春春\n春春春春春\n春春春春春\n"
    )
    with_punct = "春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。"
    vocab24 = tuple(dict.fromkeys((UNK, *with_punct)))
    ids24 = torch.tensor([[vocab24.index(c) for c in with_punct]])
    assert samples.format_samples("poems", vocab24, ids24) == "春眠不觉晓，\n处处闻啼鸟。\n夜来风雨声，\n花落知多少。\n"
    with pytest.raises(ValueError, match="expected 20 tokens"):
        samples.format_samples("poems", vocab, ids[:, :10])


def test_format_obama():
    words = [PAD, UNK, "we", "can", "'s", "n't", ",", "do", "it", ".", "(", "yes", ")", "america's", "$", "5", "?"]
    rows = [
        ["we", "can", "'s", "n't", ",", "do", "it", "."],
        ["(", "yes", ")", "america's", "$", "5", "?", PAD],
        [UNK, "can", PAD, PAD, PAD, PAD, PAD, PAD],
    ]
    ids = torch.tensor([[words.index(w) for w in row] for row in rows])
    assert samples.format_samples("obama", words, ids) == "we can'sn't, do it.\n(yes) america's $5?\n<unk> can\n"


def test_format_music_and_piano_roll(tmp_path):
    ids = torch.tensor([[39, 39, 43, 46], [48, 47, 46, 0]])  # C4 C4 E4 G4 / A4 G#4 G4 A0
    text = samples.format_samples("music", nottingham.VOCAB, ids)
    assert text == "C4 C4 E4 G4\nA4 G#4 G4 A0\n"
    png = tmp_path / "roll" / "music.png"
    samples.write_piano_roll(ids, nottingham.VOCAB, png, "SeqGAN, seed 1")
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 1000
    assert [p.name for p in png.parent.iterdir()] == ["music.png"]  # no temp file left behind
    with pytest.raises(ValueError, match="outside the vocabulary"):
        samples.format_samples("music", nottingham.VOCAB, torch.tensor([[88]]))
