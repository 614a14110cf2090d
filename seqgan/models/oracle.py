"""The oracle G_oracle: the released SeqGAN parameters, or a seeded random LSTM of any size.

Both are returned as a :class:`Generator`, since the oracle has exactly the generator's form.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import torch

from seqgan.data.download import verify
from seqgan.models.generator import Generator

RELEASED_NAME = "seqgan_oracle/target_params_py3.pkl"
# Order of the 15 arrays in the released list (names as in the original target_lstm.py).
RELEASED_ORDER = ("emb", "Wi", "Ui", "bi", "Wf", "Uf", "bf", "Wog", "Uog", "bog", "Wc", "Uc", "bc", "Wo", "bo")


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Admits numpy arrays and dtypes and nothing else: a pickle cannot run arbitrary code here."""

    ALLOWED = frozenset(
        {
            ("numpy.core.multiarray", "_reconstruct"),
            ("numpy._core.multiarray", "_reconstruct"),
            ("numpy", "ndarray"),
            ("numpy", "dtype"),
        }
    )

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to unpickle {module}.{name}: only numpy arrays are allowed")
        return super().find_class(module, name)


def read_released_params(path: str | Path) -> dict[str, np.ndarray]:
    """The released arrays by name, after checking the file's sha256 against the pinned value."""
    verify(path, RELEASED_NAME)
    with open(path, "rb") as f:
        arrays = _NumpyOnlyUnpickler(f).load()
    if not isinstance(arrays, list) or len(arrays) != len(RELEASED_ORDER):
        raise ValueError(f"{path}: expected a list of {len(RELEASED_ORDER)} arrays")
    return dict(zip(RELEASED_ORDER, arrays))


def released_oracle(path: str | Path, seq_len: int) -> Generator:
    """The authors' oracle. Their recurrence is row-vector (x·W + h·U + b); nn.LSTM computes W x + U h
    with gates stacked as (input, forget, cell, output), so every matrix is transposed and stacked."""
    p = {k: torch.from_numpy(np.asarray(v, dtype=np.float32)) for k, v in read_released_params(path).items()}
    vocab, emb = p["emb"].shape
    hidden = p["Ui"].shape[0]
    oracle = Generator(vocab, emb, hidden, seq_len)
    gates = (("Wi", "Ui", "bi"), ("Wf", "Uf", "bf"), ("Wc", "Uc", "bc"), ("Wog", "Uog", "bog"))
    with torch.no_grad():
        oracle.embedding.weight.copy_(p["emb"])
        oracle.lstm.weight_ih_l0.copy_(torch.cat([p[w].T for w, _, _ in gates]))
        oracle.lstm.weight_hh_l0.copy_(torch.cat([p[u].T for _, u, _ in gates]))
        oracle.lstm.bias_ih_l0.copy_(torch.cat([p[b] for _, _, b in gates]))
        oracle.lstm.bias_hh_l0.zero_()
        oracle.output.weight.copy_(p["Wo"].T)
        oracle.output.bias.copy_(p["bo"])
    return oracle.eval()


def random_oracle(cfg, rng: torch.Generator) -> Generator:
    """A fresh LSTM with every parameter ~ N(0, cfg.init_std) (the paper's recipe), of any size."""
    oracle = Generator(cfg.vocab_size, cfg.emb_dim, cfg.hidden_dim, cfg.seq_len)
    return oracle.init_normal(cfg.init_std, rng).eval()
