"""Vocabulary of a text corpus, and the deterministic train/valid/test split it is counted on.

Rules (shared by the poem and Obama corpora):

- Tokens are counted on the TRAIN split only, so a test-only token is unknown, as it would be to a
  model trained on train.
- Special tokens come first with fixed ids: ``<pad>`` = 0 where the corpus pads (Obama), then ``<unk>``
  (id 1 with padding, id 0 without). A corpus token equal to a special token is an error.
- Kept: the most frequent tokens, ties broken by the token string (so the result never depends on the
  order of the data), at most ``max_size`` entries *including* the specials (None: all), each seen at
  least ``min_count`` times. Every other token encodes as ``<unk>``.
- Splits: a seeded permutation of the items (``torch.Generator``, the same on every machine); the first
  ``round(n * test_fraction)`` are test, the next ``round(n * valid_fraction)`` valid, the rest train;
  each split keeps the file order. A fraction of 0 means no such split; a split that would be empty
  otherwise is an error naming the file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch

PAD = "<pad>"
UNK = "<unk>"


@dataclass(frozen=True)
class Vocab:
    tokens: tuple[str, ...]  # id -> token; specials first
    index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        index = {token: i for i, token in enumerate(self.tokens)}
        if len(index) != len(self.tokens):
            raise ValueError("vocabulary: tokens are not unique")
        if UNK not in index:
            raise ValueError(f"vocabulary: no unknown token {UNK}")
        object.__setattr__(self, "index", index)

    @classmethod
    def build(
        cls,
        train: Iterable[Sequence[str]],
        *,
        max_size: int | None = None,
        min_count: int = 1,
        pad: bool = False,
    ) -> Vocab:
        """The vocabulary of the train sequences ``train`` (see the module docstring for the rules)."""
        specials = (PAD, UNK) if pad else (UNK,)
        if max_size is not None and max_size <= len(specials):
            raise ValueError(f"vocabulary: max_size {max_size} leaves no room beside the specials {specials}")
        if min_count < 1:
            raise ValueError(f"vocabulary: min_count must be >= 1, got {min_count}")
        counts = Counter(token for sequence in train for token in sequence)
        clash = sorted(set(specials) & set(counts))
        if clash:
            raise ValueError(f"vocabulary: the data contain the special token(s) {clash}")
        ranked = sorted((token for token, n in counts.items() if n >= min_count), key=lambda t: (-counts[t], t))
        if max_size is not None:
            ranked = ranked[: max_size - len(specials)]
        return cls(specials + tuple(ranked))

    def __len__(self) -> int:
        return len(self.tokens)

    @property
    def unk_id(self) -> int:
        return self.index[UNK]

    @property
    def pad_id(self) -> int:
        if PAD not in self.index:
            raise ValueError(f"vocabulary: no padding token {PAD}")
        return self.index[PAD]

    def encode(self, tokens: Iterable[str]) -> list[int]:
        """Token ids; a token not in the vocabulary becomes ``<unk>``."""
        unk = self.unk_id
        return [self.index.get(token, unk) for token in tokens]

    def decode(self, ids: Iterable[int]) -> list[str]:
        return [self.tokens[i] for i in ids]

    def split_stats(self, sequences: Sequence[Sequence[str]]) -> dict:
        """Items, tokens and the unknown tokens among them (count and rate) of one split."""
        tokens = sum(len(s) for s in sequences)
        unknown = sum(token not in self.index for s in sequences for token in s)
        return {
            "items": len(sequences),
            "tokens": tokens,
            "unknown_tokens": unknown,
            "unknown_rate": unknown / tokens if tokens else 0.0,
        }


def split_indices(
    n: int, *, test_fraction: float, valid_fraction: float, seed: int, source: str | Path
) -> dict[str, list[int]]:
    """Item indices per split, deterministic in ``seed``; only splits with a positive fraction appear."""
    for key, value in (("test_fraction", test_fraction), ("valid_fraction", valid_fraction)):
        if not 0.0 <= value < 1.0:
            raise ValueError(f"{source}: {key} must be in [0, 1), got {value}")
    if test_fraction + valid_fraction >= 1.0:
        raise ValueError(f"{source}: test_fraction + valid_fraction must be < 1, got {test_fraction + valid_fraction}")
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()
    n_test, n_valid = round(n * test_fraction), round(n * valid_fraction)
    parts = {
        "train": order[n_test + n_valid :],
        "valid": order[n_test : n_test + n_valid],
        "test": order[:n_test],
    }
    wanted = {"train": 1.0, "valid": valid_fraction, "test": test_fraction}
    for split, indices in parts.items():
        if wanted[split] > 0 and not indices:
            raise ValueError(f"{source}: the {split} split is empty ({n} items, {split} fraction {wanted[split]})")
    return {split: sorted(indices) for split, indices in parts.items() if wanted[split] > 0}
