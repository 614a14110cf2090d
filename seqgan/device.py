"""The one place that decides where tensors live, how many CPU threads torch may use, and in which
precision the discriminator runs."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
from typing import NamedTuple

import torch


def resolve(name: str = "auto") -> torch.device:
    """``auto`` picks CUDA when present, else CPU; ``cuda`` without a GPU is an error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda was requested but no CUDA device is available")
    if name not in ("cpu", "cuda"):
        raise ValueError(f"--device: expected auto, cpu or cuda, got {name!r}")
    return torch.device(name)


def set_threads(threads: int) -> None:
    """torch's CPU threads for this process (a rule's ``threads``), with large buffers kept in the heap."""
    torch.set_num_threads(max(1, threads))
    keep_large_buffers()


# glibc's mallopt parameters, and the values set: 32 MB holds the largest per-batch tensors at the paper's
# sizes (MLE's (64, 20, 5000) logits and their gradient, 25.6 MB each); trimming only past 1 GB of free heap
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
MMAP_THRESHOLD, TRIM_THRESHOLD = 32 << 20, 1 << 30


def keep_large_buffers() -> bool:
    """Keep freed buffers up to 32 MB in the heap instead of returning them to the kernel (glibc's mallopt).

    By default glibc serves large blocks with mmap and unmaps them on free, so the next tensor of that
    size page-faults all its memory in again: the (256, 5,000) logits of every sampling step, the
    discriminator's im2col windows and GEMM outputs. On our VMs that made sampling 10,000 sequences
    ~3x slower (8-9 s instead of 2.6-3.4 s, bench/paper_units.py). Returns whether glibc took it
    (False elsewhere, e.g. macOS, where nothing changes)."""
    path = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(path)
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) and libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    except (OSError, AttributeError, TypeError):  # no C library by that name, or no mallopt in it
        return False


class Precision(NamedTuple):
    """The discriminator's precision as resolved for this device: the value, a warning or None, and why."""

    value: str  # fp32 or bf16
    warning: str | None
    reason: str


def native_bf16(device: torch.device) -> bool:
    """Whether ``device`` computes bf16 natively. Without it bf16 autocast is emulated and far slower than
    fp32 (the discriminator ~14x on AVX2-only CPUs), so ``precision: auto`` must not pick it. CPU: the
    AVX512-BF16 or AMX instructions (oneDNN's own check also says yes on plain AVX-512, where it emulates);
    CUDA: compute capability 8+ (Ampere), emulation not counted."""
    try:
        if device.type == "cpu":
            return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
        if device.type == "cuda":
            try:
                return bool(torch.cuda.is_bf16_supported(including_emulation=False))
            except TypeError:  # torch < 2.4 has no such argument, and counts no emulation
                return bool(torch.cuda.is_bf16_supported())
    except (AttributeError, RuntimeError):  # a private op that this torch build lacks
        return False
    return False


def choose_precision(requested: str, native: bool, device_type: str) -> Precision:
    """``auto``: bf16 exactly where the device has native bf16, else fp32. ``fp32`` and ``bf16`` are taken as
    given, but bf16 without native support comes with a warning: it works, only much slower."""
    hardware = "this CPU" if device_type == "cpu" else f"this {device_type.upper()} device"
    support = "native bf16 (AVX512-BF16 or AMX)" if device_type == "cpu" else "native bf16"
    if requested == "auto":
        if native:
            return Precision("bf16", None, f"{hardware} has {support}")
        return Precision("fp32", None, f"{hardware} has no {support}")
    if requested == "fp32":
        return Precision("fp32", None, "as configured")
    if requested == "bf16":
        if native:
            return Precision("bf16", None, f"as configured; {hardware} has {support}")
        warning = (
            f"precision bf16: {hardware} has no {support}, so bf16 autocast is emulated and much slower than fp32"
            " (~14x for the discriminator on AVX2 CPUs); set precision: auto or fp32"
        )
        return Precision("bf16", warning, f"as configured; {hardware} has no {support}")
    raise ValueError(f"precision: expected auto, fp32 or bf16, got {requested!r}")


def resolve_precision(requested: str, device: torch.device) -> Precision:
    """The discriminator's precision on ``device``: probe it, then decide (choose_precision)."""
    return choose_precision(requested, native_bf16(device), device.type)


def precision_line(requested: str, precision: Precision) -> str:
    """The log line of a job's resolved precision, for a person reading the log (the report reads the job's record)."""
    return f"precision={precision.value} (requested {requested}: {precision.reason})"


def autocast(device: torch.device, precision: str):
    """bf16 autocast when asked for (native on CPUs with AVX512-BF16/AMX and on recent GPUs); a no-op for fp32."""
    if precision == "bf16":
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def global_rng_state() -> dict:
    """torch's global RNG states (parameter init, dropout): the CPU one, and CUDA's when present."""
    state = {"cpu": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_global_rng_state(state: dict) -> None:
    torch.set_rng_state(state["cpu"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
