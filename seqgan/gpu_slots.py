"""Give a job its own GPU on a local multi-GPU machine, then exec it (Snakemake hands out no GPU ids):
``python -m seqgan.gpu_slots --gpus 0,1 --per-gpu 2 --lock-dir DIR -- CMD [ARGS...]``.

A slot is an exclusive ``flock`` on ``DIR/gpu{ID}.slot{K}.lock`` through a descriptor that CMD inherits: the kernel
releases it when CMD (and any child holding the descriptor) exits or is killed; nothing to clean up or go stale.
"""

import argparse
import fcntl
import itertools
import os
import re
import sys
import time
from pathlib import Path


def log(message: str) -> None:
    print(f"gpu slot: {message}", file=sys.stderr, flush=True)  # flushed: exec discards Python's buffers


def parse_gpus(text: str) -> list[int]:
    """``"0,1"`` -> ``[0, 1]``; a ValueError naming --gpus for anything but distinct non-negative integers."""
    parts = [p.strip() for p in text.split(",")]
    if not all(re.fullmatch("[0-9]+", p) for p in parts) or len({int(p) for p in parts}) < len(parts):
        raise ValueError(f"argument --gpus: expected a comma list of distinct non-negative integers, got {text!r}")
    return [int(p) for p in parts]


def slot_order(lock_dir: Path, gpus: list[int], per_gpu: int) -> list[tuple[int, int, Path]]:
    """(GPU id, slot, lock path), every GPU's slot 0 before any slot 1, so that load spreads over the GPUs."""
    return [(gpu, k, lock_dir / f"gpu{gpu}.slot{k}.lock") for k in range(per_gpu) for gpu in gpus]


def take_slot(lock_dir: Path, gpus: list[int], per_gpu: int) -> tuple[int, int, Path]:
    """Lock the first free slot, waiting while all are taken, with a descriptor that exec keeps open."""
    lock_dir.mkdir(parents=True, exist_ok=True)
    for attempt in itertools.count():
        for gpu, k, path in slot_order(lock_dir, gpus, per_gpu):
            # Read-only: flock needs no write access, so a lock file another user created still works.
            fd = os.open(path, os.O_RDONLY | os.O_CREAT, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                os.set_inheritable(fd, True)  # Python opens with O_CLOEXEC: exec would otherwise drop the lock
                return gpu, k, path
            except BlockingIOError:
                os.close(fd)
        if attempt == 0:  # Snakemake's `gpu` resource prevents this; a second workflow on the machine may not
            log(f"all {len(gpus) * per_gpu} slots in {lock_dir} are taken; waiting")
        time.sleep(0.2)  # polled: a blocking flock would wait on one slot while another frees first


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, not argparse's usage + message
        log(message)
        self.exit(2)


def main(argv: list[str]) -> None:
    parser = _Parser(usage="python -m seqgan.gpu_slots --gpus 0,1 [--per-gpu N] --lock-dir DIR -- CMD [ARGS...]")
    parser.add_argument("--gpus", required=True, help="GPU ids to share out, e.g. 0,1")
    parser.add_argument("--per-gpu", type=int, default=1, help="jobs per GPU at once (default 1)")
    parser.add_argument("--lock-dir", type=Path, required=True, help="the slots' locks; one per machine, not per run")
    split = argv.index("--") if "--" in argv else len(argv)
    args, cmd = parser.parse_args(argv[:split]), argv[split + 1 :]
    if not cmd:
        parser.error("no CMD: expected `-- CMD [ARGS...]` after the options")
    try:
        gpus = parse_gpus(args.gpus)
    except ValueError as err:
        parser.error(str(err))
    if args.per_gpu < 1:
        parser.error(f"argument --per-gpu: expected an integer >= 1, got {args.per_gpu}")

    # SLURM has confined the job to its GPUs already; local locks would only fight it. A CUDA_VISIBLE_DEVICES
    # the workflow was started with is overridden: --gpus names the physical ids the planner read from it
    # (seqgan/resources.py), and each job must see one of them, not all.
    if os.environ.get("SLURM_JOB_ID"):  # an empty one names no job
        log("SLURM_JOB_ID is set, SLURM assigns the GPUs; running CMD unchanged")
    else:
        try:
            gpu, k, path = take_slot(args.lock_dir, gpus, args.per_gpu)
        except OSError as err:
            parser.error(f"argument --lock-dir: cannot lock a slot in {args.lock_dir} ({err.strerror or err})")
        os.environ["CUDA_VISIBLE_DEVICES"] = str(gpu)  # the job sees its GPU as cuda:0
        log(f"job gets GPU {gpu} (slot {k} of {args.per_gpu}), lock {path}")
    try:
        os.execvp(cmd[0], cmd)
    except OSError as err:  # the shell's codes: 127 not found, 126 found but not runnable
        log(f"cannot run {cmd[0]!r} ({err.strerror or err})")
        sys.exit(127 if isinstance(err, FileNotFoundError) else 126)


if __name__ == "__main__":
    main(sys.argv[1:])
