"""Real-data metrics against independent references: BLEU and Self-BLEU against nltk's sentence_bleu (padding
stripped, every <unk> a token of its own, Self-BLEU and the real-data row with the hypothesis left out of its own
references), music MSE against a direct double loop; both reference bases of a corpus's scores."""

from __future__ import annotations

import random

import numpy as np
import pytest
import scipy.stats
import torch
from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

from seqgan.metrics import corpus_scores
from seqgan.metrics.bleu import self_bleu_per_sentence
from seqgan.metrics.corpus_scores import BASES, real_data, score
from seqgan.metrics.music import music_mse
from seqgan.metrics.real_bleu import bleu, bleu_leave_one_out, reference_set, sample_indices, self_bleu, strip_tokens
from seqgan.metrics.significance import welch_t_test

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # nltk warns on zero precisions

PAD, UNK = 0, 1
CHENCHERRY = SmoothingFunction()


def nltk_bleu(references, hypothesis, n, smoothing="none"):
    method = getattr(CHENCHERRY, "method0" if smoothing == "none" else smoothing)
    return sentence_bleu(references, hypothesis, weights=(1 / n,) * n, smoothing_function=method)


def nltk_self_bleu(sequences, n, smoothing="none"):
    return [nltk_bleu(sequences[:i] + sequences[i + 1 :], s, n, smoothing) for i, s in enumerate(sequences)]


def unpad(rows):
    return [[t for t in row if t != PAD] for row in rows]


def fresh_unks(*sets):
    """``unpad`` of each set, every UNK occurrence (across all the sets) replaced by a string of its own."""
    count = iter(range(10**9))
    return [[[f"<unk{next(count)}>" if t == UNK else t for t in row] for row in unpad(rows)] for rows in sets]


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


# ------------------------------------------------------------------------------------------------ <unk> never matches


@pytest.mark.parametrize("n, smoothing", [(1, "none"), (2, "none"), (3, "method1"), (4, "method4")])
def test_unmatched_equals_nltk_with_every_unk_a_token_of_its_own(n, smoothing):
    rng, changed = random.Random(40 + n), 0
    for _ in range(10):
        vocab = rng.randint(2, 5)  # ids 1..vocab: UNK (1) is frequent
        refs, hyps = padded(rng, vocab, rng.randint(1, 12)), padded(rng, vocab, 6)
        hyps.append(list(rng.choice(refs)))  # a copy of a reference: its <unk> still must not match
        plain_refs, plain_hyps = fresh_unks(refs, hyps)
        expected = [nltk_bleu(plain_refs, h, n, smoothing) for h in plain_hyps]
        got = bleu(torch.tensor(hyps), torch.tensor(refs), n, smoothing, strip={PAD}, unmatched={UNK})
        np.testing.assert_allclose(got.per_sequence, expected, rtol=0, atol=1e-12)
        table = reference_set(refs, max_n=4, strip=[PAD], unmatched=[UNK])
        assert bleu(hyps, table, n, smoothing, strip=[PAD], unmatched=[UNK]).per_sequence == got.per_sequence
        changed += bleu(hyps, refs, n, smoothing, strip={PAD}).per_sequence != got.per_sequence
    assert changed  # the cases exercise the rule: without it, some score differently


@pytest.mark.parametrize("n, smoothing", [(2, "none"), (3, "method1"), (4, "method2")])
def test_self_bleu_with_unmatched_equals_nltk(n, smoothing):
    rng = random.Random(60 + n)
    for _ in range(12):
        seqs = padded(rng, rng.randint(2, 4), rng.randint(2, 8))
        seqs += [list(s) for s in rng.sample(seqs, 1)]  # a twin: shares every n-gram but those holding <unk>
        got = self_bleu(seqs, n, smoothing, strip={PAD}, unmatched={UNK})
        (plain,) = fresh_unks(seqs)
        np.testing.assert_allclose(got.per_sequence, nltk_self_bleu(plain, n, smoothing), rtol=0, atol=1e-12)


def test_unk_hand_cases():
    ref = [5, UNK, 6, 7, PAD]
    assert bleu([ref], [ref], 2, strip={PAD}).mean == 1.0  # without the rule: a perfect copy
    # With it, 3 of 4 unigrams and 1 of 3 bigrams match (the two holding <unk> do not): sqrt(3/4 * 1/3) = 1/2.
    assert bleu([ref], [ref], 2, strip={PAD}, unmatched={UNK}).mean == pytest.approx(0.5, abs=1e-15)
    assert bleu([[UNK] * 4], [[UNK] * 4, [UNK, UNK]], 1, unmatched={UNK}).mean == 0.0
    assert self_bleu([[UNK] * 3, [UNK] * 3], 1, unmatched={UNK}).per_sequence == (0.0, 0.0)
    stripped = strip_tokens([[UNK, PAD, 2, UNK]], strip={PAD}, unmatched={UNK})[0]
    assert len(stripped) == 3 and stripped[1] == 2 and stripped[0] != stripped[2]  # kept, each unique


# ---------------------------------------------------------------------------------------------- reference bases


def test_leave_one_out_equals_nltk_against_the_others():
    rng = random.Random(11)
    for n, smoothing in [(2, "none"), (3, "method1"), (4, "method7")]:
        refs = padded(rng, 4, 15)
        refs += [list(refs[3])]  # row 3's twin: still a reference for row 3
        rows = [0, 3, 7, 15, 3]
        (plain,) = fresh_unks(refs)
        expected = [nltk_bleu(plain[:i] + plain[i + 1 :], plain[i], n, smoothing) for i in rows]
        got = bleu_leave_one_out(torch.tensor(refs), rows, n, smoothing, strip={PAD}, unmatched={UNK})
        np.testing.assert_allclose(got.per_sequence, expected, rtol=0, atol=1e-12)
        assert got.indices == tuple(rows)


def corpus_splits(rng: random.Random, width: int = 8) -> dict[str, torch.Tensor]:
    """Small splits (given out of order: the paper basis must still be train, unused, valid, test) with a
    duplicate of a training sequence in test; ``unused``: training sequences data.max_train left out."""
    train, unused, valid, test = (padded(rng, 4, count, width) for count in (12, 4, 3, 5))
    test[0] = list(train[4])
    splits = {"test": test, "unused": unused, "train": train, "valid": valid}
    return {name: torch.tensor(rows) for name, rows in splits.items()}


def test_the_bases_references_and_the_real_data_count():
    splits = corpus_splits(random.Random(1))
    refs = corpus_scores.references(splits)
    assert list(refs) == list(BASES) == ["paper", "leak_free"]
    assert torch.equal(refs["paper"], torch.cat([splits[s] for s in ("train", "unused", "valid", "test")]))
    assert torch.equal(refs["leak_free"], splits["test"])
    sequences, rows = real_data(splits, 5)
    assert rows == sample_indices(12, 5) == [0, 2, 4, 7, 9] and torch.equal(sequences, splits["train"][rows])
    assert real_data(splits, 12)[1] == list(range(12))  # all of train
    with pytest.raises(ValueError, match=r"^eval.num_samples: 13 real sequences to score, but the train split has 12$"):
        real_data(splits, 13)
    with pytest.raises(ValueError, match="splits: expected train, test"):
        corpus_scores.references({"train": splits["train"]})


@pytest.mark.parametrize("n, smoothing", [(2, "none"), (3, "method1")])
def test_real_data_row_is_scored_as_a_model_row_on_the_same_references(n, smoothing):
    rng = random.Random(20 + n)
    splits = corpus_splits(rng)
    sequences, rows = real_data(splits, 6)
    real = score(sequences, splits, (n,), smoothing, (PAD,), (UNK,), with_mse=True, own_rows=rows)
    as_model = score(sequences, splits, (n,), smoothing, (PAD,), (UNK,), with_mse=True)
    columns = [f"paper_bleu{n}", f"leak_free_bleu{n}", "paper_mse", "leak_free_mse"]
    assert list(real.per_sequence) == list(as_model.per_sequence) == columns
    assert all(len(values) == 6 for values in real.per_sequence.values())
    assert real.references == as_model.references == {"paper": 24, "leak_free": 5}
    # leak_free: the test split does not hold the real sequences, so a model that sampled them scores the same.
    assert real.per_sequence[f"leak_free_bleu{n}"] == as_model.per_sequence[f"leak_free_bleu{n}"]
    assert real.per_sequence["leak_free_mse"] == as_model.per_sequence["leak_free_mse"]
    assert real.self_bleu == as_model.self_bleu
    # paper: against the whole corpus without that sequence (the test split's copy of train[4] still counts).
    whole_ids = corpus_scores.references(splits)["paper"].tolist()
    (whole,) = fresh_unks(whole_ids)
    expected = [nltk_bleu(whole[:i] + whole[i + 1 :], whole[i], n, smoothing) for i in rows]
    np.testing.assert_allclose(real.per_sequence[f"paper_bleu{n}"], expected, rtol=0, atol=1e-12)
    expected_mse = [direct_mse([whole_ids[i]], whole_ids[:i] + whole_ids[i + 1 :])[0][0] for i in rows]
    assert real.per_sequence["paper_mse"] == expected_mse
    assert real.per_sequence["paper_mse"][2] == 0.0  # train[4] has its twin in test
    # A model that reproduced a training sequence finds it among the paper references.
    assert as_model.per_sequence["paper_mse"] == [0.0] * 6


def test_model_row_equals_nltk_on_both_bases():
    rng = random.Random(9)
    splits = corpus_splits(rng)
    samples = torch.tensor(padded(rng, 4, 7, 8))
    got = score(samples, splits, (2, 3), "method1", (PAD,), (UNK,), self_bleu_sample=4)
    assert list(got.per_sequence) == ["paper_bleu2", "paper_bleu3", "leak_free_bleu2", "leak_free_bleu3"]
    for basis, refs in corpus_scores.references(splits).items():
        plain_refs, plain_samples = fresh_unks(refs.tolist(), samples.tolist())
        for n in (2, 3):
            expected = [nltk_bleu(plain_refs, h, n, "method1") for h in plain_samples]
            np.testing.assert_allclose(got.per_sequence[f"{basis}_bleu{n}"], expected, rtol=0, atol=1e-12)
    (plain,) = fresh_unks(samples.tolist())
    for n in (2, 3):
        expected = [nltk_self_bleu(plain, n, "method1")[i] for i in sample_indices(7, 4)]
        assert got.self_bleu[n] == pytest.approx(sum(expected) / 4, abs=1e-12)


def test_own_rows_must_be_the_sequences_rows():
    splits = corpus_splits(random.Random(2))
    sequences, rows = real_data(splits, 4)
    with pytest.raises(ValueError, match="own_rows: the sequences are not the paper references at these rows"):
        score(sequences, splits, (2,), "none", own_rows=[r + 1 for r in rows])
    with pytest.raises(ValueError, match=r"own_rows: expected 4 rows in 0..23"):
        score(sequences, splits, (2,), "none", own_rows=rows[:3])


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
    with pytest.raises(ValueError, match="rows: empty"):
        bleu_leave_one_out([[1, 2], [2, 1]], [], 2)


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


def test_music_mse_exclude_equals_direct_loop_without_that_reference():
    gen = torch.Generator().manual_seed(1)
    for g_count, r_count, length, chunk in [(1, 2, 1, 1), (9, 6, 8, 4), (30, 30, 16, 7)]:
        generated = torch.randint(0, 88, (g_count, length), generator=gen)
        references = torch.randint(0, 88, (r_count, length), generator=gen)
        exclude = torch.randint(0, r_count, (g_count,), generator=gen)
        references[exclude[0]] = generated[0]  # the excluded reference is the exact match: it must not give 0
        expected, nearest = [], []
        for g, skip in zip(generated.tolist(), exclude.tolist()):
            others = [r for i, r in enumerate(references.tolist()) if i != skip]
            values, index = direct_mse([g], others)
            expected.append(values[0])
            nearest.append(index[0] + (index[0] >= skip))  # back to an index into all references
        got = music_mse(generated, references, chunk=chunk, exclude=exclude.tolist())
        assert got.per_sequence.tolist() == expected and got.nearest.tolist() == nearest
    # A duplicate of the left-out reference still counts.
    twin = music_mse([[3, 4]], [[3, 4], [3, 4], [9, 9]], exclude=[0])
    assert twin.per_sequence.tolist() == [0.0] and twin.nearest.tolist() == [1]


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
    with pytest.raises(ValueError, match="exclude: expected 2 integer indices"):
        music_mse([[1, 2], [2, 1]], [[1, 2], [2, 2]], exclude=[0])
    with pytest.raises(ValueError, match=r"exclude: expected indices in 0..1, got 0..2"):
        music_mse([[1, 2], [2, 1]], [[1, 2], [2, 2]], exclude=[0, 2])
    with pytest.raises(ValueError, match="exclude: leaving a reference out needs at least 2 references"):
        music_mse([[1, 2]], [[1, 2]], exclude=[0])


def test_reference_tables_built_once_score_as_tables_built_per_call():
    """The quality-diversity sweep scores several sample sets against one reference_tables."""
    splits = corpus_splits(random.Random(5))
    tables = corpus_scores.reference_tables(splits, (2, 3), "method1", (PAD,), (UNK,))
    for seed in (1, 2):
        sequences = torch.tensor(padded(random.Random(seed), 4, 7, width=8))
        built_here = score(sequences, splits, (2, 3), "method1", (PAD,), (UNK,), with_mse=True)
        assert score(sequences, splits, (2, 3), "method1", (PAD,), (UNK,), with_mse=True, tables=tables) == built_here
