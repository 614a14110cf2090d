"""Tables 2-4 and the readable samples of the real-world experiments, on score files written here."""

from __future__ import annotations

import csv
import json
import statistics
from pathlib import Path

import pytest
import torch
from scipy import stats

from seqgan.data import nottingham
from seqgan.data.vocab import PAD, UNK
from seqgan.report import corpora, corpus_runs, samples
from seqgan.report.tables import format_p

# Per-sequence BLEU-2 (poems) of two seeds per method, small enough to check by hand.
POEM_SCORES = {
    ("mle", 1): [0.60, 0.62, 0.64, 0.66],
    ("mle", 2): [0.61, 0.65, 0.63, 0.67],
    ("seqgan", 1): [0.70, 0.73, 0.75, 0.74],
    ("seqgan", 2): [0.72, 0.71, 0.76, 0.77],
    ("real", 1): [0.74, 0.75, 0.75],
    ("real", 2): [0.74, 0.75, 0.75],  # the same test set again: one measurement
}
SELF_BLEU = {"mle": {1: 0.80, 2: 0.82}, "seqgan": {1: 0.90, 2: 0.86}, "real": {1: 0.70, 2: 0.70}}


def write_run(
    root: Path, corpus: str, method: str, seed, columns: dict[str, list[float]], *, self_bleu=None, smoothing="none"
) -> corpus_runs.Run:
    """scores.csv and metrics.json as the evaluation step writes them, read back through read_run."""
    folder = root / f"{method}_{seed}"
    folder.mkdir(parents=True)
    rows = zip(*columns.values())
    (folder / "scores.csv").write_text(
        ",".join(columns) + "\n" + "".join(",".join(repr(v) for v in row) + "\n" for row in rows)
    )
    metrics = {"corpus": corpus, "method": method, "seed": seed, "smoothing": smoothing, "self_bleu": self_bleu or {}}
    (folder / "metrics.json").write_text(json.dumps(metrics))
    return corpus_runs.read_run(folder / "scores.csv", folder / "metrics.json")


def markdown_rows(md: str) -> dict[str, list[str]]:
    """The Markdown table's body rows: first cell -> the other cells."""
    rows = [line.strip("|").split(" | ") for line in md.splitlines() if line.startswith("| ") and "---" not in line]
    return {cells[0].strip(): [c.strip() for c in cells[1:]] for cells in rows[1:]}


def read_csv(path: Path) -> dict[str, dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return {row["method"]: row for row in csv.DictReader(f)}


@pytest.fixture
def poem_runs(tmp_path):
    return [
        write_run(tmp_path, "poems", m, s, {"bleu2": v}, self_bleu={"2": SELF_BLEU[m][s]})
        for (m, s), v in POEM_SCORES.items()
    ]


def test_poems_table_by_hand(tmp_path, poem_runs):
    corpora.write_table("poems", poem_runs, tmp_path / "t2.csv", tmp_path / "t2.md")
    rows = read_csv(tmp_path / "t2.csv")
    assert list(rows) == ["mle", "seqgan", "real"]
    mle, seqgan, real = rows["mle"], rows["seqgan"], rows["real"]

    # Per-seed means: MLE 0.63 and 0.64, SeqGAN 0.73 and 0.74 -> means 0.635 / 0.735, std sqrt(0.00005).
    assert float(mle["bleu2_mean"]) == pytest.approx(0.635, abs=1e-4)
    assert float(seqgan["bleu2_mean"]) == pytest.approx(0.735, abs=1e-4)
    assert float(mle["bleu2_std"]) == pytest.approx(statistics.stdev([0.63, 0.64]), abs=1e-4)
    assert float(mle["bleu2_std"]) == pytest.approx(0.0071, abs=1e-4)
    assert mle["n_seeds"] == "2" and mle["seeds"] == "1/2" and mle["n_sequences"] == "8"

    # p on the MLE row: Welch on the 8 pooled sequences of each method, as scipy computes it.
    pooled = {m: POEM_SCORES[m, 1] + POEM_SCORES[m, 2] for m in ("mle", "seqgan")}
    expected = stats.ttest_ind(pooled["mle"], pooled["seqgan"], equal_var=False).pvalue
    assert mle["bleu2_p"] == format_p(expected)
    assert seqgan["bleu2_p"] == "" and real["bleu2_p"] == ""

    # Paper column, Self-BLEU (no p), and the real row counted once (identical per seed) with a blank std.
    assert (mle["bleu2_paper"], seqgan["bleu2_paper"], real["bleu2_paper"]) == ("0.667", "0.7389", "0.746")
    assert float(seqgan["self_bleu2_mean"]) == pytest.approx(0.88) and "self_bleu2_p" not in seqgan
    assert real["n_seeds"] == "1" and real["bleu2_std"] == "" and real["self_bleu2_std"] == ""
    assert float(real["bleu2_mean"]) == pytest.approx(0.7467, abs=1e-4)
    assert {r["corpus"] for r in rows.values()} == {"poems"}

    md = (tmp_path / "t2.md").read_text(encoding="utf-8")
    assert md.startswith("# Table 2 (Chinese poems)\n")
    cells = markdown_rows(md)
    assert list(cells) == ["MLE", "SeqGAN", "Real data"]
    assert cells["MLE"] == ["0.6350 ± 0.0071", "0.667", format_p(expected), "0.8100 ± 0.0141", "2"]
    assert cells["SeqGAN"] == ["0.7350 ± 0.0071", "0.7389", "–", "0.8800 ± 0.0283", "2"]
    assert cells["Real data"] == ["0.7467", "0.746", "–", "0.7000", "1"]
    # The notes: the paper's human scores (not reproducible), the smoothing, the sequences behind the p-value.
    assert all(str(PAPER_HUMAN) in md for PAPER_HUMAN in (0.4165, 0.5356, 0.6011))
    assert "the paper names none): none." in md and "MLE 8 / SeqGAN 8 sequences" in md


def test_one_seed_blank_std_and_real_once_overall(tmp_path):
    runs = [
        write_run(tmp_path, "poems", "mle", 7, {"bleu2": [0.5, 0.6]}),
        write_run(tmp_path, "poems", "seqgan", 7, {"bleu2": [0.7, 0.9]}),
        write_run(tmp_path, "poems", "real", None, {"bleu2": [0.7, 0.8]}),
    ]
    corpora.write_table("poems", runs, tmp_path / "t.csv", tmp_path / "t.md")
    rows = read_csv(tmp_path / "t.csv")
    assert rows["mle"]["bleu2_std"] == "" and rows["mle"]["n_seeds"] == "1"
    assert float(rows["mle"]["bleu2_mean"]) == pytest.approx(0.55)
    assert rows["real"]["seeds"] == "" and rows["real"]["n_seeds"] == "1"
    assert markdown_rows((tmp_path / "t.md").read_text(encoding="utf-8"))["MLE"][:2] == ["0.5500", "0.667"]


def test_substitute_label_in_every_output(tmp_path):
    label = "obama_SUBSTITUTE"
    runs = [
        write_run(
            tmp_path, label, "mle", 1, {"bleu3": [0.4, 0.5, 0.45], "bleu4": [0.3, 0.35, 0.3]}, smoothing="method1"
        ),
        write_run(
            tmp_path, label, "seqgan", 1, {"bleu3": [0.5, 0.55, 0.6], "bleu4": [0.4, 0.38, 0.41]}, smoothing="method1"
        ),
    ]
    corpora.write_table("obama", runs, tmp_path / "t3.csv", tmp_path / "t3.md")
    md = (tmp_path / "t3.md").read_text(encoding="utf-8")
    assert "the paper names none): method1." in md
    assert md.startswith("# Table 3 (Obama speeches, SUBSTITUTE corpus: not the paper's data)\n")
    assert "`obama_SUBSTITUTE`" in md
    rows = read_csv(tmp_path / "t3.csv")
    assert {r["corpus"] for r in rows.values()} == {label}
    assert (rows["mle"]["bleu3_paper"], rows["seqgan"]["bleu4_paper"]) == ("0.519", "0.427")
    p4 = stats.ttest_ind([0.3, 0.35, 0.3], [0.4, 0.38, 0.41], equal_var=False).pvalue
    assert rows["mle"]["bleu4_p"] == format_p(p4)


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
        write_run(tmp_path, "nottingham", "real", 1, {"bleu4": [0.96, 0.97]}),  # no MSE for the real row
    ]
    columns, rows = corpora.table_rows("music", runs)
    assert columns[6:14] == [
        "bleu4_mean", "bleu4_std", "bleu4_paper", "bleu4_p", "mse_mean", "mse_std", "mse_paper", "mse_p",
    ]  # fmt: skip
    mle = rows[0]
    assert (mle["mse_mean"], mle["mse_paper"]) == (23.0, 22.38)
    assert mle["mse_std"] == pytest.approx(statistics.stdev([22.0, 24.0]), abs=1e-4)
    assert mle["mse_p"] == format_p(stats.ttest_ind([20, 24, 22, 26], [18, 19], equal_var=False).pvalue)
    assert rows[2]["mse_mean"] == "" and rows[2]["mse_paper"] == ""
    corpora.write_table("music", runs, tmp_path / "t4.csv", tmp_path / "t4.md")
    md = (tmp_path / "t4.md").read_text(encoding="utf-8")
    assert md.startswith("# Table 4 (Nottingham music)\n")
    cells = markdown_rows(md)
    assert cells["MLE"][:6] == ["0.9150 ± 0.0071", "0.921", mle["bleu4_p"], "23.0000 ± 1.4142", "22.38", mle["mse_p"]]
    assert cells["Real data"][3:6] == ["–", "–", "–"]


def test_bad_inputs(tmp_path):
    (tmp_path / "scores.csv").write_text("bleu2,nll\n0.5,1\n0.25,2\n")
    with pytest.raises(ValueError, match=r"scores\.csv: header bleu2,nll"):
        corpus_runs.read_scores(tmp_path / "scores.csv")
    (tmp_path / "scores.csv").write_text("bleu2\n0.5\nnan\n")
    with pytest.raises(ValueError, match=r"scores\.csv:3: column bleu2 is 'nan'"):
        corpus_runs.read_scores(tmp_path / "scores.csv")
    metrics = {"corpus": "obama", "method": "mle", "seed": 1, "smoothing": "none", "self_bleu": {}}
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ValueError, match=r"bad\.json: not valid JSON"):
        corpus_runs.read_metrics(tmp_path / "bad.json")
    for key, value in (("method", "gan"), ("seed", None), ("smoothing", None), ("self_bleu", {"0": 0.5})):
        (tmp_path / "bad.json").write_text(json.dumps(metrics | {key: value}))
        with pytest.raises(ValueError, match=rf"bad\.json: key '{key}'"):
            corpus_runs.read_metrics(tmp_path / "bad.json")
    run = write_run(tmp_path, "poems", "mle", 1, {"bleu2": [0.5, 0.6]})
    with pytest.raises(ValueError, match="does not belong in Table 3"):
        corpora.write_table("obama", [run], tmp_path / "t.csv", tmp_path / "t.md")
    assert not (tmp_path / "t.csv").exists() and not (tmp_path / "t.md").exists()
    # A run without an order the others have; a music model without MSE; two smoothings in one table.
    other = write_run(tmp_path, "poems", "seqgan", 1, {"bleu2": [0.7, 0.8], "bleu3": [0.5, 0.6]})
    with pytest.raises(ValueError, match="no BLEU-3"):
        corpora.table_rows("poems", [run, other])
    music = [write_run(tmp_path, "nottingham", m, 2, {"bleu4": [0.9, 0.8]}) for m in ("mle", "seqgan")]
    with pytest.raises(ValueError, match="no per-sequence mse scores"):
        corpora.table_rows("music", music)
    method1 = write_run(tmp_path / "m1", "poems", "seqgan", 2, {"bleu2": [0.7, 0.8]}, smoothing="method1")
    with pytest.raises(ValueError, match="different BLEU smoothings"):
        corpora.write_table("poems", [run, method1], tmp_path / "t.csv", tmp_path / "t.md")


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
