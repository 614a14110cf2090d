"""Benchmark: the units of work of a paper-scale run, at the paper's sizes, through the library calls
the CLI makes (config/config.yaml, synthetic experiment; a random oracle of the released one's shape).

Times (medians of --repeats): one MLE epoch over 10,000 sequences; sampling 10,000 sequences; one
discriminator epoch over 20,000 sequences, with this code and with the previous implementation
(``ReferenceDiscriminator``: plain conv1d with its dense backward, per-tensor Adam) in the same run;
one discriminator round (10,000 fresh negatives + 3 epochs over 20,000); one generator step with 16
Monte Carlo rollouts; one learning-curve point (NLL-oracle of 10,000 samples + NLL-test of 10,000);
and one whole paper-schedule adversarial iteration (1 generator step + 5 rounds; --iteration-repeats).
From those: the hours of one paper-scale SeqGAN seed (120 MLE epochs, 50 pretraining rounds, 200
iterations, a curve point every 5 epochs) on this machine.

GFLOP/s of discriminator training count dense-equivalent work: 3x the forward FLOPs per sequence
(convolutions at every position, the highway, the output layer), whatever the backward skips. The
fp32 peak is cores x clock x FLOPs per cycle: 2 FMA units x 8 (AVX2) or 16 (AVX-512) lanes x 2; the
clock is cpuinfo_max_freq where the kernel exposes it, else /proc/cpuinfo's "cpu MHz".

    python bench/paper_units.py --threads 2 [--repeats 3] [--iteration-repeats 1]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

import torch
import yaml

from seqgan import config
from seqgan import device as devices
from seqgan.metrics.nll import nll_oracle, sequence_nll
from seqgan.models.discriminator import Discriminator, ReferenceDiscriminator
from seqgan.models.generator import Generator
from seqgan.models.oracle import random_oracle
from seqgan.train import discriminator as d_training
from seqgan.train import mle, policy_gradient
from seqgan.train.optim import Adam

ROOT = Path(__file__).resolve().parents[1]


def timed(fn, repeats: int) -> float:
    """Median wall seconds of ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []:
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def peak_gflops(threads: int) -> tuple[float, str]:
    """fp32 peak of ``threads`` cores and how it was computed."""
    lanes = {"AVX512": 16, "AVX2": 8}.get(torch.backends.cpu.get_cpu_capability(), 4)
    max_freq = Path("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq")
    if max_freq.exists():
        ghz, source = int(max_freq.read_text()) / 1e6, "cpuinfo_max_freq"
    else:
        mhz = [
            float(line.split(":")[1]) for line in Path("/proc/cpuinfo").read_text().splitlines() if "cpu MHz" in line
        ]
        ghz, source = (mhz[0] / 1e3 if mhz else float("nan")), "/proc/cpuinfo cpu MHz"
    flops = 2 * lanes * 2
    return threads * ghz * flops, f"{threads} cores x {ghz:.2f} GHz ({source}) x {flops} FLOP/cycle"


def forward_flops(cfg, seq_len: int) -> float:
    """FLOPs of one sequence through the discriminator: the convolutions at every position, highway, output."""
    d = cfg.discriminator
    conv = sum(2 * n * d.emb_dim * k * (seq_len - k + 1) for k, n in zip(d.filter_sizes, d.num_filters))
    features = sum(d.num_filters)
    return conv + 2 * 2 * features * features + 2 * features * 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--iteration-repeats", type=int, default=1)
    parser.add_argument("--precision", default="auto", choices=("auto", "fp32", "bf16"))
    args = parser.parse_args()
    devices.set_threads(args.threads)
    device = devices.resolve("auto")
    resolved = devices.resolve_precision(args.precision, device)
    precision, reason = resolved.value, resolved.reason
    cfg = config.SyntheticConfig.from_dict(yaml.safe_load((ROOT / "config/config.yaml").read_text())["synthetic"])
    o, p, d, a, e = cfg.oracle, cfg.pretrain, cfg.discriminator_training, cfg.adversarial, cfg.eval
    rng = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    oracle = random_oracle(o, rng).to(device)
    train, test = oracle.sample(o.num_train, rng), oracle.sample(o.num_test, rng)
    generator = (
        Generator.from_config(o.vocab_size, o.seq_len, cfg.generator)
        .init_normal(cfg.generator.init_std, rng)
        .to(device)
    )
    g_optimizer = Adam(generator.parameters(), lr=p.lr)

    l2 = cfg.discriminator.l2_reg

    def d_epoch(model_class, optimizer_class):
        torch.manual_seed(0)
        model = model_class.from_config(o.vocab_size, cfg.discriminator).to(device)
        optimizer = optimizer_class(model.parameters(), lr=d.lr)
        negatives = generator.sample(o.num_train, rng)
        return lambda: d_training.fit(model, optimizer, train, negatives, 1, d.batch_size, l2, rng, precision)

    discriminator = Discriminator.from_config(o.vocab_size, cfg.discriminator).to(device)
    d_optimizer = Adam(discriminator.parameters(), lr=d.lr)

    def d_round(epochs: int = d.pretrain_epochs):
        d_training.round_of_training(
            discriminator, d_optimizer, generator, train, d.num_negatives, epochs, d.batch_size, l2, rng, precision
        )

    reward = policy_gradient.discriminator_rewards(discriminator, a.rollouts, rng, a.rollout_chunk, precision)

    def g_step():
        policy_gradient.generator_step(generator, g_optimizer, reward, a.batch_size, a.grad_clip, rng)

    def curve_point():
        nll_oracle(oracle, generator, e.num_samples, rng, e.batch_size)
        sequence_nll(generator, test)

    def iteration():
        for _ in range(a.g_steps):
            g_step()
        for _ in range(a.d_steps):
            d_round(a.k_epochs)

    units = {
        "MLE epoch (10,000 sequences)": lambda: mle.mle_epoch(
            generator, g_optimizer, train, p.batch_size, p.grad_clip, rng
        ),
        "sampling 10,000 sequences": lambda: generator.sample(e.num_samples, rng, e.batch_size),
        "curve point (NLL-oracle 10,000 + NLL-test 10,000)": curve_point,
        "generator step, 16 rollouts": g_step,
    }
    print(f"CPU: {cpu_model()}; torch {torch.__version__}; capability {torch.backends.cpu.get_cpu_capability()}")
    print(f"device {device}, {torch.get_num_threads()} threads, precision {precision} ({reason})")
    seconds = {}
    for name, fn in units.items():
        fn()  # warm-up
        seconds[name] = timed(fn, args.repeats)
        print(f"  {name}: {seconds[name]:.2f} s", flush=True)
    # The two implementations alternate, so that a slower phase of a shared machine hits both alike.
    before, after = d_epoch(ReferenceDiscriminator, torch.optim.Adam), d_epoch(Discriminator, Adam)
    pairs = [(timed(before, 1), timed(after, 1)) for _ in range(args.repeats)]
    seconds["D epoch over 20,000, previous implementation"] = statistics.median(p[0] for p in pairs)
    seconds["D epoch over 20,000"] = statistics.median(p[1] for p in pairs)
    seconds["D round (10,000 negatives + 3 epochs)"] = timed(d_round, args.repeats)
    seconds["adversarial iteration (1 g-step + 5 rounds)"] = timed(iteration, args.iteration_repeats)
    for name in list(seconds)[len(units) :]:
        print(f"  {name}: {seconds[name]:.2f} s", flush=True)

    peak, how = peak_gflops(torch.get_num_threads())
    work = 3 * forward_flops(cfg, o.seq_len) * 2 * o.num_train / 1e9  # GFLOP of one epoch over 20,000
    old, new = seconds["D epoch over 20,000, previous implementation"], seconds["D epoch over 20,000"]
    curve_points = cfg.pretrain.epochs // e.every + 1 + a.iterations // e.every
    hours = (
        cfg.pretrain.epochs * seconds["MLE epoch (10,000 sequences)"]
        + d.pretrain_rounds * seconds["D round (10,000 negatives + 3 epochs)"]
        + a.iterations * seconds["adversarial iteration (1 g-step + 5 rounds)"]
        + curve_points * seconds["curve point (NLL-oracle 10,000 + NLL-test 10,000)"]
    ) / 3600
    print(f"\n| unit (paper sizes, {torch.get_num_threads()} threads, {precision}) | seconds |\n|---|---:|")
    for name, value in seconds.items():
        print(f"| {name} | {value:.2f} |")
    print(f"\nD training: {work / new:.0f} GFLOP/s ({work / old:.0f} before; {new and old / new:.2f}x faster)")
    print(f"fp32 peak {peak:.0f} GFLOP/s = {how}: {work / new / peak:.0%} of peak ({work / old / peak:.0%} before)")
    print(f"paper-scale SeqGAN seed (pretraining included): {hours:.1f} h")


if __name__ == "__main__":
    main()
