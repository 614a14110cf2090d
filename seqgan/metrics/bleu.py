"""Sentence BLEU against a whole reference set, exactly as nltk computes it, in O(T) per hypothesis.

The paper scores every generated sequence by sentence BLEU-n (uniform weights) against a whole reference set, and
PG-BLEU rewards completions by BLEU-3 against the training set. nltk's ``sentence_bleu`` recounts every reference
per hypothesis: O(#references). Clipping only needs, per n-gram, its maximum count over the references, and the
brevity penalty only the distinct reference lengths, so ``ReferenceSet`` builds those once.

Exactness: every step mirrors nltk 3.x ``corpus_bleu`` (which ``sentence_bleu`` calls) operation by operation:
precisions m/t as correctly rounded int divisions (what ``float(Fraction)`` gives, reduced or not), the smoothing
methods' own float or exact-rational arithmetic in nltk's order, ``math.fsum`` of ``w * log(p)`` over p > 0, then
``bp * exp``. Scores are bit-identical to nltk's, including its quirks: no smoothing turns a zero precision into
``sys.float_info.min`` (a tiny positive score, not 0), and no unigram match returns 0 before any smoothing.
"""

from __future__ import annotations

import math
import numbers
import sys
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from itertools import repeat
from types import MappingProxyType

# Names of nltk's SmoothingFunction() methods (default epsilon 0.1, k 5). method6 is left out on purpose: nltk
# asserts a non-zero trigram precision, fails for n < 3, and its zero test (`Fraction == 0` on unreduced
# Fractions) answers differently before and after Python 3.12, so there is no single result to reproduce.
_METHODS = {"none": 0, "method0": 0, "method1": 1, "method2": 2, "method3": 3, "method4": 4, "method5": 5, "method7": 7}
SMOOTHINGS = tuple(_METHODS)
_EPSILON, _K = 0.1, 5


def _method(smoothing: str) -> int:
    try:
        return _METHODS[smoothing]
    except (KeyError, TypeError):
        raise ValueError(f"smoothing: unknown {smoothing!r}; supported: {', '.join(SMOOTHINGS)}") from None


def _order(value, name: str = "n") -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name}: expected an integer >= 1, got {value!r}")
    return int(value)


def _orders_needed(n: int, method: int) -> int:
    """method5 (and method7, which ends in it) also reads the 5-gram precision, whatever n is."""
    return max(n, 5) if method in (5, 7) else n


def orders_needed(n: int, smoothing: str) -> int:
    """The ``max_n`` a ReferenceSet needs to score BLEU-n with ``smoothing``."""
    return _orders_needed(_order(n), _method(smoothing))


def _tokens(sequence) -> tuple:
    """Hashable tokens; tensors and arrays go through tolist() (a 0-d tensor hashes by identity, not value)."""
    return tuple(sequence.tolist() if hasattr(sequence, "tolist") else sequence)


def _sequences(sequences, name: str) -> list[tuple]:
    if hasattr(sequences, "tolist"):
        if getattr(sequences, "ndim", 2) != 2:
            raise ValueError(f"{name}: expected a 2-D (N, T) tensor or array, got shape {tuple(sequences.shape)}")
        sequences = sequences.tolist()
    return [_tokens(s) for s in sequences]


def _ngram_counts(tokens: tuple, k: int) -> Counter:
    return Counter(zip(*(tokens[i:] for i in range(k))))  # empty when len(tokens) < k, as nltk


def _closest_length(lengths: tuple[int, ...], hyp_len: int, skip: int | None = None) -> int:
    """nltk's closest_ref_length over sorted distinct ``lengths`` without ``skip``: nearest, ties to the shorter."""
    i = bisect_left(lengths, hyp_len)  # lengths[:i] < hyp_len <= lengths[i:]
    above = next((r for r in lengths[i : i + 2] if r != skip), None)
    below = next((r for r in reversed(lengths[max(i - 2, 0) : i]) if r != skip), None)
    if above is None or (below is not None and hyp_len - below <= above - hyp_len):
        return below
    return above


def _bleu(matches: list[int], totals: list[int], hyp_len: int, ref_len: int, n: int, method: int) -> float:
    """nltk corpus_bleu's arithmetic for one hypothesis: matches[k-1] clipped k-gram matches out of totals[k-1]
    hypothesis k-grams (nltk's denominator max(1, ...)), k = 1..n, and k = 5 for method5/7."""
    if matches[0] == 0:  # nltk returns 0 before smoothing: no unigram match (the empty hypothesis included)
        return 0.0
    bp = 1 if hyp_len > ref_len else math.exp(1 - ref_len / hyp_len)
    pairs = list(zip(matches[:n], totals[:n]))
    if method == 0:
        p = [m / t if m else sys.float_info.min for m, t in pairs]
    elif method == 1:
        p = [m / t if m else (m + _EPSILON) / t for m, t in pairs]
    elif method == 2:
        p = [pairs[0][0] / pairs[0][1]] + [(m + 1) / (t + 1) for m, t in pairs[1:]]
    elif method == 3:
        p, k = [], 1
        for m, t in pairs:
            p.append(m / t if m else 1 / (2**k * t))
            k += m == 0
    else:  # 4, 5, 7: nltk keeps Fractions here and method5 does exact arithmetic on them, so do we
        p = [Fraction(m, t) for m, t in pairs]
        if method in (4, 7):
            k = 1
            for i, (m, t) in enumerate(pairs):
                if m == 0 and hyp_len > 1:
                    p[i] = 1 / (2**k * _K / math.log(hyp_len)) / t
                    k += 1
        if method in (5, 7):
            following = p + [Fraction(matches[4], totals[4])]  # nltk appends the raw 5-gram precision
            previous = p[0] + 1
            for i in range(n):
                p[i] = (previous + p[i] + following[i + 1]) / 3
                previous = p[i]
    weight = 1 / n
    return bp * math.exp(math.fsum(weight * math.log(x) for x in p if x > 0))


@dataclass(frozen=True, slots=True, init=False, eq=False)
class ReferenceSet:
    """Max count of every n-gram (n = 1..max_n) over all references, and their sorted distinct lengths.

    ``references``: token sequences (lists/tuples of hashable tokens) or an (N, T) integer tensor/array.
    Scores equal ``nltk.translate.bleu_score.sentence_bleu(references, hypothesis, (1/n,) * n, method)``."""

    max_n: int
    size: int
    lengths: tuple[int, ...]
    _max_counts: tuple[dict, ...]  # [k-1]: k-gram tuple -> max count over references

    def __init__(self, references, max_n: int = 4):
        max_n = _order(max_n, "max_n")
        refs = _sequences(references, "references")
        if not refs:
            raise ValueError("references: empty; BLEU needs at least one reference sequence")
        tables = []
        for k in range(1, max_n + 1):
            seen, repeated = set(), {}  # most k-grams occur once per reference: collect those at C speed
            for ref in refs:
                counts = _ngram_counts(ref, k)
                seen.update(counts)
                if len(counts) < len(ref) - k + 1:
                    for gram, count in counts.items():
                        if count > 1 and count > repeated.get(gram, 0):
                            repeated[gram] = count
            table = dict.fromkeys(seen, 1)
            table.update(repeated)
            tables.append(table)
        object.__setattr__(self, "max_n", max_n)
        object.__setattr__(self, "size", len(refs))
        object.__setattr__(self, "lengths", tuple(sorted({len(r) for r in refs})))
        object.__setattr__(self, "_max_counts", tuple(tables))

    def __repr__(self) -> str:
        return f"ReferenceSet(size={self.size}, max_n={self.max_n}, lengths={self.lengths[0]}..{self.lengths[-1]})"

    def max_counts(self, k: int) -> MappingProxyType:
        """Read-only map k-gram tuple -> its maximum count in any one reference."""
        if not 1 <= _order(k, "k") <= self.max_n:
            raise ValueError(f"k: expected 1..{self.max_n}, got {k}")
        return MappingProxyType(self._max_counts[k - 1])

    def _check(self, n, smoothing: str) -> tuple[int, int, int]:
        n, method = _order(n), _method(smoothing)
        orders = _orders_needed(n, method)
        if orders > self.max_n:
            raise ValueError(f"n: BLEU-{n} with {smoothing} needs {orders}-grams; this set has max_n={self.max_n}")
        return n, method, orders

    def _score(self, hyp: tuple, n: int, method: int, orders: int) -> float:
        matches, totals = [], []
        for k in range(1, orders + 1):
            counts = _ngram_counts(hyp, k)
            table_max = map(self._max_counts[k - 1].get, counts, repeat(0))
            matches.append(sum(map(min, counts.values(), table_max)))  # clipped counts
            totals.append(max(1, len(hyp) - k + 1))
        return _bleu(matches, totals, len(hyp), _closest_length(self.lengths, len(hyp)), n, method)

    def sentence_bleu(self, hypothesis, n: int, smoothing: str = "none") -> float:
        """BLEU-n of one token sequence against every reference."""
        return self._score(_tokens(hypothesis), *self._check(n, smoothing))

    def per_sentence(self, hypotheses, n: int, smoothing: str = "none") -> list[float]:
        """BLEU-n of each hypothesis (sequences or an (N, T) tensor): per-sequence values for significance tests."""
        checked = self._check(n, smoothing)
        return [self._score(h, *checked) for h in _sequences(hypotheses, "hypotheses")]

    def corpus_mean(self, hypotheses, n: int, smoothing: str = "none") -> float:
        """The paper's BLEU: the mean of sentence BLEU-n over the hypotheses (not nltk's corpus_bleu)."""
        scores = self.per_sentence(hypotheses, n, smoothing)
        if not scores:
            raise ValueError("hypotheses: empty; the mean BLEU of no sequences is undefined")
        return math.fsum(scores) / len(scores)


def self_bleu_per_sentence(sequences, n: int, smoothing: str = "none", indices=None) -> list[float]:
    """BLEU-n of each sequence against all the OTHER sequences (a diversity figure; high = repetitive).

    ``indices``: score only these sequences (in this order), each still against all the others; None = all.

    Excluding one sequence without rebuilding the table: keep, per n-gram, the two largest counts over all
    sequences as a multiset (top1 >= top2; two sequences holding the maximum give top2 == top1). Without sequence j
    the maximum is top1, unless j's own count equals top1: then it is top2, which is top1 again when another
    sequence ties (so a duplicate still counts as a reference for its twin), else the runner-up. Likewise j's
    length leaves the candidate reference lengths only when no other sequence has that length."""
    n, method = _order(n), _method(smoothing)
    seqs = _sequences(sequences, "sequences")
    if len(seqs) < 2:
        raise ValueError(f"sequences: Self-BLEU needs at least 2 (each is scored against the others), got {len(seqs)}")
    orders = _orders_needed(n, method)
    tops = []  # [k-1]: k-gram -> (top1, top2)
    for k in range(1, orders + 1):
        top = {}
        for seq in seqs:
            for gram, c in _ngram_counts(seq, k).items():
                t1, t2 = top.get(gram, (0, 0))
                if c > t1:
                    top[gram] = (c, t1)
                elif c > t2:
                    top[gram] = (t1, c)
        tops.append(top)
    length_count = Counter(len(s) for s in seqs)
    lengths = tuple(sorted(length_count))
    if indices is not None:
        indices = [int(i) for i in indices]
        bad = [i for i in indices if not 0 <= i < len(seqs)]
        if bad:
            raise ValueError(f"indices: {bad[:5]} outside 0..{len(seqs) - 1}")
    scores = []
    for seq in seqs if indices is None else (seqs[i] for i in indices):
        matches, totals = [], []
        for k, top in enumerate(tops, 1):
            m = 0
            for gram, c in _ngram_counts(seq, k).items():
                t1, t2 = top[gram]
                m += min(c, t2 if c == t1 else t1)
            matches.append(m)
            totals.append(max(1, len(seq) - k + 1))
        own = len(seq) if length_count[len(seq)] == 1 else None
        scores.append(_bleu(matches, totals, len(seq), _closest_length(lengths, len(seq), own), n, method))
    return scores


def self_bleu(sequences, n: int, smoothing: str = "none") -> float:
    """Mean Self-BLEU-n over the sequences."""
    scores = self_bleu_per_sentence(sequences, n, smoothing)
    return math.fsum(scores) / len(scores)
