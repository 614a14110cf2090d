"""Model files: weights plus the shape needed to rebuild the module, loaded without unpickling code."""

from __future__ import annotations

from pathlib import Path

import torch

from seqgan.atomic import load_torch, save_torch
from seqgan.models.discriminator import Discriminator
from seqgan.models.generator import Generator


def save_generator(
    generator: Generator, path: str | Path, epoch: int, optimizer: torch.optim.Optimizer | None = None
) -> None:
    """Weights, shape and epochs trained; with ``optimizer``, its state too, so MLE can continue exactly."""
    shape = {
        "vocab_size": generator.vocab_size,
        "emb_dim": generator.embedding.embedding_dim,
        "hidden_dim": generator.lstm.hidden_size,
        "seq_len": generator.seq_len,
    }
    saved = {"kind": "generator", "shape": shape, "epoch": epoch, "state_dict": generator.state_dict()}
    if optimizer is not None:
        saved["optimizer"] = optimizer.state_dict()
    save_torch(saved, path)


def load_generator(path: str | Path, device: torch.device | str = "cpu") -> tuple[Generator, int]:
    """The generator stored at ``path`` and the number of epochs it was trained for."""
    saved = _load(path, "generator")
    generator = Generator(**saved["shape"])
    generator.load_state_dict(saved["state_dict"])
    return generator.to(device), saved["epoch"]


def load_generator_optimizer_state(path: str | Path) -> dict | None:
    """The MLE optimizer state saved with the generator at ``path``, if any."""
    return _load(path, "generator").get("optimizer")


def save_discriminator(discriminator: Discriminator, optimizer: torch.optim.Optimizer, path: str | Path) -> None:
    """Weights and the Adam state: the original code keeps one discriminator optimizer throughout."""
    shape = {
        "vocab_size": discriminator.embedding.num_embeddings,
        "emb_dim": discriminator.embedding.embedding_dim,
        "filter_sizes": [conv.kernel_size[0] for conv in discriminator.convs],
        "num_filters": [conv.out_channels for conv in discriminator.convs],
        "dropout": discriminator.dropout.p,
    }
    state = {"kind": "discriminator", "shape": shape, "state_dict": discriminator.state_dict()}
    save_torch({**state, "optimizer": optimizer.state_dict()}, path)


def load_discriminator(path: str | Path, device: torch.device | str = "cpu") -> tuple[Discriminator, dict]:
    """The discriminator stored at ``path`` and its optimizer state."""
    saved = _load(path, "discriminator")
    discriminator = Discriminator(**saved["shape"])
    discriminator.load_state_dict(saved["state_dict"])
    return discriminator.to(device), saved["optimizer"]


def _load(path: str | Path, kind: str) -> dict:
    saved = load_torch(path)
    if not isinstance(saved, dict) or saved.get("kind") != kind:
        raise ValueError(f"{path}: not a saved {kind}")
    return saved
