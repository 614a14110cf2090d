"""A real corpus's scores for one set of sequences (a model's samples, or the paper's "real data" row): per
sequence, BLEU-n and (music) the MSE to the nearest reference on each reference basis (paper Tables 2-4 average
them; the p-values compare them); Self-BLEU-n, a property of the whole set.

Reference bases (``BASES``), both computed for every row, since BLEU grows steeply with the number of references:

- ``paper``: the whole corpus, every split it holds (train, the training sequences ``data.max_train`` left out,
  valid, test, in that order): comparable with the paper's numbers.
- ``leak_free``: the test split, which no model was trained on.

The real-data row is scored exactly as a model's samples, with as many sequences: ``eval.num_samples`` training
sequences, evenly spaced (``real_data``). On ``leak_free`` they are not among the references. On ``paper`` each is
scored against the whole corpus WITHOUT ITSELF (a duplicate elsewhere still counts, as it would for a model that
reproduced it): otherwise every real sequence would find itself and score 1 (MSE 0).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass

import torch

from seqgan.data.corpus import WHOLE_CORPUS
from seqgan.metrics import music
from seqgan.metrics.bleu import ReferenceSet, orders_needed
from seqgan.metrics.real_bleu import bleu, bleu_leave_one_out, reference_set, sample_indices, self_bleu

BASES = ("paper", "leak_free")


@dataclass(frozen=True)
class CorpusScores:
    per_sequence: dict[str, list[float]]  # column ({basis}_bleu{n}, {basis}_mse) -> one value per scored sequence
    self_bleu: dict[int, float]  # n -> mean Self-BLEU-n of the set
    references: dict[str, int]  # basis -> number of reference sequences

    def mean(self, column: str) -> float:
        values = self.per_sequence[column]
        return math.fsum(values) / len(values)

    def to_csv(self) -> str:
        """One row per sequence, one column per metric, values as exact floats."""
        out = io.StringIO()
        columns = list(self.per_sequence)
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(zip(*(map(repr, self.per_sequence[c]) for c in columns)))
        return out.getvalue()


def references(splits: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Each basis's reference sequences (R, T) from a corpus's splits (name -> (N, T) token ids)."""
    unknown = sorted(set(splits) - set(WHOLE_CORPUS))
    if unknown or "test" not in splits or "train" not in splits:
        raise ValueError(f"splits: expected train, test and optionally unused, valid; got {', '.join(splits)}")
    # Train first: a training sequence's row in the whole corpus is its index in the train split.
    return {"paper": torch.cat([splits[s] for s in WHOLE_CORPUS if s in splits]), "leak_free": splits["test"]}


def real_data(splits: Mapping[str, torch.Tensor], count: int) -> tuple[torch.Tensor, list[int]]:
    """The real-data row: ``count`` training sequences, evenly spaced, and their rows in the paper basis."""
    train = splits["train"]
    if count > len(train):
        raise ValueError(f"eval.num_samples: {count} real sequences to score, but the train split has {len(train)}")
    rows = sample_indices(len(train), count)
    return train[rows], rows


def reference_tables(
    splits: Mapping[str, torch.Tensor],
    orders: tuple[int, ...],
    smoothing: str,
    strip: tuple[int, ...] = (),
    unmatched: tuple[int, ...] = (),
) -> dict[str, ReferenceSet]:
    """Each basis's references ready to score BLEU at ``orders``: build once, score many sets (``score(tables=)``;
    the paper basis of a whole corpus takes seconds)."""
    max_n = max(orders_needed(n, smoothing) for n in orders)
    return {basis: reference_set(refs, max_n, strip, unmatched) for basis, refs in references(splits).items()}


def score(
    sequences: torch.Tensor,
    splits: Mapping[str, torch.Tensor],
    orders: tuple[int, ...],
    smoothing: str,
    strip: tuple[int, ...] = (),
    unmatched: tuple[int, ...] = (),
    self_bleu_sample: int = 0,
    with_mse: bool = False,
    own_rows: list[int] | None = None,
    tables: Mapping[str, ReferenceSet] | None = None,
) -> CorpusScores:
    """``sequences`` (N, T) scored against each basis's references from ``splits``.

    ``strip`` ids (padding) are not text; ``unmatched`` ids (<unk>) never match (``real_bleu``). ``own_rows``: the
    real-data row's positions in the paper basis (``real_data``), each left out of its own references there.
    ``tables``: ``reference_tables`` of the same splits, strip and unmatched ids, to score several sets (built here
    when None). Self-BLEU scores ``self_bleu_sample`` of the sequences (0 = all), each against all the others.
    MSE (music) treats ids as semitones: the 88 piano-key ids are contiguous pitches."""
    bases = references(splits)
    if own_rows is not None:
        whole = bases["paper"]
        if len(own_rows) != len(sequences) or not all(0 <= i < len(whole) for i in own_rows):
            raise ValueError(f"own_rows: expected {len(sequences)} rows in 0..{len(whole) - 1}")
        if not torch.equal(whole[list(own_rows)], torch.as_tensor(sequences)):
            raise ValueError("own_rows: the sequences are not the paper references at these rows")
    max_n = max(orders_needed(n, smoothing) for n in orders)
    per_sequence, mse = {}, {}
    for basis, refs in bases.items():
        own = own_rows if basis == "paper" else None  # the test split never holds the (training) real sequences
        if own is not None:
            table = None
        else:  # once for every order
            table = tables[basis] if tables else reference_set(refs, max_n, strip, unmatched)
        for n in orders:
            if table is None:
                scores = bleu_leave_one_out(refs, own, n, smoothing, strip, unmatched)
            else:
                scores = bleu(sequences, table, n, smoothing, strip, unmatched)
            per_sequence[f"{basis}_bleu{n}"] = list(scores.per_sequence)
        if with_mse:
            mse[f"{basis}_mse"] = music.music_mse(sequences, refs, exclude=own).per_sequence.tolist()
    sample = self_bleu_sample or None
    diversity = {n: self_bleu(sequences, n, smoothing, strip, sample, unmatched).mean for n in orders}
    return CorpusScores(per_sequence | mse, diversity, {basis: len(refs) for basis, refs in bases.items()})
