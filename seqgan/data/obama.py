"""Obama speeches (the paper's word-level text experiment): paragraphs -> fixed-length windows of word ids.

Label. The paper's file is samim23/obama-rnn ``input.txt``; offline only a substitute exists. The
preprocessor decides from the *content*, not the file name or a flag: the corpus is named ``"obama"``
only if the (uncompressed) text has the canonical file's pinned git blob hash
(``download.REGISTRY["obama/input.txt"]``), else ``"obama_SUBSTITUTE"``. The name is saved with the
corpus (``summary.json``), so every later output can carry it; ``stats["source"]`` holds the hash.

Choices the paper leaves open (each a parameter; defaults in brackets):

- Reading: UTF-8, gzip-compressed if the name ends in ``.gz``. Paragraphs are the lines with
  non-whitespace content. Transcript artefacts are dropped: lines containing "©" or "all rights
  reserved" (any case) and lines of digits only (PDF page numbers).
- Normalising: Unicode NFC (joins the substitute's combining accents), then ’ ‘ -> ', “ ” -> ",
  en/em dashes and the soft hyphen (which the substitute uses as a dash) -> "-", then lower case.
- Tokens (``TOKEN``): numbers with inner "." or "," ("1,000", "3.5"); words of letters/digits with
  inner apostrophes kept together ("don't", "america's", "21st"); every other non-space character is a
  token of its own ("u.s." -> u . s .; "well-being" -> well - being; "--" -> - -).
- Duplicates [on]: only the first copy of each paragraph's token sequence is kept, before splitting.
- Split by paragraph, not by window (no paragraph is in two splits): seeded shuffle, ``test_fraction``
  [0.1] test, ``valid_fraction`` [0] valid; see ``seqgan.data.vocab``.
- Windows: each paragraph's token stream is cut into consecutive windows of ``seq_len`` [20, the
  paper's generator length] with stride ``seq_len`` (no overlap, no crossing paragraphs). A last,
  shorter window is padded with ``<pad>`` if it holds at least ``min_tokens`` [seq_len // 2] tokens,
  else dropped (so are paragraphs shorter than that). Padding and dropped tokens are counted in stats.
- Vocabulary: the ``max_vocab`` [5000, the paper's] most frequent tokens of the train windows,
  including ``<pad>`` (id 0) and ``<unk>`` (id 1); the rest encode as ``<unk>``.
"""

from __future__ import annotations

import gzip
import re
import unicodedata
import zlib
from pathlib import Path

import torch

from seqgan.data import download
from seqgan.data.corpus import Corpus
from seqgan.data.vocab import PAD, Vocab, split_indices

CANONICAL = "obama/input.txt"  # the registry entry whose git blob hash identifies the paper's file

TOKEN = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+(?:'[^\W_]+)*|\S")
ARTEFACT = re.compile(r"©|all rights reserved|^\d+$", re.IGNORECASE)
NORMALISE = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\xad": "-"})


def read_text(path: str | Path) -> str:
    """The UTF-8 text of ``path`` (gunzipped if it ends in .gz), or an error naming the file and the problem."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: file not found (expected UTF-8 text, one paragraph per line)")
    data = path.read_bytes()
    if path.suffix == ".gz":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as err:
            raise ValueError(f"{path}: not a complete gzip file ({err})") from err
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"{path}: not UTF-8 text (byte {err.start}: {err.reason})") from err


def source_label(text: str) -> dict:
    """The git blob hash of ``text``'s UTF-8 bytes and whether it is the paper's file (the pinned hash)."""
    blob = download.git_blob_of(text.encode("utf-8"))  # decoding strict UTF-8 and encoding again is exact
    return {"git_blob": blob, "canonical": blob == download.lookup(CANONICAL).git_blob}


def paragraphs(text: str) -> list[str]:
    """The non-blank lines, stripped, without transcript artefacts."""
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not ARTEFACT.search(line)]


def tokenize(paragraph: str) -> list[str]:
    """Lower-cased word, number and punctuation tokens (see the module docstring)."""
    return TOKEN.findall(unicodedata.normalize("NFC", paragraph).translate(NORMALISE).lower())


def windows(tokens: list[str], seq_len: int, min_tokens: int) -> list[list[str]]:
    """Consecutive ``seq_len`` windows; a shorter last one padded if it has ``min_tokens`` tokens, else dropped."""
    cut = [tokens[i : i + seq_len] for i in range(0, len(tokens), seq_len)]
    if cut and len(cut[-1]) < seq_len:
        tail = cut.pop()
        if len(tail) >= min_tokens:
            cut.append(tail + [PAD] * (seq_len - len(tail)))
    return cut


def preprocess(
    path: str | Path,
    *,
    seq_len: int = 20,
    max_vocab: int = 5000,
    min_tokens: int | None = None,
    test_fraction: float = 0.1,
    valid_fraction: float = 0.0,
    seed: int = 0,
    deduplicate: bool = True,
) -> Corpus:
    """The speeches in ``path`` as a Corpus named "obama" or "obama_SUBSTITUTE": (N, seq_len) ids per split."""
    min_tokens = seq_len // 2 if min_tokens is None else min_tokens
    if seq_len < 1 or not 1 <= min_tokens <= seq_len:
        raise ValueError(f"{path}: need seq_len >= 1 and 1 <= min_tokens <= seq_len, got {seq_len}, {min_tokens}")
    text = read_text(path)
    lines = [line for line in text.splitlines() if line.strip()]
    kept = paragraphs(text)
    tokenized = [tuple(tokenize(p)) for p in kept]
    unique = list(dict.fromkeys(tokenized)) if deduplicate else tokenized
    if not unique:
        raise ValueError(f"{path}: no paragraphs (expected UTF-8 text, one paragraph per line)")
    parts = split_indices(
        len(unique), test_fraction=test_fraction, valid_fraction=valid_fraction, seed=seed, source=path
    )
    cut = {split: [windows(list(unique[i]), seq_len, min_tokens) for i in indices] for split, indices in parts.items()}
    content = {split: [[t for t in w if t != PAD] for ws in per for w in ws] for split, per in cut.items()}
    vocab = Vocab.build(content["train"], max_size=max_vocab, pad=True)
    splits, split_stats = {}, {}
    for split, indices in parts.items():
        flat = [w for ws in cut[split] for w in ws]
        if not flat:
            raise ValueError(f"{path}: the {split} split has no window of at least {min_tokens} tokens")
        splits[split] = torch.tensor([vocab.encode(w) for w in flat], dtype=torch.long)  # (N, seq_len)
        tokens = sum(len(unique[i]) for i in indices)
        kept_tokens = sum(len(w) for w in content[split])
        split_stats[split] = {
            "paragraphs": len(indices),
            "paragraphs_dropped": sum(not ws for ws in cut[split]),
            **vocab.split_stats(content[split]),  # items = windows; tokens = real (non-pad) tokens in them
            "pad_tokens": len(flat) * seq_len - kept_tokens,
            "dropped_tokens": tokens - kept_tokens,
        }
    source = {"file": Path(path).name, **source_label(text)}
    stats = {
        "source": source,
        "nonblank_lines": len(lines),
        "artefacts_dropped": len(lines) - len(kept),
        "duplicates_removed": len(tokenized) - len(unique),
        "min_tokens": min_tokens,
        "max_vocab": max_vocab,
        "seed": seed,
        "test_fraction": test_fraction,
        "valid_fraction": valid_fraction,
        "splits": split_stats,
    }
    return Corpus("obama" if source["canonical"] else "obama_SUBSTITUTE", vocab.tokens, splits, stats)
