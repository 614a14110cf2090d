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
def reference_rewards(generator: Generator, discriminator: Discriminator, samples: torch.Tensor, rollouts: int):
    """One generation per (n, t), torch.multinomial sampling, one discriminator call per batch. (B, T)"""
    batch, length = samples.shape
    discriminator.eval()
    rewards = torch.zeros(batch, length)
    for _ in range(rollouts):
        for t in range(1, length):
            hidden, state = generator.step(samples.new_full((batch,), generator.start_token), None)
            tokens = [samples[:, p] for p in range(t)]
            for p in range(t):
                hidden, state = generator.step(samples[:, p], state)
            for _ in range(t, length):
                probs = torch.softmax(generator.output(hidden), dim=-1)
                token = torch.multinomial(probs, 1).squeeze(1)
                tokens.append(token)
                hidden, state = generator.step(token, state)
            completed = torch.stack(tokens, dim=1)
            rewards[:, t - 1] += torch.softmax(discriminator(completed), dim=1)[:, 1] / rollouts
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
    parser.add_argument("--chunk", type=int, default=256)
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

    results = {
        "reference loop (multinomial, fp32)": timed(
            lambda: reference_rewards(generator, discriminator, samples, args.rollouts), args.repeats
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
    reference, batched = list(results.values())[:2]
    print(f"speed-up of the batched search over the reference loop: {reference / batched:.1f}x")


if __name__ == "__main__":
    main()
