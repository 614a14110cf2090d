"""BLEU and Self-BLEU of generated token sequences, as the real-world experiments (paper Tables 2-4) report them.

BLEU (the paper's): every generated sequence is scored by sentence BLEU-n, uniform weights 1/n, against the WHOLE
reference set, and the scores are averaged over generated sequences. This is the mean of sentence scores, not
nltk's ``corpus_bleu`` (which pools n-gram counts over hypotheses). Which references (the whole corpus, or the
test split) and how the paper's "real data" row is scored: ``corpus_scores``. A real sequence scored against a
set that holds it is scored without itself (``bleu_leave_one_out``), as Self-BLEU scores each sequence.

Self-BLEU (Zhu et al. 2018, Texygen; a diversity figure, high = repetitive): every generated sequence is scored
against all the OTHER generated sequences as references (itself excluded; an identical twin still counts) and the
scores are averaged. ``bleu.self_bleu_per_sentence`` does this exactly in O(N * T): per n-gram it keeps the two
largest counts over all sequences, and the multiplicity of every length for the brevity penalty.

Both equal nltk's ``sentence_bleu`` bit for bit (``bleu.py``); smoothing is any of ``bleu.SMOOTHINGS``.

Token ids in ``strip`` (e.g. <pad>) are removed from every sequence, hypothesis and reference alike, wherever they
occur, before n-grams and lengths are taken: padding is not text. A sequence that is all padding scores 0.

Token ids in ``unmatched`` (a corpus's <unk>) are text that never matches: they stay in every sequence (they count
in its length and in its n-gram totals) but no n-gram holding one equals any other n-gram, not even one from a
copy of the same sequence. Otherwise two unrelated sentences would share credit for whatever words each lost to
<unk>, and a corpus with more <unk> would score higher. Every occurrence becomes a fresh ``object()``, so scores
equal nltk's with every <unk> replaced by a token of its own.

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
    indices: tuple[int, ...]  # into the sequences given: all of them, the Self-BLEU sample, or the rows left out

    @property
    def mean(self) -> float:
        return math.fsum(self.per_sequence) / len(self.per_sequence)


def strip_tokens(sequences, strip: Iterable[int] = (), unmatched: Iterable[int] = ()) -> list[tuple]:
    """Token tuples of ``sequences`` (lists of ids, or an (N, T) tensor/array) without the ids in ``strip``, and
    each occurrence of an id in ``unmatched`` replaced by a fresh ``object()`` (equal to nothing else)."""
    if hasattr(sequences, "tolist"):
        if getattr(sequences, "ndim", 2) != 2:
            raise ValueError(f"sequences: expected a 2-D (N, T) tensor or array, got shape {tuple(sequences.shape)}")
        sequences = sequences.tolist()
    drop, unknown = frozenset(int(t) for t in strip), frozenset(int(t) for t in unmatched)
    rows = [s.tolist() if hasattr(s, "tolist") else s for s in sequences]
    if not drop and not unknown:
        return [tuple(row) for row in rows]
    return [tuple(object() if t in unknown else t for t in row if t not in drop) for row in rows]


def reference_set(references, max_n: int, strip: Iterable[int] = (), unmatched: Iterable[int] = ()) -> ReferenceSet:
    """The references (e.g. the test split) through ``strip_tokens``, ready to score BLEU up to ``max_n``.

    Build it once and score several models and orders with it; ``orders_needed(n, smoothing)`` gives ``max_n``."""
    return ReferenceSet(strip_tokens(references, strip, unmatched), max_n=max_n)


def bleu(
    hypotheses, references, n: int, smoothing: str = "none", strip: Iterable[int] = (), unmatched: Iterable[int] = ()
) -> BleuScores:
    """The paper's BLEU-n: each hypothesis against all of ``references``, averaged.

    ``references``: a ``ReferenceSet`` (from ``reference_set``, already stripped) or sequences (stripped here)."""
    if not isinstance(references, ReferenceSet):
        references = reference_set(references, orders_needed(n, smoothing), strip, unmatched)
    hyps = strip_tokens(hypotheses, strip, unmatched)
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


def bleu_leave_one_out(
    references, rows, n: int, smoothing: str = "none", strip: Iterable[int] = (), unmatched: Iterable[int] = ()
) -> BleuScores:
    """BLEU-n of ``references[i]`` for each i in ``rows``, against all the OTHER references: a real sequence scored
    against a set that holds it, without itself (a duplicate of it elsewhere still counts). ``indices`` = rows."""
    rows = tuple(rows)
    if not rows:
        raise ValueError("rows: empty; the mean BLEU of no sequences is undefined")
    scores = self_bleu_per_sentence(strip_tokens(references, strip, unmatched), n, smoothing, indices=rows)
    return BleuScores(n, smoothing, tuple(scores), rows)


def self_bleu(
    sequences,
    n: int,
    smoothing: str = "none",
    strip: Iterable[int] = (),
    sample: int | None = None,
    unmatched: Iterable[int] = (),
) -> BleuScores:
    """Self-BLEU-n: each sequence against all the others, averaged.

    ``sample``: score only that many sequences (``sample_indices``), each still against ALL the others. The exact
    algorithm is linear in the number of sequences (about 1 s for 10,000 of length 20 on one CPU core), so this is
    only needed to bound time further; nltk's loop would be quadratic."""
    seqs = strip_tokens(sequences, strip, unmatched)
    if len(seqs) < 2:
        raise ValueError(f"sequences: Self-BLEU needs at least 2 (each is scored against the others), got {len(seqs)}")
    indices = sample_indices(len(seqs), sample)
    scores = self_bleu_per_sentence(seqs, n, smoothing, indices=indices)
    return BleuScores(n, smoothing, tuple(scores), tuple(indices))
