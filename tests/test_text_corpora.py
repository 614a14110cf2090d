"""Text corpora: pinned downloads (sha256, git blob, gzip content), the vocabulary and split rules, and the
poem and Obama preprocessors on tiny corpora written here, including the bad inputs the issue lists."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import subprocess

import pytest
import torch

from seqgan.data import download, obama, poems
from seqgan.data.corpus import Corpus
from seqgan.data.download import REGISTRY, ChecksumError, Download, fetch, git_blob_of, verify
from seqgan.data.vocab import PAD, UNK, Vocab, split_indices

# ---------------------------------------------------------------------------------------------- downloads

TEST_NAME = "test/file.txt"
CONTENT = "Yes we can.\n“Curly” — and ünïcödé.\n".encode()


def test_git_blob_hash_is_what_git_hash_object_prints(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    for i, data in enumerate([CONTENT, b"", b"\0binary\xff"]):
        path = tmp_path / f"file{i}"
        path.write_bytes(data)
        expected = subprocess.run(["git", "hash-object", str(path)], capture_output=True, text=True, check=True)
        assert git_blob_of(data) == expected.stdout.strip()


def test_registry_entry_needs_exactly_one_hash():
    with pytest.raises(ValueError, match="exactly one"):
        Download("https://example.org/x")
    with pytest.raises(ValueError, match="exactly one"):
        Download("https://example.org/x", "0" * 64, git_blob="0" * 40)


def test_git_blob_entry_is_verified(tmp_path, monkeypatch):
    monkeypatch.setitem(REGISTRY, TEST_NAME, Download("https://example.org/x", git_blob=git_blob_of(CONTENT)))
    good, bad = tmp_path / "good.txt", tmp_path / "bad.txt"
    good.write_bytes(CONTENT)
    bad.write_bytes(CONTENT + b" ")
    verify(good, TEST_NAME)
    with pytest.raises(ChecksumError) as info:
        verify(bad, TEST_NAME)
    message = str(info.value)
    assert str(bad) in message and "git blob hash" in message and git_blob_of(CONTENT) in message
    with pytest.raises(FileNotFoundError, match=git_blob_of(CONTENT)):
        verify(tmp_path / "absent.txt", TEST_NAME)


def test_gzip_entry_pins_the_uncompressed_content(tmp_path, monkeypatch):
    entry = Download("https://example.org/x", hashlib.sha256(CONTENT).hexdigest(), gzip=True)
    monkeypatch.setitem(REGISTRY, TEST_NAME, entry)
    one, other = tmp_path / "one.gz", tmp_path / "other.gz"
    one.write_bytes(gzip.compress(CONTENT, mtime=1))
    other.write_bytes(gzip.compress(CONTENT, compresslevel=1, mtime=2))  # other bytes, same content
    verify(one, TEST_NAME)
    verify(other, TEST_NAME)
    truncated = tmp_path / "truncated.gz"
    truncated.write_bytes(one.read_bytes()[:-6])
    with pytest.raises(ChecksumError, match=f"{truncated}: not a complete gzip file"):
        verify(truncated, TEST_NAME)
    changed = tmp_path / "changed.gz"
    changed.write_bytes(gzip.compress(CONTENT + b"!"))
    with pytest.raises(ChecksumError, match=f"{changed}: uncompressed sha256 .* {entry.sha256}"):
        verify(changed, TEST_NAME)


def test_download_of_a_gzip_entry_is_compressed_deterministically(tmp_path, monkeypatch):
    monkeypatch.setitem(REGISTRY, TEST_NAME, Download("https://x/y", hashlib.sha256(CONTENT).hexdigest(), gzip=True))
    monkeypatch.setattr(download.urllib.request, "urlopen", lambda url, timeout: io.BytesIO(CONTENT))
    first = fetch(TEST_NAME, tmp_path / "a" / "file.txt.gz").read_bytes()
    second = fetch(TEST_NAME, tmp_path / "b" / "file.txt.gz").read_bytes()
    assert gzip.decompress(first) == CONTENT and first == second
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["file.txt.gz"]


def test_real_corpora_in_the_mirror_match_their_pins(mirror):
    for name in REGISTRY:
        if name == obama.CANONICAL:
            continue  # not in the mirror (too large for it): see obama/PROVENANCE.md
        verify(mirror / name, name)


def test_canonical_obama_missing_from_the_mirror_names_its_git_blob(mirror, tmp_path):
    with pytest.raises(FileNotFoundError, match="git blob 11ec5f013964d47a45c55dbc3c9cefd71a6e3172"):
        fetch(obama.CANONICAL, tmp_path / "input.txt", mirror=mirror)
    assert not (tmp_path / "input.txt").exists()


# ---------------------------------------------------------------------------------------------- vocabulary


def test_vocab_orders_by_count_then_token_with_specials_first():
    train = [["b", "a", "c", "a"], ["c", "d", "e"]]  # a 2, c 2, b 1, d 1, e 1
    assert Vocab.build(train).tokens == (UNK, "a", "c", "b", "d", "e")
    assert Vocab.build(train, pad=True).tokens == (PAD, UNK, "a", "c", "b", "d", "e")
    assert Vocab.build(train, max_size=4, pad=True).tokens == (PAD, UNK, "a", "c")
    assert Vocab.build(train, min_count=2).tokens == (UNK, "a", "c")
    assert Vocab.build(reversed(train)).tokens == Vocab.build(train).tokens  # order of the data is irrelevant


def test_vocab_encodes_unseen_tokens_as_unknown_and_counts_them():
    vocab = Vocab.build([["a", "b", "a"]], pad=True)  # <pad> 0, <unk> 1, a 2, b 3
    assert vocab.encode(["b", "a", "z", "a"]) == [3, 2, 1, 2]
    assert vocab.decode([3, 1]) == ["b", UNK]
    assert (vocab.pad_id, vocab.unk_id) == (0, 1)
    assert vocab.split_stats([["a", "z"], ["y", "b", "a", "a"]]) == {
        "items": 2,
        "tokens": 6,
        "unknown_tokens": 2,
        "unknown_rate": 2 / 6,
    }


def test_vocab_refuses_bad_settings():
    with pytest.raises(ValueError, match="special token"):
        Vocab.build([["a", UNK]])
    with pytest.raises(ValueError, match="max_size 2"):
        Vocab.build([["a"]], max_size=2, pad=True)
    with pytest.raises(ValueError, match="no padding token"):
        _ = Vocab.build([["a"]]).pad_id


def test_split_is_deterministic_disjoint_and_complete():
    parts = split_indices(100, test_fraction=0.1, valid_fraction=0.2, seed=3, source="f")
    assert parts == split_indices(100, test_fraction=0.1, valid_fraction=0.2, seed=3, source="f")
    assert {k: len(v) for k, v in parts.items()} == {"train": 70, "valid": 20, "test": 10}
    assert sorted(parts["train"] + parts["valid"] + parts["test"]) == list(range(100))
    assert parts["test"] != split_indices(100, test_fraction=0.1, valid_fraction=0.2, seed=4, source="f")["test"]
    assert set(split_indices(10, test_fraction=0.5, valid_fraction=0.0, seed=0, source="f")) == {"train", "test"}


def test_split_errors_name_the_source():
    with pytest.raises(ValueError, match="data.txt: the test split is empty"):
        split_indices(3, test_fraction=0.1, valid_fraction=0.0, seed=0, source="data.txt")
    with pytest.raises(ValueError, match="data.txt: test_fraction must be in"):
        split_indices(3, test_fraction=1.0, valid_fraction=0.0, seed=0, source="data.txt")
    with pytest.raises(ValueError, match="data.txt: test_fraction \\+ valid_fraction"):
        split_indices(3, test_fraction=0.5, valid_fraction=0.5, seed=0, source="data.txt")


# ---------------------------------------------------------------------------------------------- poems


def quatrain(*lines: str, marks: str = "，。，。") -> str:
    """One line of shi.txt: the characters and punctuation, space-separated, with the trailing space."""
    tokens = [t for line, mark in zip(lines, marks) for t in [*line, mark]]
    return " ".join(tokens) + " \n"


P1 = quatrain("甲甲甲甲甲", "乙乙乙乙乙", "甲甲甲甲甲", "丙丙丙丙丙")  # 甲 10, 乙 5, 丙 5
P2 = quatrain("乙乙乙乙乙", "丁丁丁丁丁", "丙丙丙丙丙", "甲甲甲甲甲")  # one each of 乙 丁 丙 甲 (x5)


def write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def test_poems_exact_ids_without_punctuation(tmp_path):
    path = write(tmp_path / "shi.txt", P1 + P2 + P1)  # the repeat of P1 is removed
    corpus = poems.preprocess(path, test_fraction=0.0)
    # counts: 甲 15, 乙 10, 丙 10, 丁 5; the tie 乙/丙 goes by the string: 丙 (U+4E19) before 乙 (U+4E59)
    assert corpus.vocab == (UNK, "甲", "丙", "乙", "丁")
    assert corpus.name == "poems" and corpus.seq_len == 20 and list(corpus.splits) == ["train"]
    assert corpus.splits["train"].tolist() == [
        [1] * 5 + [3] * 5 + [1] * 5 + [2] * 5,
        [3] * 5 + [4] * 5 + [2] * 5 + [1] * 5,
    ]
    assert corpus.splits["train"].dtype == torch.long
    assert corpus.stats["poems_in_file"] == 3 and corpus.stats["duplicates_removed"] == 1
    assert corpus.stats["splits"]["train"] == {"items": 2, "tokens": 40, "unknown_tokens": 0, "unknown_rate": 0.0}


def test_poems_keep_punctuation(tmp_path):
    path = write(tmp_path / "shi.txt", P1 + P2)
    corpus = poems.preprocess(path, keep_punctuation=True, test_fraction=0.0)
    assert corpus.seq_len == 24
    assert corpus.vocab == (UNK, "甲", "丙", "乙", "丁", "。", "，")
    assert corpus.splits["train"][0, 5::6].tolist() == [6, 5, 6, 5]


def many_poems(n: int) -> str:
    """``n`` distinct quatrains; poem i uses the characters i and i + 1 of a block of CJK characters."""
    return "".join(quatrain(*[chr(0x4E00 + i + (j % 2)) * 5 for j in range(4)]) for i in range(n))


def test_poems_split_is_deterministic_disjoint_and_test_only_characters_are_unknown(tmp_path):
    path = write(tmp_path / "shi.txt", many_poems(40) + quatrain(*["一" * 5] * 4) * 3)
    corpus = poems.preprocess(path, test_fraction=0.25, valid_fraction=0.1, seed=7)
    again = poems.preprocess(path, test_fraction=0.25, valid_fraction=0.1, seed=7)
    assert all(torch.equal(corpus.splits[s], again.splits[s]) for s in ("train", "valid", "test"))
    assert corpus.stats["duplicates_removed"] == 2  # the all-一 poem three times (poem 0 is 一/丁: distinct)
    sizes = {s: len(t) for s, t in corpus.splits.items()}
    assert sizes == {"train": 27, "valid": 4, "test": 10}  # 41 distinct: round(10.25) test, round(4.1) valid
    rows = {s: {tuple(r) for r in corpus.splits[s].tolist()} for s in corpus.splits}
    assert not rows["train"] & rows["test"] and not rows["train"] & rows["valid"]
    train_chars = {t for r in corpus.splits["train"].tolist() for t in r}
    assert 0 not in train_chars  # every train character is in the vocabulary
    test_stats = corpus.stats["splits"]["test"]
    assert test_stats["unknown_tokens"] == int((corpus.splits["test"] == 0).sum())
    assert test_stats["unknown_rate"] == test_stats["unknown_tokens"] / (10 * 20)
    other = poems.preprocess(path, test_fraction=0.25, valid_fraction=0.1, seed=8)
    assert not torch.equal(other.splits["test"], corpus.splits["test"])


def test_poems_without_deduplication_keep_repeats(tmp_path):
    path = write(tmp_path / "shi.txt", P1 * 3 + P2)
    corpus = poems.preprocess(path, test_fraction=0.0, deduplicate=False)
    assert len(corpus.splits["train"]) == 4 and corpus.stats["duplicates_removed"] == 0


def test_poems_corpus_saves_and_loads(tmp_path):
    path = write(tmp_path / "shi.txt", many_poems(10))
    corpus = poems.preprocess(path, test_fraction=0.2)
    corpus.save(tmp_path / "out")
    loaded = Corpus.load(tmp_path / "out")
    assert loaded.vocab == corpus.vocab and loaded.stats == corpus.stats and loaded.name == "poems"
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["vocab_size"] == len(corpus.vocab)


@pytest.mark.parametrize(
    "bad, expected",
    [
        (
            quatrain("甲甲甲甲", "乙乙乙乙乙", "甲甲甲甲甲", "丙丙丙丙丙"),
            "shi.txt:2: expected 24 space-separated tokens",
        ),
        (
            quatrain("甲甲甲甲甲", "乙乙乙乙乙", "甲甲甲甲甲", "丙丙丙丙丙", marks="，。！。"),
            "shi.txt:2: token 18 is '！'",
        ),
        (P1.replace("乙 乙", "乙乙", 1).replace("丙 ", "丙 丙 ", 1), "shi.txt:2: token 7 is '乙乙', expected one char"),
        (P1.replace("乙", "，", 1), "shi.txt:2: token 7 is '，', expected one character"),
        ("\n", "shi.txt:2: expected 24 .* got 0 tokens"),
    ],
    ids=["19 characters", "wrong mark", "two characters", "mark in place of a character", "empty line"],
)
def test_poems_wrong_shape_names_file_and_line(tmp_path, bad, expected):
    path = write(tmp_path / "shi.txt", P1 + bad + P2)
    with pytest.raises(ValueError, match=expected):
        poems.preprocess(path, test_fraction=0.0)


def test_poems_bad_files_are_named(tmp_path):
    undecodable = tmp_path / "bytes.txt"
    undecodable.write_bytes(P1.encode() + b"\xff\xfe")
    with pytest.raises(ValueError, match=f"{undecodable}: not UTF-8"):
        poems.preprocess(undecodable)
    with pytest.raises(ValueError, match="empty.txt: no poems"):
        poems.preprocess(write(tmp_path / "empty.txt", ""))
    with pytest.raises(ValueError, match="two.txt: the test split is empty"):
        poems.preprocess(write(tmp_path / "two.txt", P1 + P2))  # round(2 * 0.1) = 0 test poems
    with pytest.raises(FileNotFoundError, match="absent.txt"):
        poems.preprocess(tmp_path / "absent.txt")


# ---------------------------------------------------------------------------------------------- Obama


@pytest.mark.parametrize(
    "text, tokens",
    [
        (
            "Don’t stop — it’s 1,000 times 3.5% better!",
            ["don't", "stop", "-", "it's", "1,000", "times", "3.5", "%", "better", "!"],
        ),
        ("“Yes,” he said", ['"', "yes", ",", '"', "he", "said"]),
        ("America’s 21st-century U.S. jobs", ["america's", "21st", "-", "century", "u", ".", "s", ".", "jobs"]),
        ("'cause Americans’ hopes...", ["'", "cause", "americans", "'", "hopes", ".", ".", "."]),
        ("nai\u0308ve al\xadQaeda –- O’Neill", ["naïve", "al", "-", "qaeda", "-", "-", "o'neill"]),
        ("$4.5 billion (2010) 9/11", ["$", "4.5", "billion", "(", "2010", ")", "9", "/", "11"]),
    ],
)
def test_obama_tokenizer(text, tokens):
    assert obama.tokenize(text) == tokens


def test_obama_paragraphs_drop_blank_lines_and_transcript_artefacts():
    text = "\n  \nFirst paragraph.\n©2010. All rights reserved.\n\t\n12\nProperty of   © Copyright 2010.\n"
    text += "ALL RIGHTS RESERVED by nobody\n3 Isaiah: 40:31\n  Last one.  \n"
    assert obama.paragraphs(text) == ["First paragraph.", "3 Isaiah: 40:31", "Last one."]


def test_obama_windows_pad_or_drop_the_tail():
    tokens = list("abcdefghij")
    assert obama.windows(tokens[:8], 4, 2) == [list("abcd"), list("efgh")]
    assert obama.windows(tokens[:9], 4, 2) == [list("abcd"), list("efgh")]  # tail of 1 < 2: dropped
    assert obama.windows(tokens, 4, 2) == [list("abcd"), list("efgh"), ["i", "j", PAD, PAD]]
    assert obama.windows(["a"], 4, 2) == []


SPEECH = "Yes, we can.\n©2010. All rights reserved.\n\nWe can. Yes!\nYes, we can.\nNo.\n"


def test_obama_exact_ids_padding_and_label(tmp_path):
    path = write(tmp_path / "speech.txt", SPEECH)
    corpus = obama.preprocess(path, seq_len=4, max_vocab=6, min_tokens=2, test_fraction=0.0)
    # paragraphs [yes , we can .] [we can . yes !] [no .] (the repeat of the first is removed); windows of 4:
    # [yes , we can] (tail "." dropped), [we can . yes] (tail "!" dropped), [no . <pad> <pad>].
    # counts in windows: . 2, can 2, we 2, yes 2 (ties by string), "," 1, no 1 -> cut by max_vocab 6
    assert corpus.vocab == (PAD, UNK, ".", "can", "we", "yes")
    assert corpus.splits["train"].tolist() == [[5, 1, 4, 3], [4, 3, 2, 5], [1, 2, 0, 0]]
    assert corpus.name == "obama_SUBSTITUTE" and corpus.stats["source"]["canonical"] is False
    stats = corpus.stats
    assert (stats["nonblank_lines"], stats["artefacts_dropped"], stats["duplicates_removed"]) == (5, 1, 1)
    train = stats["splits"]["train"]
    assert train["items"] == 3 and train["tokens"] == 10 and train["pad_tokens"] == 2 and train["dropped_tokens"] == 2
    assert train["unknown_tokens"] == 2 and train["unknown_rate"] == 2 / 10 and train["paragraphs_dropped"] == 0


def test_obama_gzip_reads_like_plain_text(tmp_path):
    plain = write(tmp_path / "speech.txt", SPEECH)
    packed = tmp_path / "speech.txt.gz"
    packed.write_bytes(gzip.compress(SPEECH.encode()))
    a = obama.preprocess(plain, seq_len=3, test_fraction=0.0)
    b = obama.preprocess(packed, seq_len=3, test_fraction=0.0)
    assert a.vocab == b.vocab and torch.equal(a.splits["train"], b.splits["train"])
    assert a.stats["source"]["git_blob"] == b.stats["source"]["git_blob"] == git_blob_of(SPEECH.encode())


def test_obama_canonical_file_is_recognised_by_content(tmp_path, monkeypatch):
    path = write(tmp_path / "any_name.txt", SPEECH)
    entry = Download(REGISTRY[obama.CANONICAL].url, git_blob=git_blob_of(SPEECH.encode()))
    monkeypatch.setitem(REGISTRY, obama.CANONICAL, entry)
    corpus = obama.preprocess(path, seq_len=3, test_fraction=0.0)
    assert corpus.name == "obama" and corpus.stats["source"]["canonical"] is True
    write(path, SPEECH + "One more.\n")
    assert obama.preprocess(path, seq_len=3, test_fraction=0.0).name == "obama_SUBSTITUTE"


def test_obama_split_by_paragraph_is_deterministic_and_disjoint(tmp_path):
    # paragraph i: 7 tokens all tagged with i, so every window tells which paragraph it came from
    text = "".join(" ".join(f"p{i}w{j}" for j in range(7)) + "\n" for i in range(30))
    path = write(tmp_path / "speech.txt", text)
    corpus = obama.preprocess(path, seq_len=3, min_tokens=1, test_fraction=0.2, valid_fraction=0.1, seed=1)
    again = obama.preprocess(path, seq_len=3, min_tokens=1, test_fraction=0.2, valid_fraction=0.1, seed=1)
    assert all(torch.equal(corpus.splits[s], again.splits[s]) for s in corpus.splits)
    stats = corpus.stats["splits"]
    assert {s: stats[s]["paragraphs"] for s in stats} == {"train": 21, "valid": 3, "test": 6}
    assert {s: len(t) for s, t in corpus.splits.items()} == {"train": 63, "valid": 9, "test": 18}
    # Every word belongs to one paragraph, and the vocabulary holds all train words: a valid or test
    # paragraph that was also in train would have known words.
    assert stats["train"]["unknown_rate"] == 0.0
    assert stats["valid"]["unknown_rate"] == stats["test"]["unknown_rate"] == 1.0
    assert stats["train"]["pad_tokens"] == 21 * 2
    other = obama.preprocess(path, seq_len=3, min_tokens=1, test_fraction=0.2, valid_fraction=0.1, seed=2)
    assert other.vocab != corpus.vocab  # another seed, other train paragraphs (test windows are all <unk>)


def test_obama_bad_files_are_named(tmp_path):
    undecodable = tmp_path / "latin1.txt"
    undecodable.write_bytes("Caf\xe9 society.\n".encode("latin-1"))
    with pytest.raises(ValueError, match=f"{undecodable}: not UTF-8"):
        obama.preprocess(undecodable)
    truncated = tmp_path / "speech.txt.gz"
    truncated.write_bytes(gzip.compress(SPEECH.encode())[:-5])
    with pytest.raises(ValueError, match=f"{truncated}: not a complete gzip file"):
        obama.preprocess(truncated)
    with pytest.raises(ValueError, match="empty.txt: no paragraphs"):
        obama.preprocess(write(tmp_path / "empty.txt", ""))
    with pytest.raises(ValueError, match="artefacts.txt: no paragraphs"):
        obama.preprocess(write(tmp_path / "artefacts.txt", "©2010. All rights reserved.\n7\n"))
    with pytest.raises(ValueError, match="short.txt: the train split has no window of at least 10 tokens"):
        obama.preprocess(write(tmp_path / "short.txt", "".join(f"Yes {i}.\n" for i in range(20))))
    with pytest.raises(ValueError, match="speech.txt: need seq_len"):
        obama.preprocess(write(tmp_path / "speech.txt", SPEECH), seq_len=4, min_tokens=5)
