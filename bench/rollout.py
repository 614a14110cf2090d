"""Benchmark: Monte Carlo search rewards, batched (seqgan.rollout) vs the usual per-(n, t) loop.

The reference is written the way most public SeqGAN ports do it: for every rollout n and prefix
length t, generate one batch from scratch (prefix fed, the rest sampled with torch.multinomial) and
score it with the discriminator. Sizes default to the paper's: B=64, T=20, N=16, V=5000, the
paper's discriminator. Run by hand on a quiet machine:

    python bench/rollout.py --threads 2 [--precision bf16] [--repeats 3]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import torch

from seqgan import rollout
from seqgan.models.discriminator import Discriminator
from seqgan.models.generator import Generator

PAPER_FILTERS = {
    "filter_sizes": (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20),
    "num_filters": (100, 200, 200, 200, 200, 100, 100, 100, 100, 100, 160, 160),
}


@torch.no_grad()
def reference_rewards(generator: Generator, discriminator: Discriminator | None, samples: torch.Tensor, rollouts: int):
    """One generation per (n, t) from scratch, as public ports write it: every step computes the
    output distribution (prefix steps included), generated steps draw with torch.multinomial, and each
    completed batch goes to the discriminator on its own. ``discriminator=None`` times generation only."""
    batch, length = samples.shape
    rewards = torch.zeros(batch, length)
    for _ in range(rollouts):
        for t in range(1, length):
            token, state, tokens = samples.new_full((batch,), generator.start_token), None, []
            for p in range(length):
                hidden, state = generator.step(token, state)
                probs = torch.softmax(generator.output(hidden), dim=-1)  # (B, V)
                token = samples[:, p] if p < t else torch.multinomial(probs, 1).squeeze(1)
                tokens.append(token)
            if discriminator is not None:
                completed = torch.stack(tokens, dim=1)  # (B, T)
                rewards[:, t - 1] += torch.softmax(discriminator(completed), dim=1)[:, 1] / rollouts
    if discriminator is not None:
        rewards[:, -1] = torch.softmax(discriminator(samples), dim=1)[:, 1]
    return rewards


def timed(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--length", type=int, default=20)
    parser.add_argument("--rollouts", type=int, default=16)
    parser.add_argument("--vocab", type=int, default=5000)
    parser.add_argument("--chunk", type=int, default=128)
    parser.add_argument("--precision", choices=("fp32", "bf16"), default="fp32")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    generator = Generator(args.vocab, 32, 32, args.length).init_normal(0.1, torch.Generator().manual_seed(0))
    discriminator = Discriminator(args.vocab, 64, dropout=0.25, **PAPER_FILTERS)
    rng = torch.Generator().manual_seed(1)
    samples = generator.sample(args.batch, rng)
    uniforms = rollout.draw_uniforms(samples, args.rollouts, rng)
    completions = rollout.complete(generator, samples, uniforms, args.chunk)

    discriminator.eval()
    results = {
        "reference loop (multinomial, fp32)": timed(
            lambda: reference_rewards(generator, discriminator, samples, args.rollouts), args.repeats
        ),
        "  reference generation only": timed(
            lambda: reference_rewards(generator, None, samples, args.rollouts), args.repeats
        ),
        f"batched, total ({args.precision})": timed(
            lambda: rollout.rewards(generator, discriminator, samples, args.rollouts, rng, args.chunk, args.precision),
            args.repeats,
        ),
        "  batched completion only": timed(
            lambda: rollout.complete(generator, samples, uniforms, args.chunk), args.repeats
        ),
        f"  batched scoring only ({args.precision})": timed(
            lambda: rollout.score(discriminator, samples, completions, args.chunk, args.precision), args.repeats
        ),
    }
    rewards_per_call = args.batch * args.length
    print(f"# torch {torch.__version__}, {platform.processor() or platform.machine()}, threads={args.threads}")
    print(f"# B={args.batch} T={args.length} N={args.rollouts} V={args.vocab} chunk={args.chunk}")
    print(f"{'variant':42s} {'seconds':>9s} {'rewards/s':>10s}")
    for name, seconds in results.items():
        print(f"{name:42s} {seconds:9.3f} {rewards_per_call / seconds:10.1f}")
    reference, reference_generation, batched, batched_completion, _ = results.values()
    print(f"speed-up, whole reward computation: {reference / batched:.1f}x")
    print(f"speed-up, generation of the completions: {reference_generation / batched_completion:.1f}x")


if __name__ == "__main__":
    main()
