"""Real-data metrics against independent references: BLEU and Self-BLEU against nltk's sentence_bleu (padding
stripped, Self-BLEU with the hypothesis left out of its own references), music MSE against a direct double loop."""

from __future__ import annotations

import random

import numpy as np
import pytest
import scipy.stats
import torch
from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

from seqgan.metrics.bleu import self_bleu_per_sentence
from seqgan.metrics.corpus_scores import score
from seqgan.metrics.music import music_mse
from seqgan.metrics.real_bleu import bleu, reference_set, sample_indices, self_bleu, strip_tokens
from seqgan.metrics.significance import welch_t_test

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # nltk warns on zero precisions

PAD = 0
CHENCHERRY = SmoothingFunction()


def nltk_bleu(references, hypothesis, n, smoothing="none"):
    method = getattr(CHENCHERRY, "method0" if smoothing == "none" else smoothing)
    return sentence_bleu(references, hypothesis, weights=(1 / n,) * n, smoothing_function=method)


def nltk_self_bleu(sequences, n, smoothing="none"):
    return [nltk_bleu(sequences[:i] + sequences[i + 1 :], s, n, smoothing) for i, s in enumerate(sequences)]


def unpad(rows):
    return [[t for t in row if t != PAD] for row in rows]


def random_sequence(rng: random.Random, vocab: int, length: int) -> list[int]:
    """Ids 1..vocab: uniform, one repeated token, or uniform with a run of three; then right-padded with PAD."""
    kind = rng.random()
    if kind < 0.15:
        seq = [rng.randint(1, vocab)] * length
    else:
        seq = [rng.randint(1, vocab) for _ in range(length)]
        if kind < 0.3 and length > 3:
            start = rng.randrange(length - 2)
            seq[start : start + 3] = [seq[start]] * 3
    return seq


def padded(rng: random.Random, vocab: int, count: int, width: int = 12) -> list[list[int]]:
    """Short sequences (lengths 0..width, many shorter than n), right-padded to ``width``."""
    rows = [random_sequence(rng, vocab, rng.choice([width, rng.randint(0, width)])) for _ in range(count)]
    return [row + [PAD] * (width - len(row)) for row in rows]


@pytest.mark.parametrize("n, smoothing", [(2, "none"), (3, "method1"), (4, "none"), (4, "method4")])
def test_bleu_against_whole_reference_set_equals_nltk(n, smoothing):
    rng = random.Random(n)
    for _ in range(10):
        vocab = rng.randint(2, 6)
        refs, hyps = padded(rng, vocab, rng.randint(1, 15)), padded(rng, vocab, 6)
        hyps.append(list(rng.choice(refs)))  # a copy of a reference: high-order matches
        expected = [nltk_bleu(unpad(refs), h, n, smoothing) for h in unpad(hyps)]
        got = bleu(torch.tensor(hyps), torch.tensor(refs), n, smoothing, strip={PAD})
        np.testing.assert_allclose(got.per_sequence, expected, rtol=0, atol=1e-12)
        assert got.mean == pytest.approx(sum(expected) / len(expected), abs=1e-12)
        assert got.indices == tuple(range(len(hyps))) and (got.n, got.smoothing) == (n, smoothing)
        # One prebuilt set serves every order up to its max_n; lists and tensors agree.
        table = reference_set(refs, max_n=4, strip=[PAD])
        assert bleu(hyps, table, n, smoothing, strip=[PAD]).per_sequence == got.per_sequence


def test_padding_is_not_counted():
    refs = [[5, 6, 7, PAD, PAD, PAD]]
    # Unstripped, the hypothesis' pads would match the reference's pad n-grams.
    assert (
        bleu([[5, 6, PAD, PAD, PAD, PAD]], refs, 2).mean > bleu([[5, 6, PAD, PAD, PAD, PAD]], refs, 2, strip={PAD}).mean
    )
    score = bleu([[5, 6, 7, PAD, PAD, PAD]], refs, 3, strip={PAD}).mean
    assert score == 1.0  # exactly the reference once padding is gone: brevity penalty 1, all precisions 1
    assert bleu([[PAD] * 6], refs, 2, strip={PAD}).mean == 0.0  # all padding: the empty hypothesis
    assert strip_tokens(torch.tensor([[1, PAD, 2], [PAD, PAD, PAD]]), {PAD}) == [(1, 2), ()]


def test_real_data_row_is_test_against_train():
    rng = random.Random(7)
    train, test = padded(rng, 4, 20), padded(rng, 4, 8)
    got = score(torch.tensor(test), torch.tensor(train), (2,), "none", strip=(PAD,))  # as the CLI scores it
    expected = [nltk_bleu(unpad(train), t, 2) for t in unpad(test)]
    np.testing.assert_allclose(got.per_sequence["bleu2"], expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("n, smoothing", [(2, "none"), (3, "method1"), (4, "none"), (4, "method2"), (4, "method7")])
def test_self_bleu_equals_nltk_with_hypothesis_excluded(n, smoothing):
    """>= 100 random cases over all parametrizations: duplicates (a twin is a reference), unique lengths, sequences
    shorter than n, repeated tokens, padding."""
    rng = random.Random(100 + n)
    for index in range(24):
        vocab = rng.randint(2, 5)
        seqs = padded(rng, vocab, rng.randint(2, 9))
        seqs += [list(s) for s in rng.sample(seqs, rng.randint(0, 2))]  # exact duplicates
        if index % 3 == 0:
            seqs.append(random_sequence(rng, vocab, 14))  # the only sequence of its length (longer than the rest)
        rng.shuffle(seqs)
        got = self_bleu(seqs, n, smoothing, strip={PAD})
        expected = nltk_self_bleu(unpad(seqs), n, smoothing)
        np.testing.assert_allclose(got.per_sequence, expected, rtol=0, atol=1e-12)
        assert got.mean == pytest.approx(sum(expected) / len(expected), abs=1e-12)


def test_self_bleu_hand_cases():
    twins = [[1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [5, 4, 3, 2, 1, 9]]
    assert self_bleu(twins, 4).per_sequence[:2] == (1.0, 1.0)  # each twin is the other's reference
    # [1,1,1,1] holds the unique max count 4 of (1,): without it the max is [1,1]'s 2, so it clips to 2/4; its
    # closest other length is 3 < 4, so no brevity penalty: BLEU-1 = 0.5.
    got = self_bleu([[1, 1, 1, 1], [1, 1], [2, 2, 2]], 1)
    assert got.per_sequence[0] == pytest.approx(0.5, abs=1e-15)
    # [1,1] against [1,1,1,1] and [2,2,2]: both 1s match; closest length 3 -> brevity penalty exp(1 - 3/2).
    assert got.per_sequence[1] == pytest.approx(np.exp(1 - 3 / 2), abs=1e-15)
    assert got.per_sequence[2] == 0.0  # no unigram match


def test_self_bleu_sample_scores_a_subset_against_all_others():
    rng = random.Random(3)
    seqs = padded(rng, 3, 30)
    full = self_bleu(seqs, 3, "method1", strip={PAD})
    part = self_bleu(seqs, 3, "method1", strip={PAD}, sample=7)
    assert part.indices == tuple(sample_indices(30, 7)) == (0, 4, 8, 12, 17, 21, 25)
    assert part.per_sequence == tuple(full.per_sequence[i] for i in part.indices)
    assert self_bleu(seqs, 3, sample=30).indices == self_bleu(seqs, 3, sample=1000).indices == tuple(range(30))
    assert self_bleu_per_sentence(unpad(seqs), 3, "method1", indices=[29, 0]) == [
        full.per_sequence[29],
        full.per_sequence[0],
    ]


def test_per_sequence_scores_feed_the_t_test():
    rng = random.Random(5)
    refs = padded(rng, 4, 30)
    a, b = bleu(padded(rng, 4, 20), refs, 2, strip={PAD}), bleu(padded(rng, 3, 20), refs, 2, strip={PAD})
    expected = scipy.stats.ttest_ind(a.per_sequence, b.per_sequence, equal_var=False)
    assert welch_t_test(a.per_sequence, b.per_sequence).p == pytest.approx(expected.pvalue, rel=1e-9)


def test_bleu_bad_input():
    with pytest.raises(ValueError, match="hypotheses: empty"):
        bleu([], [[1, 2]], 2)
    with pytest.raises(ValueError, match="references: empty"):
        bleu([[1, 2]], [], 2)
    with pytest.raises(ValueError, match="sequences: Self-BLEU needs at least 2"):
        self_bleu([[1, 2, 3]], 2)
    with pytest.raises(ValueError, match="sample: expected an integer >= 1"):
        self_bleu([[1, 2], [2, 1], [1, 1]], 2, sample=0)
    with pytest.raises(ValueError, match="indices: .* outside"):
        self_bleu_per_sentence([[1, 2], [2, 1]], 2, indices=[2])
    with pytest.raises(ValueError, match="sequences: expected a 2-D"):
        bleu(torch.arange(4), [[1, 2]], 2)


def direct_mse(generated, references):
    """Plain Python: per generated sequence, min over references of the mean squared difference."""
    values, nearest = [], []
    for g in generated:
        dists = [sum((a - b) ** 2 for a, b in zip(g, r)) / len(g) for r in references]
        best = min(dists)
        values.append(best)
        nearest.append(dists.index(best))
    return values, nearest


def test_music_mse_equals_direct_loop():
    gen = torch.Generator().manual_seed(0)
    for g_count, r_count, length, chunk in [(1, 1, 1, 1), (7, 5, 8, 3), (13, 40, 32, 4), (20, 9, 5, 1024)]:
        generated = torch.randint(0, 88, (g_count, length), generator=gen)
        references = torch.randint(0, 88, (r_count, length), generator=gen)
        references[0, :] = generated[-1]  # an exact match: 0
        values, nearest = direct_mse(generated.tolist(), references.tolist())
        got = music_mse(generated, references, chunk=chunk)
        assert got.per_sequence.dtype == torch.float64
        assert got.per_sequence.tolist() == values  # exact: integer pitches
        assert got.nearest.tolist() == nearest
        assert got.mean == pytest.approx(sum(values) / len(values), rel=1e-15)
        assert values[-1] == 0


def test_music_mse_hand_computed_and_pitch_table():
    # [60, 62] vs [61, 62]: (1 + 0) / 2 = 0.5; vs [60, 66]: 16 / 2 = 8 -> 0.5, nearest 0.
    # [70, 70] vs [61, 62]: (81 + 64) / 2 = 72.5; vs [60, 66]: (100 + 16) / 2 = 58 -> 58, nearest 1.
    got = music_mse([[60, 62], [70, 70]], [[61, 62], [60, 66]])
    assert got.per_sequence.tolist() == [0.5, 58.0] and got.nearest.tolist() == [0, 1] and got.mean == 29.25
    assert music_mse([[3, 4, 5]], [[3, 4, 5], [3, 4, 5]]).per_sequence.tolist() == [0.0]  # tie: first
    assert music_mse([[3, 4, 5]], [[9, 9, 9], [3, 4, 5]]).nearest.tolist() == [1]
    # Ids mapped to semitones: id 0 = MIDI 21 (A0), id k = 21 + k; the distances do not change with the offset.
    pitch_of = torch.arange(88, dtype=torch.float64) + 21
    assert music_mse([[39, 41], [49, 49]], [[40, 41], [39, 45]], pitch_of=pitch_of).per_sequence.tolist() == [
        0.5,
        58.0,
    ]


def test_music_mse_bad_input():
    with pytest.raises(ValueError, match="generated: length 3 differs from the references' 2"):
        music_mse([[1, 2, 3]], [[1, 2]])
    with pytest.raises(ValueError, match="references: expected a non-empty"):
        music_mse([[1, 2]], torch.zeros(0, 2, dtype=torch.long))
    with pytest.raises(ValueError, match="generated: ids must be integers in 0..2"):
        music_mse([[1, 3]], [[1, 2]], pitch_of=torch.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="references: non-finite pitch"):
        music_mse([[1, 1]], [[1, 2]], pitch_of=torch.tensor([0.0, 1.0, float("nan")]))
    with pytest.raises(ValueError, match="chunk: expected >= 1"):
        music_mse([[1, 2]], [[1, 2]], chunk=0)
