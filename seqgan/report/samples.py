"""Generated samples as something a person reads: poems as quatrains, Obama as text, music as notes and a piano roll.

``format_samples(corpus_key, vocab, ids)`` turns (N, T) token ids into text, one sample after another:

- poems: four lines of five characters, written without spaces; with the punctuation kept (T == 24) each line is
  six tokens (five characters and ， or 。). A blank line separates poems. ``<unk>`` is shown as ``□`` so that the
  lines stay five characters wide.
- obama: one window per line, ``<pad>`` removed, tokens joined by spaces with a small detokeniser: no space before
  ``, . ; : ! ? ) %``, before a token starting with an apostrophe (``'s``, ``'``) or ``n't``; none after ``(`` and
  ``$``. Everything else (hyphens split by the tokenizer, quotes, ``<unk>``) keeps its spaces, so ``well - being``
  stays as tokenised. Text is lower case, as the corpus is.
- music: the vocabulary's note names (``"A4"``, ``"C#5"``) separated by spaces, one sequence per line.

``write_piano_roll`` draws the first few music samples as pitch-vs-time step plots (PNG, written atomically).
"""

from __future__ import annotations

import io

import torch

from seqgan import atomic
from seqgan.data.vocab import PAD, UNK
from seqgan.report.plotting import pyplot

POEM_LINES = 4
UNK_CHAR = "□"  # a poem's <unk>: one character wide
NO_SPACE_BEFORE = frozenset({",", ".", ";", ":", "!", "?", ")", "%", "n't"})
NO_SPACE_AFTER = frozenset({"(", "$"})


def _tokens(vocab) -> tuple[str, ...]:
    """A vocabulary as its id -> token tuple (a Vocab, a Corpus's tuple, or any sequence of strings)."""
    return tuple(getattr(vocab, "tokens", vocab))


def _rows(ids, vocab: tuple[str, ...]) -> list[list[str]]:
    ids = torch.as_tensor(ids)
    if ids.dim() != 2 or ids.dtype.is_floating_point:
        raise ValueError(f"samples: expected an (N, T) tensor of integer token ids, got {ids.dtype} {tuple(ids.shape)}")
    if ids.numel() and (ids.min() < 0 or ids.max() >= len(vocab)):
        raise ValueError(f"samples: token ids outside the vocabulary [0, {len(vocab)})")
    return [[vocab[i] for i in row] for row in ids.tolist()]


def detokenize(tokens: list[str]) -> str:
    """Tokens joined by spaces, without ``<pad>`` and without the spaces the rules in the module docstring remove."""
    text = ""
    previous = None
    for token in tokens:
        if token == PAD:
            continue
        glue = previous is None or token in NO_SPACE_BEFORE or token.startswith("'") or previous in NO_SPACE_AFTER
        text += ("" if glue else " ") + token
        previous = token
    return text


def _poem(tokens: list[str]) -> str:
    width = len(tokens) // POEM_LINES
    chars = [UNK_CHAR if token == UNK else token for token in tokens]
    return "\n".join("".join(chars[i * width : (i + 1) * width]) for i in range(POEM_LINES))


def format_samples(corpus_key: str, vocab, ids) -> str:
    """Readable text of (N, T) token ids ``ids`` for corpus ``poems``, ``obama`` or ``music`` (module docstring)."""
    tokens = _tokens(vocab)
    rows = _rows(ids, tokens)
    if corpus_key == "poems":
        length = len(rows[0]) if rows else 20
        if length not in (20, 24):
            raise ValueError(f"poems: expected 20 tokens per poem (24 with punctuation), got {length}")
        return "\n\n".join(_poem(row) for row in rows) + "\n"
    if corpus_key == "obama":
        return "".join(detokenize(row) + "\n" for row in rows)
    if corpus_key == "music":
        return "".join(" ".join(row) + "\n" for row in rows)
    raise ValueError(f"unknown corpus {corpus_key!r} (expected one of: poems, obama, music)")


# ---------------------------------------------------------------- piano roll


def write_piano_roll(
    ids, vocab, png_path, title: str, *, max_sequences: int = 4, sample_seconds: float | None = 0.4
) -> None:
    """The first ``max_sequences`` rows of (N, T) pitch ids as step plots (one panel each), y labelled with the
    vocabulary's note names; x in seconds when ``sample_seconds`` is given, else in samples. Written atomically."""
    tokens = _tokens(vocab)
    ids = torch.as_tensor(ids)
    _rows(ids, tokens)  # shape and range checks
    if len(ids) == 0 or ids.shape[1] == 0:
        raise ValueError(f"{png_path}: no sequences to draw")
    rows = ids[:max_sequences].tolist()
    low, high = min(min(row) for row in rows), max(max(row) for row in rows)
    step = -(-(high - low + 1) // 7)  # ceil: at most 7 note names per axis
    ticks = list(range(low, high + 1, step))
    scale = sample_seconds or 1.0
    plt = pyplot()
    fig, axes = plt.subplots(len(rows), 1, figsize=(7, 1.4 * len(rows) + 0.6), sharex=True, squeeze=False)
    for k, (ax, row) in enumerate(zip(axes[:, 0], rows)):
        times = [t * scale for t in range(len(row) + 1)]
        ax.step(times, row + row[-1:], where="post", color="tab:blue", linewidth=1.5)  # the last sample held too
        ax.set_yticks(ticks, [tokens[i] for i in ticks], fontsize=7)
        ax.set_ylim(low - 1, high + 1)
        ax.set_ylabel(f"#{k + 1}", fontsize=8)
        ax.grid(alpha=0.3)
    axes[-1, 0].set_xlabel("time (s)" if sample_seconds else "time step")
    axes[0, 0].set_title(title, fontsize=10)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=120, metadata={"Software": None})
    plt.close(fig)
    atomic.write_bytes(png_path, buffer.getvalue())
