"""Shared fixtures: the corpora mirror, the released oracle (through the real download code path), and
a tiny synthetic config for end-to-end CLI runs.

Test data are made by the tests themselves; the only external files are the released oracle and the real
corpora, read from the shared corpora mirror (``../shared/corpora`` beside the repository, or
``$SEQGAN_MIRROR``).

What a test needs from outside the repository (the mirror, Chromium) is skipped when missing on a
developer's machine and fails when missing in CI: CI is recognised by the environment variable ``CI``
(set to ``true`` by ``.ci/run``, as by most CI services); unset, empty, ``0`` or ``false`` means not CI.
"""

from __future__ import annotations

import copy
import os
import shutil
import typing
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
    "scheduled_sampling": {
        "schedule": "linear",
        "start": 1.0,
        "decay": 0.25,
        "floor": 0.0,
        "init": "pretrained",
        "epochs": None,
    },
    "pg_bleu": {"max_n": 3, "smoothing": "method1", "rollouts": None, "reference_fraction": 1.0},
    "quality_diversity": {"temperatures": [0.8, 1.0, 1.25]},
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


def in_ci() -> bool:
    """Whether the tests run in CI (``$CI`` set, and neither ``0`` nor ``false``)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false")


def unavailable(reason: str) -> typing.NoReturn:
    """Stop a test that lacks something from outside the repository: a skip locally, a failure in CI."""
    if in_ci():
        pytest.fail(f"{reason} (CI is set: a missing requirement fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The shared corpora mirror: ``$SEQGAN_MIRROR``, else ``../shared/corpora`` beside the repository.

    Missing, every test that uses it is skipped, or fails when ``$CI`` is set (``.ci/run`` sets
    ``CI=true``): CI must never pass by skipping the real-data tests. A test that uses this fixture and
    skips for any other reason (a file missing from the mirror) fails in CI too, through
    ``pytest_runtest_makereport`` below.
    """
    override = os.environ.get("SEQGAN_MIRROR")
    path = Path(override) if override else Path(__file__).parents[1] / ".." / "shared" / "corpora"
    if not path.is_dir():
        unavailable(f"corpora mirror not found at {path}: set SEQGAN_MIRROR to a directory holding {RELEASED_NAME}")
    return path


@pytest.fixture(scope="session")
def chromium() -> str:
    """Chromium's executable, for opening report pages headless (``.ci/check_page_in_chromium.py``).

    Missing, the test is skipped, or fails when ``$CI`` is set (``.ci/run`` installs Debian's chromium
    before the tests).
    """
    path = shutil.which("chromium")
    if path is None:
        unavailable("needs Chromium on PATH (Debian: apt-get install chromium)")
    return path


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI, a skip of a test that uses the mirror is a failure (e.g. a file the test needs is not in it)."""
    report = yield
    if report.skipped and in_ci() and "mirror" in getattr(item, "fixturenames", ()):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.longrepr = f"skipped in CI, which needs the corpora mirror complete: {reason}"
    return report


@pytest.fixture(scope="session")
def released_pickle(mirror, tmp_path_factory) -> Path:
    """The released oracle's pickle, fetched from the mirror and checked against its pinned sha256."""
    return fetch(RELEASED_NAME, tmp_path_factory.mktemp("downloads") / "target_params_py3.pkl", mirror=mirror)


@pytest.fixture(scope="session")
def released(released_pickle):
    """The authors' oracle (vocab 5000, emb/hidden 32) as a Generator, sequence length 20."""
    return released_oracle(released_pickle, 20)
