"""Token sequences on disk: a (N, T) tensor of ids per file (oracle samples, corpus splits, scored samples)."""

from __future__ import annotations

from pathlib import Path

import torch

from seqgan.atomic import load_torch, save_torch


def save_tokens(tokens: torch.Tensor, path: str | Path) -> None:
    save_torch(tokens.to(torch.long).contiguous(), path)


def load_tokens(path: str | Path, vocab_size: int, seq_len: int) -> torch.Tensor:
    """A (N, seq_len) tensor of token ids in [0, vocab_size), or an error naming the file and the mismatch."""
    tokens = load_torch(path)
    if not isinstance(tokens, torch.Tensor) or tokens.dtype != torch.long or tokens.dim() != 2:
        raise ValueError(f"{path}: expected a 2-D tensor of token ids")
    if tokens.shape[1] != seq_len or len(tokens) == 0:
        raise ValueError(f"{path}: expected sequences of length {seq_len}, got shape {tuple(tokens.shape)}")
    if tokens.min() < 0 or tokens.max() >= vocab_size:
        raise ValueError(f"{path}: token ids must lie in [0, {vocab_size})")
    return tokens
