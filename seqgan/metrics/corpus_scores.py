"""A real corpus's scores for one set of sequences (generated samples, or the test set itself): BLEU-n
against the references and, for music, the MSE to the nearest reference, per sequence (paper Tables 2-4
average them; the p-values compare them); Self-BLEU-n, a property of the whole set."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

import torch

from seqgan.metrics import music
from seqgan.metrics.bleu import orders_needed
from seqgan.metrics.real_bleu import bleu, reference_set, self_bleu


@dataclass(frozen=True)
class CorpusScores:
    per_sequence: dict[str, list[float]]  # column (bleu2, ..., mse) -> one value per scored sequence
    self_bleu: dict[int, float]  # n -> mean Self-BLEU-n of the set

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


def score(
    sequences: torch.Tensor,
    references: torch.Tensor,
    orders: tuple[int, ...],
    smoothing: str,
    strip: tuple[int, ...] = (),
    self_bleu_sample: int = 0,
    with_mse: bool = False,
) -> CorpusScores:
    """``sequences`` (N, T) scored against ``references`` (R, T); ``strip`` ids (padding) are not text.

    Self-BLEU scores ``self_bleu_sample`` of the sequences (0 = all), each against all the others.
    MSE (music) treats ids as semitones: the 88 piano-key ids are contiguous pitches."""
    refs = reference_set(references, max(orders_needed(n, smoothing) for n in orders), strip)
    per_sequence = {f"bleu{n}": list(bleu(sequences, refs, n, smoothing, strip).per_sequence) for n in orders}
    if with_mse:
        per_sequence["mse"] = music.music_mse(sequences, references).per_sequence.tolist()
    sample = self_bleu_sample or None
    diversity = {n: self_bleu(sequences, n, smoothing, strip, sample).mean for n in orders}
    return CorpusScores(per_sequence, diversity)
