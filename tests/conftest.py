"""Shared fixtures: the corpora mirror, the released oracle (through the real download code path), and
a tiny synthetic config for end-to-end CLI runs.

Test data are made by the tests themselves; the only external file is the released oracle, read from the
shared corpora mirror (``../shared/corpora`` beside the repository, or ``$SEQGAN_MIRROR``).
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest
import torch

from seqgan.data.download import fetch
from seqgan.models.oracle import RELEASED_NAME, released_oracle

REPO = Path(__file__).resolve().parents[1]

# The structure of config/config.yaml's `synthetic` section, shrunk to run in well under a second.
TINY_SYNTHETIC = {
    "oracle": {
        "source": "random",
        "vocab_size": 30,
        "emb_dim": 8,
        "hidden_dim": 8,
        "seq_len": 6,
        "init_std": 1.0,
        "seed": 0,
        "num_train": 128,
        "num_test": 64,
    },
    "generator": {"emb_dim": 8, "hidden_dim": 8, "init_std": 0.1},
    "discriminator": {
        "emb_dim": 8,
        "filter_sizes": [2, 3],
        "num_filters": [4, 4],
        "dropout": 0.25,
        "l2_reg": 0.2,
    },
    "pretrain": {"epochs": 4, "batch_size": 16, "lr": 0.01, "grad_clip": 5.0},
    "discriminator_training": {
        "pretrain_rounds": 2,
        "pretrain_epochs": 1,
        "num_negatives": 64,
        "batch_size": 16,
        "lr": 0.0001,
    },
    "adversarial": {
        "iterations": 3,
        "g_steps": 1,
        "d_steps": 1,
        "k_epochs": 1,
        "rollouts": 2,
        "batch_size": 16,
        "lr": 0.01,
        "grad_clip": 5.0,
        "rollout_chunk": 64,
    },
    "eval": {"num_samples": 64, "every": 1, "batch_size": 64},
    "precision": "fp32",
    "checkpoint_every": 1,
    "methods": ["random", "mle", "scheduled_sampling", "pg_bleu", "seqgan", "constant_reward"],
    "random": ["untrained_generator", "uniform_tokens"],
    "scheduled_sampling": {"schedule": "linear", "start": 1.0, "decay": 0.25, "floor": 0.0},
    "pg_bleu": {"max_n": 3, "smoothing": "method1"},
    "strategies": [{"name": "a", "g_steps": 2, "d_steps": 1, "k_epochs": 2, "iterations": 2}],
}


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread():
    """One intra-op thread, as the CLI's default --threads 1: the tests' tensors are tiny, and on a shared
    2-core machine a second thread makes them an order of magnitude slower, not faster."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def make_config():
    """Factory of fresh, mutable copies of the tiny synthetic config (the JSON the workflow hands the CLI)."""
    return lambda: copy.deepcopy(TINY_SYNTHETIC)


@pytest.fixture
def tiny_config(make_config) -> dict:
    return make_config()


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The shared corpora mirror: ``$SEQGAN_MIRROR``, else ``../shared/corpora`` beside the repository."""
    override = os.environ.get("SEQGAN_MIRROR")
    path = Path(override) if override else Path(__file__).parents[1] / ".." / "shared" / "corpora"
    if not path.is_dir():
        pytest.skip(f"corpora mirror not found at {path}: set SEQGAN_MIRROR to a directory holding {RELEASED_NAME}")
    return path


@pytest.fixture(scope="session")
def released_pickle(mirror, tmp_path_factory) -> Path:
    """The released oracle's pickle, fetched from the mirror and checked against its pinned sha256."""
    return fetch(RELEASED_NAME, tmp_path_factory.mktemp("downloads") / "target_params_py3.pkl", mirror=mirror)


@pytest.fixture(scope="session")
def released(released_pickle):
    """The authors' oracle (vocab 5000, emb/hidden 32) as a Generator, sequence length 20."""
    return released_oracle(released_pickle, 20)
