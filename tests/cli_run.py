"""``python -m seqgan`` in the test process, as the tests call it. Shared by the CLI tests."""

from __future__ import annotations

import torch

from seqgan.cli import main


def cli(*argv) -> int:
    """Run the CLI with ``argv`` (anything str() makes an argument of); the torch state it sets (threads,
    global RNG) is restored afterwards, so one test's run cannot change another's numbers."""
    threads, rng = torch.get_num_threads(), torch.get_rng_state()
    try:
        return main([str(a) for a in argv])
    finally:
        torch.set_num_threads(threads)
        torch.set_rng_state(rng)


def cli_ok(*argv) -> None:
    assert cli(*argv) == 0, f"seqgan {' '.join(map(str, argv))} failed"
