"""Music MSE for the Nottingham experiment (paper Table 4: MLE 22.38, SeqGAN 20.62; lower is better).

The paper reports "MSE" without a definition. Ours, for generated pitch sequences g (each of length T) and the
reference sequences r (same T; the test split or the whole corpus, ``corpus_scores``), pitches in semitones:

    mse(g)  = min over references r of  (1/T) * sum_t (g_t - r_t)^2        # the nearest reference
    MSE     = mean of mse(g) over the generated sequences

i.e. the mean squared pitch difference, in semitones^2, per position to the nearest reference, nearest
meaning the smallest mean squared difference (ties: the first reference). Identical sequences give 0.
``exclude`` leaves one reference out per generated sequence: a real sequence scored against a set that holds it is
scored without itself (a duplicate of it elsewhere still gives 0).
Token ids are turned into semitones by ``pitch_of`` (id -> semitone; ids equal semitones when it is None, as with
88 contiguous piano-key tokens). A vocabulary with non-pitch tokens (a rest, <pad>) must map them in ``pitch_of``
to a number chosen on purpose; ``NaN`` there is refused rather than silently propagated.

Computed in float64 as |g|^2 + |r|^2 - 2 g.r with one matrix product per chunk of generated sequences (memory
O(chunk * R)); for integer pitches every term is an integer below 2^53, so the result equals the direct sum exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class MusicMSE:
    per_sequence: torch.Tensor  # (G,) float64: mean squared semitone difference to the nearest reference
    nearest: torch.Tensor  # (G,) int64: index of that reference

    @property
    def mean(self) -> float:
        return float(self.per_sequence.mean())


def _pitches(tokens, pitch_of: torch.Tensor | None, name: str) -> torch.Tensor:
    tokens = torch.as_tensor(tokens)
    if tokens.dim() != 2 or tokens.shape[0] == 0 or tokens.shape[1] == 0:
        raise ValueError(f"{name}: expected a non-empty (N, T) tensor of pitch ids, got shape {tuple(tokens.shape)}")
    if pitch_of is None:
        pitches = tokens.to(torch.float64)
    else:
        if tokens.dtype.is_floating_point or tokens.min() < 0 or tokens.max() >= len(pitch_of):
            raise ValueError(f"{name}: ids must be integers in 0..{len(pitch_of) - 1} to look up in pitch_of")
        pitches = torch.as_tensor(pitch_of, dtype=torch.float64)[tokens]
    if not torch.isfinite(pitches).all():
        raise ValueError(f"{name}: non-finite pitch (a token without a pitch in pitch_of?)")
    return pitches  # (N, T)


def music_mse(generated, references, pitch_of: torch.Tensor | None = None, chunk: int = 1024, exclude=None) -> MusicMSE:
    """Per generated sequence, the mean squared pitch difference to its nearest reference sequence.

    ``generated`` (G, T), ``references`` (R, T): token ids (tensors, arrays or nested lists); ``pitch_of`` (V,):
    semitone of each id, or None when ids are semitones. ``chunk``: generated rows per (chunk, R) distance block.
    ``exclude`` (G,): per generated sequence, the index of the one reference it is not compared with; None = none."""
    g = _pitches(generated, pitch_of, "generated")  # (G, T)
    r = _pitches(references, pitch_of, "references")  # (R, T)
    if g.shape[1] != r.shape[1]:
        raise ValueError(f"generated: length {g.shape[1]} differs from the references' {r.shape[1]}")
    if chunk < 1:
        raise ValueError(f"chunk: expected >= 1, got {chunk}")
    if exclude is not None:
        exclude = torch.as_tensor(exclude)
        if exclude.shape != (len(g),) or exclude.is_floating_point() or exclude.dtype == torch.bool:
            raise ValueError(f"exclude: expected {len(g)} integer indices (one per generated sequence)")
        if len(r) < 2:
            raise ValueError("exclude: leaving a reference out needs at least 2 references, got 1")
        if exclude.min() < 0 or exclude.max() >= len(r):
            raise ValueError(
                f"exclude: expected indices in 0..{len(r) - 1}, got {int(exclude.min())}..{int(exclude.max())}"
            )
    length = g.shape[1]
    r_sq = (r * r).sum(dim=1)  # (R,)
    values, nearest = [], []
    for start, part in zip(range(0, len(g), chunk), g.split(chunk)):  # (C, T)
        sq = (part * part).sum(dim=1, keepdim=True) + r_sq - 2 * part @ r.T  # (C, R): sum_t (g_t - r_t)^2
        if exclude is not None:
            sq[torch.arange(len(part)), exclude[start : start + len(part)]] = torch.inf
        best, index = sq.min(dim=1)  # (C,) first minimum on ties
        values.append(best.clamp_min(0) / length)  # clamp: rounding below 0 only for non-integer pitches
        nearest.append(index)
    return MusicMSE(torch.cat(values), torch.cat(nearest))
