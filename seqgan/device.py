"""The one place that decides where tensors live and how many CPU threads torch may use."""

from __future__ import annotations

import contextlib

import torch


def resolve(name: str = "auto") -> torch.device:
    """``auto`` picks CUDA when present, else CPU; ``cuda`` without a GPU is an error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("--device cuda was requested but no CUDA device is available")
    if name not in ("cpu", "cuda"):
        raise ValueError(f"--device: expected auto, cpu or cuda, got {name!r}")
    return torch.device(name)


def set_threads(threads: int) -> None:
    torch.set_num_threads(max(1, threads))


def autocast(device: torch.device, precision: str):
    """bf16 autocast when asked for (CPU with AMX, recent GPUs); a no-op context for fp32."""
    if precision == "bf16":
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()
