"""Chinese quatrains (the paper's poem experiment): ``shi.txt`` -> a character-level Corpus.

File format (Texygen ``data/shi.txt``): one poem per line, 24 space-separated tokens: four lines of five
characters, each followed by ``，`` or ``。``. Every line is checked; a line of another shape is an error
naming ``file:line`` and the expected shape.

Choices the paper leaves open:

- Punctuation: the paper models "twenty characters in total", so the four punctuation tokens are dropped
  by default (sequence length 20); ``keep_punctuation=True`` keeps them (length 24).
- Duplicates: the file repeats 401 poems. By default only the first copy of each modelled sequence is
  kept, *before* splitting, so that no test poem also appears in train (that would inflate BLEU against
  the test set); the count removed is reported as ``duplicates_removed``.
- Split: the paper gives none. A seeded shuffle of the (deduplicated) poems, then ``test_fraction``
  (default 0.1) test and ``valid_fraction`` (default 0: no valid split); see ``seqgan.data.vocab``.
- Vocabulary: every character of train (no cut-off: the paper's 5,000-token limit is above the file's
  4,769 characters), plus ``<unk>`` (id 0) for characters that occur only in valid/test.
"""

from __future__ import annotations

from pathlib import Path

import torch

from seqgan.data.corpus import Corpus
from seqgan.data.vocab import Vocab, split_indices

LINES, CHARS = 4, 5  # four lines of five characters
PUNCTUATION = ("，", "。")
SHAPE = f"{LINES * (CHARS + 1)} space-separated tokens: {LINES} lines of {CHARS} characters, each followed by ， or 。"


def read_poems(path: str | Path) -> list[tuple[str, ...]]:
    """The 24 tokens of every poem in ``path``, or an error naming the file (and line) and the problem."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: file not found (expected one quatrain per line)")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"{path}: not UTF-8 text (byte {err.start}: {err.reason})") from err
    poems = [_parse(line, path, number) for number, line in enumerate(text.splitlines(), start=1)]
    if not poems:
        raise ValueError(f"{path}: no poems (expected one quatrain per line, {SHAPE})")
    return poems


def _parse(line: str, path: Path, number: int) -> tuple[str, ...]:
    tokens = tuple(line.split())
    if len(tokens) != LINES * (CHARS + 1):
        raise ValueError(f"{path}:{number}: expected {SHAPE}; got {len(tokens)} tokens")
    for position, token in enumerate(tokens, start=1):
        if position % (CHARS + 1) == 0:
            if token not in PUNCTUATION:
                raise ValueError(f"{path}:{number}: token {position} is {_short(token)}, expected ， or 。 ({SHAPE})")
        elif len(token) != 1 or token in PUNCTUATION:
            raise ValueError(f"{path}:{number}: token {position} is {_short(token)}, expected one character ({SHAPE})")
    return tokens


def preprocess(
    path: str | Path,
    *,
    keep_punctuation: bool = False,
    test_fraction: float = 0.1,
    valid_fraction: float = 0.0,
    seed: int = 0,
    deduplicate: bool = True,
) -> Corpus:
    """The poems of ``path`` as a Corpus named "poems": (N, 20) ids per split, or (N, 24) with punctuation."""
    poems = read_poems(path)
    if not keep_punctuation:
        poems = [tuple(t for t in poem if t not in PUNCTUATION) for poem in poems]
    unique = list(dict.fromkeys(poems)) if deduplicate else poems  # first copy of each, in file order
    parts = split_indices(
        len(unique), test_fraction=test_fraction, valid_fraction=valid_fraction, seed=seed, source=path
    )
    texts = {split: [unique[i] for i in indices] for split, indices in parts.items()}
    vocab = Vocab.build(texts["train"])
    splits = {split: torch.tensor([vocab.encode(p) for p in items], dtype=torch.long) for split, items in texts.items()}
    stats = {
        "source": Path(path).name,
        "poems_in_file": len(poems),
        "duplicates_removed": len(poems) - len(unique),
        "keep_punctuation": keep_punctuation,
        "seed": seed,
        "test_fraction": test_fraction,
        "valid_fraction": valid_fraction,
        "splits": {split: vocab.split_stats(items) for split, items in texts.items()},
    }
    return Corpus("poems", vocab.tokens, splits, stats)


def _short(token: str) -> str:
    """A token for an error line: its repr, cut to 40 characters."""
    text = repr(token)
    return text if len(text) <= 40 else text[:37] + "..."
