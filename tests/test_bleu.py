"""Fast corpus-reference BLEU and Self-BLEU against nltk's sentence_bleu, a hand-computed case, and bad input."""

from __future__ import annotations

import math
import pickle
import random
import sys
from dataclasses import FrozenInstanceError

import numpy as np
import pytest
import torch
from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

from seqgan.metrics.bleu import SMOOTHINGS, ReferenceSet, self_bleu, self_bleu_per_sentence

# nltk warns on every zero precision without smoothing; the values are what is under test, not the warning.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

CHENCHERRY = SmoothingFunction()


def nltk_bleu(references, hypothesis, n: int, smoothing: str) -> float:
    method = getattr(CHENCHERRY, "method0" if smoothing == "none" else smoothing)
    return sentence_bleu(references, hypothesis, weights=(1 / n,) * n, smoothing_function=method)


def random_sequence(rng: random.Random, vocab: int, length: int) -> list[int]:
    """Mostly uniform tokens, sometimes one repeated token (clipping) or a run of it."""
    kind = rng.random()
    if kind < 0.15:
        return [rng.randrange(vocab)] * length
    seq = [rng.randrange(vocab) for _ in range(length)]
    if kind < 0.3 and length > 3:
        start = rng.randrange(length - 2)
        seq[start : start + 3] = [seq[start]] * 3
    return seq[:length]


def random_case(rng: random.Random, index: int):
    """A small vocabulary (so n-grams match), references all of length 20 (the synthetic setup) on every other
    case and of lengths 0..25 otherwise, hypotheses of lengths 0..25 (so shorter than n too), some copied from a
    reference (high-order matches)."""
    vocab = rng.randint(2, 8)
    lengths = [20] * rng.randint(1, 20) if index % 2 else [rng.randint(0, 25) for _ in range(rng.randint(1, 20))]
    references = [random_sequence(rng, vocab, length) for length in lengths]
    hypotheses = [random_sequence(rng, vocab, rng.randint(0, 25)) for _ in range(4)]
    hypotheses.append(list(rng.choice(references))[: rng.randint(0, 25)])
    hypotheses.append(random_sequence(rng, vocab, rng.randint(0, 4)))
    return references, hypotheses


@pytest.mark.parametrize("smoothing", SMOOTHINGS)
@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_sentence_bleu_equals_nltk(n, smoothing):
    rng = random.Random(1000 * n + SMOOTHINGS.index(smoothing))
    ours, theirs = [], []
    for index in range(40):
        references, hypotheses = random_case(rng, index)
        table = ReferenceSet(references, max_n=5)
        for hypothesis in hypotheses:
            ours.append(table.sentence_bleu(hypothesis, n, smoothing))
            theirs.append(nltk_bleu(references, hypothesis, n, smoothing))
    assert len(ours) >= 200
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)
    # Not vacuous: the cases reach real scores as well as the zero and near-zero edge cases.
    assert sum(s > 0.2 for s in theirs) >= 20 and sum(s == 0 for s in theirs) >= 5


def test_per_sentence_and_mean_accept_tensors():
    rng = random.Random(7)
    references = [random_sequence(rng, 5, 20) for _ in range(30)]
    hypotheses = [random_sequence(rng, 5, 20) for _ in range(12)]
    table = ReferenceSet(torch.tensor(references), max_n=3)
    expected = [nltk_bleu(references, h, 3, "none") for h in hypotheses]
    scores = table.per_sentence(torch.tensor(hypotheses), 3)
    np.testing.assert_allclose(scores, expected, rtol=0, atol=1e-12)
    assert table.corpus_mean(np.array(hypotheses), 3) == pytest.approx(sum(expected) / len(expected), abs=1e-12)
    assert table.sentence_bleu(torch.tensor(hypotheses[0]), 3) == scores[0]


def test_hand_computed():
    references = [[1, 2, 3, 4], [1, 1, 2]]
    table = ReferenceSet(references, max_n=2)
    # Hypothesis 1 1 1 2. Unigrams: "1" x3 clipped to its max reference count 2, "2" x1 -> p1 = 3/4.
    # Bigrams: (1,1) x2 clipped to 1, (1,2) x1 -> p2 = 2/3. Length 4 equals a reference length: BP = 1.
    # BLEU-2 = sqrt(3/4 * 2/3) = sqrt(1/2).
    assert table.sentence_bleu([1, 1, 1, 2], 2) == pytest.approx(math.sqrt(0.5), abs=1e-15)
    # Hypothesis 1 2: p1 = 2/2, p2 = 1/1; closest reference length to 2 is 3: BP = exp(1 - 3/2).
    assert table.sentence_bleu([1, 2], 2) == pytest.approx(math.exp(-0.5), abs=1e-15)
    # Hypothesis 1 3: p1 = 1, bigram (1,3) unseen -> p2 = 0/1. No smoothing: nltk uses the smallest float for it,
    # exp(1/2 * log(float_min)) * BP, a tiny positive score; method1 uses 0.1/1 instead.
    bp = math.exp(1 - 3 / 2)
    assert table.sentence_bleu([1, 3], 2) == pytest.approx(bp * math.exp(0.5 * math.log(sys.float_info.min)))
    assert table.sentence_bleu([1, 3], 2, "method1") == pytest.approx(bp * math.sqrt(0.1), abs=1e-15)
    # Length tie: hypothesis of 5 between references of 4 and 6 takes the shorter (4): BP = 1. Unigrams: "1" x2
    # clipped to 1, 2, 3, 4 once each -> BLEU-1 = 4/5 (it would be 0.8 * exp(1 - 6/5) with the longer).
    tie = ReferenceSet([[1, 2, 3, 4], [1, 2, 3, 4, 5, 6]], max_n=1)
    assert tie.sentence_bleu([1, 2, 3, 4, 1], 1) == pytest.approx(0.8, abs=1e-15)
    # No unigram match, and the empty hypothesis: 0 before any smoothing.
    assert table.sentence_bleu([9, 9], 2, "method1") == 0.0 and table.sentence_bleu([], 2) == 0.0


def nltk_self_bleu(sequences, n, smoothing):
    return [nltk_bleu(sequences[:i] + sequences[i + 1 :], s, n, smoothing) for i, s in enumerate(sequences)]


@pytest.mark.parametrize("smoothing", ["none", "method1", "method2", "method4", "method7"])
@pytest.mark.parametrize("n", [2, 3, 4])
def test_self_bleu_equals_nltk_loop(n, smoothing):
    rng = random.Random(10 * n + SMOOTHINGS.index(smoothing))
    for index in range(8):
        vocab = rng.randint(2, 6)
        sequences = [random_sequence(rng, vocab, rng.choice([20, rng.randint(0, 25)])) for _ in range(12)]
        sequences += [list(s) for s in rng.sample(sequences, 3)]  # duplicates: each is a reference for its twin
        sequences.append(random_sequence(rng, vocab, 40 + index))  # a length no other sequence has
        rng.shuffle(sequences)
        expected = nltk_self_bleu(sequences, n, smoothing)
        np.testing.assert_allclose(self_bleu_per_sentence(sequences, n, smoothing), expected, rtol=0, atol=1e-12)
        assert self_bleu(sequences, n, smoothing) == pytest.approx(sum(expected) / len(expected), abs=1e-12)


def test_self_bleu_duplicate_counts_for_its_twin():
    sequences = [[1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [5, 4, 3, 2, 1, 0]]
    scores = self_bleu_per_sentence(sequences, 4)
    assert scores[:2] == [1.0, 1.0]
    assert scores == nltk_self_bleu(sequences, 4, "none")


def test_reference_set_is_immutable_and_picklable():
    table = ReferenceSet([[1, 2, 2], [2, 2, 2, 3]], max_n=2)
    with pytest.raises(FrozenInstanceError):
        table.max_n = 5
    with pytest.raises(TypeError):
        table.max_counts(1)[(2,)] = 7
    assert dict(table.max_counts(1)) == {(1,): 1, (2,): 3, (3,): 1} and table.lengths == (3, 4)
    assert pickle.loads(pickle.dumps(table)).sentence_bleu([2, 2, 3], 2) == table.sentence_bleu([2, 2, 3], 2)


def test_bad_input():
    table = ReferenceSet([[1, 2, 3]], max_n=3)
    for n in (0, -1, 2.0, True):
        with pytest.raises(ValueError, match="n: expected an integer"):
            table.sentence_bleu([1, 2], n)
    with pytest.raises(ValueError, match="n: BLEU-4 .* max_n=3"):
        table.sentence_bleu([1, 2], 4)
    with pytest.raises(ValueError, match="n: BLEU-2 with method5 needs 5-grams"):
        table.sentence_bleu([1, 2], 2, "method5")
    for name in ("method6", "add-one", None):
        with pytest.raises(ValueError, match="smoothing: unknown .* supported: none, method0, method1"):
            table.sentence_bleu([1, 2], 2, name)
    with pytest.raises(ValueError, match="references: empty"):
        ReferenceSet([])
    with pytest.raises(ValueError, match="max_n: expected an integer"):
        ReferenceSet([[1]], max_n=0)
    with pytest.raises(ValueError, match="references: expected a 2-D"):
        ReferenceSet(torch.arange(5))
    with pytest.raises(ValueError, match="hypotheses: empty"):
        table.corpus_mean([], 2)
    with pytest.raises(ValueError, match="sequences: Self-BLEU needs at least 2"):
        self_bleu([[1, 2, 3]], 2)
    with pytest.raises(ValueError, match="smoothing: unknown"):
        self_bleu([[1, 2], [2, 1]], 2, "method9")
