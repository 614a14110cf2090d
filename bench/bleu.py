"""Benchmark: sentence BLEU against a whole reference set, nltk vs seqgan.metrics.bleu.ReferenceSet.

Data: token ids drawn i.i.d. from a Zipf-like law over the vocabulary, P(rank r) ~ 1 / r**s (s = 1.0 by default,
top token ~11% at V=5000), so hypotheses share many uni- and bigrams with the references, as real samples do.
Defaults: 10,000 references and 1,000 hypotheses of length 20, V = 5000, BLEU-3, no smoothing. nltk costs
O(#references) per hypothesis, so it runs on a subset (default 20 hypotheses) and its time is extrapolated to all
of them; the values on that subset are checked equal. Run by hand on a quiet machine:

    python bench/bleu.py [--n 3] [--smoothing none] [--nltk-subset 20] [--repeats 3]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
import warnings

import nltk
import numpy as np
from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

from seqgan.metrics.bleu import SMOOTHINGS, ReferenceSet


def zipf_tokens(rng: np.random.Generator, rows: int, length: int, vocab: int, exponent: float) -> list[list[int]]:
    weights = 1.0 / np.arange(1, vocab + 1) ** exponent
    return rng.choice(vocab, size=(rows, length), p=weights / weights.sum()).tolist()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--references", type=int, default=10_000)
    parser.add_argument("--hypotheses", type=int, default=1_000)
    parser.add_argument("--length", type=int, default=20)
    parser.add_argument("--vocab", type=int, default=5000)
    parser.add_argument("--zipf", type=float, default=1.0, help="exponent s of P(rank r) ~ 1/r**s")
    parser.add_argument("--n", type=int, default=3)
    parser.add_argument("--smoothing", choices=SMOOTHINGS, default="none")
    parser.add_argument("--nltk-subset", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    references = zipf_tokens(rng, args.references, args.length, args.vocab, args.zipf)
    hypotheses = zipf_tokens(rng, args.hypotheses, args.length, args.vocab, args.zipf)
    max_n = max(args.n, 5) if args.smoothing in ("method5", "method7") else args.n

    builds, scores = [], []
    for _ in range(args.repeats):
        start = time.perf_counter()
        table = ReferenceSet(references, max_n=max_n)
        builds.append(time.perf_counter() - start)
        start = time.perf_counter()
        ours = table.per_sentence(hypotheses, args.n, args.smoothing)
        scores.append(time.perf_counter() - start)
    build, ours_total = statistics.median(builds), statistics.median(scores)

    method = getattr(SmoothingFunction(), "method0" if args.smoothing == "none" else args.smoothing)
    subset = hypotheses[: args.nltk_subset]
    weights = (1 / args.n,) * args.n
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nltk warns on every zero precision without smoothing
        start = time.perf_counter()
        theirs = [sentence_bleu(references, h, weights, smoothing_function=method) for h in subset]
        nltk_subset = time.perf_counter() - start
    nltk_total = nltk_subset / len(subset) * len(hypotheses)
    max_diff = max(abs(a - b) for a, b in zip(theirs, ours))

    print(
        f"# nltk {nltk.__version__}, numpy {np.__version__}, Python {platform.python_version()}, {platform.machine()}"
    )
    print(
        f"# {args.hypotheses} hypotheses vs {args.references} references, T={args.length}, V={args.vocab}, "
        f"Zipf s={args.zipf}, BLEU-{args.n}, smoothing={args.smoothing}, seed={args.seed}"
    )
    print(f"index build (once, max_n={max_n}, median of {args.repeats}): {build:.3f} s, {len(table.lengths)} length(s)")
    print(
        f"ReferenceSet, all {args.hypotheses} hypotheses: {ours_total:.4f} s ({ours_total / len(ours) * 1e6:.1f} us each)"
    )
    print(
        f"nltk sentence_bleu, {len(subset)} hypotheses measured: {nltk_subset:.2f} s "
        f"({nltk_subset / len(subset):.3f} s each); extrapolated to {args.hypotheses}: {nltk_total:.0f} s"
    )
    print(
        f"speed-up, scoring: {nltk_total / ours_total:,.0f}x; including the index build: {nltk_total / (build + ours_total):,.0f}x"
    )
    print(f"values on the nltk subset: max |difference| = {max_diff:.1e}, mean BLEU-{args.n} = {np.mean(theirs):.4f}")
    if max_diff > 1e-12:
        raise SystemExit("ReferenceSet disagrees with nltk")


if __name__ == "__main__":
    main()
