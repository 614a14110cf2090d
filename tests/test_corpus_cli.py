"""`python -m seqgan corpus`: a real corpus from its file and its config JSON to a folder of token ids,
with errors that name the file or key and nothing written when preprocessing fails. The file is checked
against its pinned hash first: the tests of preprocessing pin their own made-up file in its place."""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
from pathlib import Path

import pytest
import torch
import yaml

from seqgan.cli import main
from seqgan.data.corpus import Corpus
from seqgan.data.download import REGISTRY, sha256_of

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
