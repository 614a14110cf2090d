"""A preprocessed real-world corpus: fixed-length token ids per split, the vocabulary, and its counts.

Every preprocessor (poems, obama, nottingham) returns one; the CLI saves it as a folder of
``{split}.pt`` (N, T) int64 tensors, ``vocab.json`` (the token of each id) and ``summary.json`` (the
counts that also go to the log), each written atomically.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

import torch

from seqgan import atomic
from seqgan.data.tokens import load_tokens, save_tokens

SPLITS = ("train", "valid", "test")  # what preprocessing makes
# The training sequences `data.max_train` leaves out: never trained on, but part of the corpus, so the
# paper basis's references (the whole corpus, seqgan/metrics/corpus_scores.py) still hold them.
UNUSED = "unused"
WHOLE_CORPUS = ("train", UNUSED, "valid", "test")  # every split a corpus folder may hold, train first


def load_vocab(path: str | Path) -> tuple[str, ...]:
    """The token of each id, from a corpus's vocab.json (a JSON list of strings)."""
    try:
        vocab = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise ValueError(f"{path}: cannot read the vocabulary ({err})") from err
    if not isinstance(vocab, list) or not vocab or not all(isinstance(token, str) for token in vocab):
        raise ValueError(f"{path}: expected a non-empty JSON list of tokens")
    return tuple(vocab)


@dataclass(frozen=True)
class Corpus:
    name: str
    vocab: tuple[str, ...]  # id -> token
    splits: dict[str, torch.Tensor]  # split name -> (N, T) int64 token ids
    stats: dict  # JSON-serialisable counts: items, tokens, vocabulary, unknown rate, per split

    def __post_init__(self):
        for split, tokens in self.splits.items():
            if split not in WHOLE_CORPUS:
                raise ValueError(f"corpus {self.name}: unknown split {split!r} (expected one of {WHOLE_CORPUS})")
            if tokens.dim() != 2 or len(tokens) == 0:
                raise ValueError(f"corpus {self.name}: split {split!r} is empty or not (N, T)")
            if tokens.min() < 0 or tokens.max() >= len(self.vocab):
                raise ValueError(f"corpus {self.name}: split {split!r} has ids outside the vocabulary")

    def limit_train(self, limit: int) -> Corpus:
        """At most ``limit`` training sequences (0 = all), evenly spread over the split; the counts say so. The
        others become the split ``unused``."""
        train = self.splits["train"]
        if UNUSED in self.splits:  # limiting twice would drop the first call's left-out sequences
            raise ValueError(f"corpus {self.name}: its training split is limited already (it has {UNUSED!r})")
        if limit == 0 or limit >= len(train):
            return self
        chosen = torch.zeros(len(train), dtype=torch.bool)
        chosen[torch.arange(limit) * len(train) // limit] = True
        stats = {**self.stats, "train_limited": {"from": len(train), "to": limit}}
        splits = {**self.splits, "train": train[chosen], UNUSED: train[~chosen]}  # (limit, T), (rest, T)
        return dataclasses.replace(self, splits=splits, stats=stats)

    @property
    def seq_len(self) -> int:
        return next(iter(self.splits.values())).shape[1]

    def save(self, directory: str | Path) -> None:
        """The whole folder at once (written beside it, then renamed): never a mix of two runs' files."""
        with atomic.atomic_dir(directory) as tmp:
            for split, tokens in self.splits.items():
                save_tokens(tokens, tmp / f"{split}.pt")
            vocab = json.dumps(list(self.vocab), ensure_ascii=False, indent=0) + "\n"
            atomic.write_text(tmp / "vocab.json", vocab)
            summary = {"name": self.name, "vocab_size": len(self.vocab), "seq_len": self.seq_len}
            summary = {**summary, "split_names": list(self.splits), **self.stats}
            atomic.write_text(tmp / "summary.json", json.dumps(summary, ensure_ascii=False, indent=2) + "\n")

    @classmethod
    def load(cls, directory: str | Path) -> Corpus:
        directory = Path(directory)
        summary = json.loads((directory / "summary.json").read_text(encoding="utf-8"))
        vocab = load_vocab(directory / "vocab.json")
        splits = {
            split: load_tokens(directory / f"{split}.pt", len(vocab), summary["seq_len"])
            for split in summary["split_names"]
        }
        stats = {k: v for k, v in summary.items() if k not in ("name", "vocab_size", "seq_len", "split_names")}
        return cls(summary["name"], vocab, splits, stats)
