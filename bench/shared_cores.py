"""Benchmark: one MLE epoch at the paper's sizes, alone and beside a busy process, under OpenMP wait
policies: libgomp's default (spin ~300,000 times, then sleep), OMP_WAIT_POLICY=PASSIVE (sleep at
once), and shorter spins (GOMP_SPINCOUNT). ``python -m seqgan`` sets the one that measured best.

Each measurement is a fresh process (libgomp reads the policy once, at start-up) timing one epoch
over 10,000 random sequences (V=5,000, T=20, the paper's generator) with --threads threads; "busy"
runs a single-threaded busy loop beside it for the whole epoch. Run by hand:

    python bench/shared_cores.py --threads 2
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys

EPOCH = """
import time, torch
from seqgan import device
from seqgan.models.generator import Generator
from seqgan.train import mle
from seqgan.train.optim import Adam
device.set_threads({threads})
rng = torch.Generator().manual_seed(0)
generator = Generator(5000, 32, 32, 20).init_normal(0.1, rng)
data = torch.randint(0, 5000, ({sequences}, 20), generator=rng)
optimizer = Adam(generator.parameters(), lr=0.01)
mle.mle_epoch(generator, optimizer, data[:640], 64, 5.0, rng)  # warm-up
start = time.perf_counter()
mle.mle_epoch(generator, optimizer, data, 64, 5.0, rng)
print(time.perf_counter() - start)
"""


POLICIES = {
    "unset (libgomp default)": {},
    "OMP_WAIT_POLICY=PASSIVE": {"OMP_WAIT_POLICY": "PASSIVE"},
    "GOMP_SPINCOUNT=30000": {"GOMP_SPINCOUNT": "30000"},
    "GOMP_SPINCOUNT=3000": {"GOMP_SPINCOUNT": "3000"},
}


def epoch_seconds(threads: int, sequences: int, policy: dict, busy: bool) -> float:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")} | policy
    neighbour = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
    try:
        code = EPOCH.format(threads=threads, sequences=sequences)
        out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    finally:
        if neighbour:
            neighbour.kill()
            neighbour.wait()
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--sequences", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=2, help="runs per cell, alternating policies; the median")
    args = parser.parse_args()
    runs = {(name, busy): [] for name in POLICIES for busy in (False, True)}
    for _ in range(args.repeats):
        for (name, busy), times in runs.items():
            times.append(epoch_seconds(args.threads, args.sequences, POLICIES[name], busy))
    print("| wait policy | alone (s) | beside a busy process (s) |\n|---|---:|---:|")
    for name in POLICIES:
        alone, shared = (statistics.median(runs[name, busy]) for busy in (False, True))
        print(f"| {name} | {alone:.1f} | {shared:.1f} |")


if __name__ == "__main__":
    main()
