"""`python -m seqgan corpus`: a real corpus from its file and its config JSON to a folder of token ids,
with errors that name the file or key and nothing written when preprocessing fails. The file is checked
against its pinned hash first: the tests of preprocessing pin their own made-up file in its place.

`python -m seqgan evaluate`: a model's samples and the real-data row scored on both reference bases, against
nltk's sentence_bleu on the files the verb writes."""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
from pathlib import Path

import pytest
import torch
import yaml
from nltk.translate.bleu_score import sentence_bleu

from seqgan import job_record
from seqgan.cli import main
from seqgan.data import nottingham
from seqgan.data.corpus import Corpus
from seqgan.data.download import REGISTRY, sha256_of
from seqgan.data.tokens import load_tokens
from seqgan.data.vocab import UNK
from seqgan.metrics import corpus_scores
from seqgan.metrics.real_bleu import sample_indices
from seqgan.models.generator import Generator
from seqgan.models.saved import save_generator

REPO = Path(__file__).parents[1]
CHARS = "春江花月夜山水风云雨雪日星河海天地人心"  # 20 distinct characters
SHI = "poems/shi.txt"  # the registry name that the poems config's data.source gives


@pytest.fixture
def pin(monkeypatch):
    """Pin a test's made-up shi.txt as the registry's poems/shi.txt, for this test only."""

    def pin(path: Path) -> Path:
        monkeypatch.setitem(REGISTRY, SHI, dataclasses.replace(REGISTRY[SHI], sha256=sha256_of(path)))
        return path

    return pin


def quatrain(shift: int) -> str:
    """Four lines of five characters, punctuated as shi.txt is, tokens separated by spaces."""
    chars = [CHARS[(shift + i) % len(CHARS)] for i in range(20)]
    lines = [chars[i : i + 5] + ["，" if i % 10 == 0 else "。"] for i in range(0, 20, 5)]
    return " ".join(token for line in lines for token in line) + " \n"


def poems_config(path: Path, **data) -> Path:
    """The tiny workflow config's poems section (as the workflow writes it), its data keys overridden."""
    section = yaml.safe_load((REPO / ".test" / "config" / "config.yaml").read_text())["poems"]
    section["data"].update({"test_fraction": 0.25, "max_train": 0, **data})
    path.write_text(json.dumps(section))
    return path


def run(config: Path, source: Path, out: Path) -> int:
    return main(["corpus", "poems", "--config", str(config), "--source", str(source), "--out-dir", str(out)])


def test_poems_become_token_ids_per_split(tmp_path, pin):
    source = tmp_path / "shi.txt"
    source.write_text("".join(quatrain(shift) for shift in range(8)), encoding="utf-8")
    pin(source)
    assert run(poems_config(tmp_path / "config.json"), source, tmp_path / "data") == 0

    corpus = Corpus.load(tmp_path / "data")
    assert corpus.name == "poems" and corpus.seq_len == 20
    assert {split: len(tokens) for split, tokens in corpus.splits.items()} == {"train": 6, "test": 2}
    train_chars = {corpus.vocab[i] for i in corpus.splits["train"].flatten().tolist()}
    assert train_chars <= set(CHARS)  # punctuation dropped: 20 characters per poem
    summary = json.loads((tmp_path / "data" / "summary.json").read_text())
    assert summary["splits"]["train"]["items"] == 6 and summary["vocab_size"] == len(corpus.vocab)


def test_max_train_keeps_an_evenly_spread_sample_and_says_so(tmp_path, pin):
    source = tmp_path / "shi.txt"
    source.write_text("".join(quatrain(shift) for shift in range(12)), encoding="utf-8")
    pin(source)
    assert run(poems_config(tmp_path / "all.json"), source, tmp_path / "all") == 0
    assert run(poems_config(tmp_path / "some.json", max_train=3), source, tmp_path / "some") == 0
    full, limited = Corpus.load(tmp_path / "all"), Corpus.load(tmp_path / "some")
    assert torch.equal(limited.splits["train"], full.splits["train"][[0, 3, 6]])  # 9 training poems, every third
    assert torch.equal(limited.splits["test"], full.splits["test"])
    assert limited.stats["train_limited"] == {"from": 9, "to": 3}
    # The six left out stay in the folder, as split "unused": the paper basis's references hold the whole corpus.
    assert torch.equal(limited.splits["unused"], full.splits["train"][[1, 2, 4, 5, 7, 8]])
    whole = corpus_scores.references(limited.splits)["paper"]
    assert sorted(map(tuple, whole.tolist())) == sorted(map(tuple, torch.cat(list(full.splits.values())).tolist()))


def test_keep_punctuation_gives_the_24_token_lines(tmp_path, pin):
    source = tmp_path / "shi.txt"
    source.write_text("".join(quatrain(shift) for shift in range(8)), encoding="utf-8")
    pin(source)
    assert run(poems_config(tmp_path / "config.json", keep_punctuation=True), source, tmp_path / "data") == 0
    assert Corpus.load(tmp_path / "data").seq_len == 24


def test_a_malformed_poem_names_its_line_and_writes_nothing(tmp_path, caplog, pin):
    source = tmp_path / "shi.txt"
    source.write_text(quatrain(0) + "春 江 花 ， \n" + quatrain(1), encoding="utf-8")
    pin(source)
    with caplog.at_level(logging.ERROR):
        assert run(poems_config(tmp_path / "config.json"), source, tmp_path / "data") == 1
    assert f"{source}:2" in caplog.text
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize(
    "data, key",
    [({"test_fraction": 0.0}, "test_fraction"), ({"seq_len": 20}, "seq_len"), ({"source": "shi.txt"}, "source")],
)
def test_a_bad_config_names_the_key(tmp_path, caplog, data, key, pin):
    source = tmp_path / "shi.txt"
    source.write_text(quatrain(0), encoding="utf-8")
    pin(source)
    with caplog.at_level(logging.ERROR):
        assert run(poems_config(tmp_path / "config.json", **data), source, tmp_path / "data") == 1
    assert key in caplog.text and "config.json" in caplog.text
    assert not (tmp_path / "data").exists()


# ---------------------------------------------------------------------------------------------- verified at use


def test_an_unpinned_file_is_refused_before_preprocessing(tmp_path, caplog):
    """Not the pinned shi.txt (here: a well-formed made-up one): one line naming it, both hashes, the remedy."""
    source = tmp_path / "shi.txt"
    source.write_text("".join(quatrain(shift) for shift in range(8)), encoding="utf-8")
    with caplog.at_level(logging.ERROR):
        assert run(poems_config(tmp_path / "config.json"), source, tmp_path / "data") == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "\n" not in errors[0]
    assert errors[0].startswith(f"{source}: sha256 {sha256_of(source)} does not match the expected ")
    assert REGISTRY[SHI].sha256 in errors[0] and SHI in errors[0] and "delete it" in errors[0]
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("corpus", ["poems", "obama", "music"])
def test_an_edited_download_is_refused_naming_the_file(mirror, tmp_path, caplog, corpus):
    """The mirror's file with its last byte changed, as an edited results/downloads/NAME of the tiny config."""
    section = yaml.safe_load((REPO / ".test" / "config" / "config.yaml").read_text())[corpus]
    name = section["data"]["source"]
    source = tmp_path / "results" / "downloads" / name
    source.parent.mkdir(parents=True)
    data = (mirror / name).read_bytes()
    source.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    config = tmp_path / "config.json"
    config.write_text(json.dumps(section))
    with caplog.at_level(logging.ERROR):
        assert (
            main(
                [
                    "corpus",
                    corpus,
                    "--config",
                    str(config),
                    "--source",
                    str(source),
                    "--out-dir",
                    str(tmp_path / "data"),
                ]
            )
            == 1
        )
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].startswith(f"{source}: ") and name in errors[0]
    assert REGISTRY[name].sha256 in errors[0] and "delete it and the workflow fetches it again" in errors[0]
    assert not (tmp_path / "data").exists()


def test_the_genuine_download_passes(mirror, tmp_path):
    source = tmp_path / "shi.txt"
    shutil.copyfile(mirror / SHI, source)
    assert run(poems_config(tmp_path / "config.json", max_train=64), source, tmp_path / "data") == 0
    assert Corpus.load(tmp_path / "data").stats["train_limited"]["to"] == 64


# ------------------------------------------------------------------------------------------------------ evaluate


def made_up_corpus(folder: Path, name: str, vocab: tuple[str, ...], seq_len: int, seed: int = 0) -> Corpus:
    """Random splits (train 10, valid 2, test 3), given out of order, with test[0] a copy of train[4], which
    starts with id 0 (<unk> in a text corpus); saved."""
    rng = torch.Generator().manual_seed(seed)
    train, valid, test = (torch.randint(0, len(vocab), (count, seq_len), generator=rng) for count in (10, 2, 3))
    train[4, 0] = 0
    test[0] = train[4]
    corpus = Corpus(name, vocab, {"test": test, "valid": valid, "train": train}, {})
    corpus.save(folder)
    return corpus


def evaluate(name: str, data: Path, out: Path, num_samples: int, *extra: str) -> int:
    section = yaml.safe_load((REPO / ".test" / "config" / "config.yaml").read_text())[name]
    section["eval"]["num_samples"] = num_samples
    section["metrics"]["self_bleu_sample"] = min(num_samples, 4)
    (out / "config.json").write_text(json.dumps(section))
    outputs = [f"--out-{kind}={out / file}" for kind, file in OUTPUTS.items()]
    return main(["evaluate", name, "--config", str(out / "config.json"), "--data", str(data), *outputs, *extra])


OUTPUTS = {"scores": "scores.csv", "metrics": "metrics.json", "samples": "samples.txt", "sequences": "samples.pt"}


def read_scores(path: Path) -> tuple[list[str], list[list[float]]]:
    header, *rows = path.read_text().splitlines()
    return header.split(","), [[float(v) for v in row.split(",")] for row in rows]


def nltk_bleu2(references, hypothesis) -> float:
    return sentence_bleu(references, hypothesis, weights=(0.5, 0.5))


def own_unks(rows: list[list[int]], unk: int) -> list[list]:
    """Every <unk> occurrence a token of its own: what "never matches" means, in nltk's terms."""
    count = iter(range(10**9))
    return [[f"<unk{next(count)}>" if t == unk else t for t in row] for row in rows]


@pytest.mark.filterwarnings("ignore::UserWarning")  # nltk warns on zero precisions
def test_evaluate_scores_both_rows_on_both_bases(tmp_path):
    vocab = (UNK, *CHARS[:5])  # the poems' vocabulary: <unk> = 0, no padding; few tokens, so many matches
    corpus = made_up_corpus(tmp_path / "data", "poems", vocab, 20)
    whole = torch.cat([corpus.splits[s] for s in ("train", "valid", "test")]).tolist()
    (tmp_path / "real").mkdir()
    assert evaluate("poems", tmp_path / "data", tmp_path / "real", 6, "--method", "real") == 0
    generator = tmp_path / "generator.pt"
    save_generator(Generator(len(vocab), 8, 8, 20), generator, epoch=1)
    (tmp_path / "mle").mkdir()
    model = ("--method=mle", "--seed=3", f"--generator={generator}")
    assert evaluate("poems", tmp_path / "data", tmp_path / "mle", 6, *model) == 0

    for row in ("real", "mle"):
        metrics = json.loads((tmp_path / row / "metrics.json").read_text())
        assert set(metrics) == {"corpus", "method", "seed", "smoothing", "self_bleu", "references"}
        assert metrics["references"] == {"paper": 15, "leak_free": 3}
        header, values = read_scores(tmp_path / row / "scores.csv")
        assert header == ["paper_bleu2", "leak_free_bleu2"] and len(values) == 6  # eval.num_samples
    # The real-data row: evenly spaced training sequences, each scored against the whole corpus without itself
    # (the test split's copy of train[4] still counts) and against the test split.
    rows = sample_indices(10, 6)
    real = load_tokens(tmp_path / "real" / "samples.pt", len(vocab), 20).tolist()
    assert real == [whole[i] for i in rows]
    plain = own_unks(whole, 0)
    expected = [[nltk_bleu2(plain[:i] + plain[i + 1 :], plain[i]), nltk_bleu2(plain[12:], plain[i])] for i in rows]
    got = read_scores(tmp_path / "real" / "scores.csv")[1]
    assert got == expected  # exact: the scores equal nltk's bit for bit, and scores.csv holds exact floats
    assert got[2][0] < 1  # train[4] has a copy in test, but the copy's <unk> does not match
    # The model's samples: against the same references, the whole corpus and the test split.
    samples = load_tokens(tmp_path / "mle" / "samples.pt", len(vocab), 20).tolist()
    plain = own_unks(whole + samples, 0)
    expected = [[nltk_bleu2(plain[:15], h), nltk_bleu2(plain[12:15], h)] for h in plain[15:]]
    assert read_scores(tmp_path / "mle" / "scores.csv")[1] == expected


def test_the_scoring_verbs_record_where_they_ran(tmp_path):
    """evaluate (the real-data row: no model, so the CPU even where auto would pick a GPU; a model: on its
    device) and quality-diversity."""
    corpus = made_up_corpus(tmp_path / "data", "poems", (UNK, *CHARS[:5]), 20)
    save_generator(Generator(len(corpus.vocab), 8, 8, 20), tmp_path / "generator.pt", epoch=1)
    model = ["--method=mle", "--seed=3", f"--generator={tmp_path / 'generator.pt'}", "--device=cpu"]
    for row, extra in (("real", ["--method=real", "--device=auto"]), ("mle", model)):
        (tmp_path / row).mkdir()
        record = f"--provenance={tmp_path / row}.json"
        assert evaluate("poems", tmp_path / "data", tmp_path / row, 4, *extra, record) == 0
    config, data = f"--config={tmp_path / 'mle' / 'config.json'}", f"--data={tmp_path / 'data'}"
    out, record = f"--out={tmp_path / 'sweep.csv'}", f"--provenance={tmp_path / 'sweep.json'}"
    assert main(["quality-diversity", "poems", config, data, *model, out, record]) == 0
    for name in ("real", "mle", "sweep"):
        record = job_record.read(tmp_path / f"{name}.json")
        assert (record.device, record.gpu, record.precision) == ("cpu", None, "fp32"), name


def test_evaluate_music_adds_mse_on_both_bases(tmp_path):
    corpus = made_up_corpus(tmp_path / "data", "music", nottingham.VOCAB, 32)
    whole = torch.cat([corpus.splits[s] for s in ("train", "valid", "test")]).tolist()
    assert evaluate("music", tmp_path / "data", tmp_path, 5, "--method", "real") == 0
    header, values = read_scores(tmp_path / "scores.csv")
    assert header == ["paper_bleu4", "leak_free_bleu4", "paper_mse", "leak_free_mse"] and len(values) == 5
    for (_, _, paper, leak_free), i in zip(values, sample_indices(10, 5)):
        mse = [sum((a - b) ** 2 for a, b in zip(whole[i], r)) / 32 for r in whole]
        assert paper == min(mse[:i] + mse[i + 1 :]) and leak_free == min(mse[12:])
    assert values[2][2] == 0.0  # train[4] has a copy in test
    assert json.loads((tmp_path / "metrics.json").read_text())["references"] == {"paper": 15, "leak_free": 3}


def test_evaluate_refuses_more_real_sequences_than_train_holds(tmp_path, caplog):
    made_up_corpus(tmp_path / "data", "poems", (UNK, *CHARS[:5]), 20)
    with caplog.at_level(logging.ERROR):
        assert evaluate("poems", tmp_path / "data", tmp_path, 11, "--method", "real") == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == ["eval.num_samples: 11 real sequences to score, but the train split has 10"]
    assert not any((tmp_path / file).exists() for file in OUTPUTS.values())
