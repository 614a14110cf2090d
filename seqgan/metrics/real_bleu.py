"""BLEU and Self-BLEU of generated token sequences, as the real-world experiments (paper Tables 2-4) report them.

BLEU (the paper's): every generated sequence is scored by sentence BLEU-n, uniform weights 1/n, against the WHOLE
reference set (the test split), and the scores are averaged over generated sequences. This is the mean of sentence
scores, not nltk's ``corpus_bleu`` (which pools n-gram counts over hypotheses). The paper's "real data" row is the
same function with the test split as hypotheses and the train split as references (``corpus_scores.score``).

Self-BLEU (Zhu et al. 2018, Texygen; a diversity figure, high = repetitive): every generated sequence is scored
against all the OTHER generated sequences as references (itself excluded; an identical twin still counts) and the
scores are averaged. ``bleu.self_bleu_per_sentence`` does this exactly in O(N * T): per n-gram it keeps the two
largest counts over all sequences, and the multiplicity of every length for the brevity penalty.

Both equal nltk's ``sentence_bleu`` bit for bit (``bleu.py``); smoothing is any of ``bleu.SMOOTHINGS``.

Token ids in ``strip`` (e.g. <pad>) are removed from every sequence, hypothesis and reference alike, wherever they
occur, before n-grams and lengths are taken: padding is not text. A sequence that is all padding scores 0.

Per-sequence scores are returned with the mean, for Welch t-tests across generated samples (``significance.py``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from seqgan.metrics.bleu import ReferenceSet, orders_needed, self_bleu_per_sentence


@dataclass(frozen=True)
class BleuScores:
    """Sentence BLEU-n of each scored sequence and their mean; ``indices`` = which sequences were scored."""

    n: int
    smoothing: str
    per_sequence: tuple[float, ...]
    indices: tuple[int, ...]  # into the hypotheses given: all of them, or the Self-BLEU sample

    @property
    def mean(self) -> float:
        return math.fsum(self.per_sequence) / len(self.per_sequence)


def strip_tokens(sequences, strip: Iterable[int] = ()) -> list[tuple[int, ...]]:
    """Token-id tuples of ``sequences`` (lists of ids, or an (N, T) tensor/array) without the ids in ``strip``."""
    if hasattr(sequences, "tolist"):
        if getattr(sequences, "ndim", 2) != 2:
            raise ValueError(f"sequences: expected a 2-D (N, T) tensor or array, got shape {tuple(sequences.shape)}")
        sequences = sequences.tolist()
    drop = frozenset(int(t) for t in strip)
    rows = [s.tolist() if hasattr(s, "tolist") else s for s in sequences]
    if not drop:
        return [tuple(row) for row in rows]
    return [tuple(t for t in row if t not in drop) for row in rows]


def reference_set(references, max_n: int, strip: Iterable[int] = ()) -> ReferenceSet:
    """The references (e.g. the test split) without ``strip`` ids, ready to score BLEU up to ``max_n``.

    Build it once and score several models and orders with it; ``orders_needed(n, smoothing)`` gives ``max_n``."""
    return ReferenceSet(strip_tokens(references, strip), max_n=max_n)


def bleu(hypotheses, references, n: int, smoothing: str = "none", strip: Iterable[int] = ()) -> BleuScores:
    """The paper's BLEU-n: each hypothesis against all of ``references``, averaged.

    ``references``: a ``ReferenceSet`` (from ``reference_set``, already stripped) or sequences (stripped here)."""
    if not isinstance(references, ReferenceSet):
        references = reference_set(references, orders_needed(n, smoothing), strip)
    hyps = strip_tokens(hypotheses, strip)
    if not hyps:
        raise ValueError("hypotheses: empty; the mean BLEU of no sequences is undefined")
    scores = references.per_sentence(hyps, n, smoothing)
    return BleuScores(n, smoothing, tuple(scores), tuple(range(len(hyps))))


def sample_indices(size: int, sample: int | None) -> list[int]:
    """The deterministic Self-BLEU subset: ``sample`` indices evenly spaced over 0..size-1 (all when None or >= size).

    Generated sequences are exchangeable, so an evenly spaced subset is an unbiased estimate without a seed."""
    if sample is None or sample >= size:
        return list(range(size))
    if isinstance(sample, bool) or not isinstance(sample, int) or sample < 1:
        raise ValueError(f"sample: expected an integer >= 1 or None, got {sample!r}")
    return [i * size // sample for i in range(sample)]


def self_bleu(
    sequences, n: int, smoothing: str = "none", strip: Iterable[int] = (), sample: int | None = None
) -> BleuScores:
    """Self-BLEU-n: each sequence against all the others, averaged.

    ``sample``: score only that many sequences (``sample_indices``), each still against ALL the others. The exact
    algorithm is linear in the number of sequences (about 1 s for 10,000 of length 20 on one CPU core), so this is
    only needed to bound time further; nltk's loop would be quadratic."""
    seqs = strip_tokens(sequences, strip)
    if len(seqs) < 2:
        raise ValueError(f"sequences: Self-BLEU needs at least 2 (each is scored against the others), got {len(seqs)}")
    indices = sample_indices(len(seqs), sample)
    scores = self_bleu_per_sentence(seqs, n, smoothing, indices=indices)
    return BleuScores(n, smoothing, tuple(scores), tuple(indices))
