"""The CNN discriminator D_phi of the paper (Kim-style text CNN with a highway layer)."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from seqgan.models.max_over_time import pooled_features, pooled_features_reference


class Highway(nn.Module):
    """z = t * relu(W_h y) + (1 - t) * y with gate t = sigmoid(W_t y + b); b starts at 0 (original code)."""

    def __init__(self, size: int):
        super().__init__()
        self.transform = nn.Linear(size, size)
        self.gate = nn.Linear(size, size)
        for layer in (self.transform, self.gate):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate = torch.sigmoid(self.gate(x))
        return gate * F.relu(self.transform(x)) + (1.0 - gate) * x


class Discriminator(nn.Module):
    """Embedding -> parallel conv1d (one per filter width) -> ReLU -> max over time -> highway ->
    dropout -> 2-way linear. Class 1 means "real"; the reward is P(real).

    The filter bank runs through ``max_over_time.pooled_features`` (im2col GEMMs, argmax-only
    backward); ``ReferenceDiscriminator`` is the same model through plain ``conv1d``."""

    pool = staticmethod(pooled_features)

    def __init__(self, vocab_size: int, emb_dim: int, filter_sizes, num_filters, dropout: float):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, emb_dim)
        self.convs = nn.ModuleList(nn.Conv1d(emb_dim, n, k) for k, n in zip(filter_sizes, num_filters))
        features = sum(num_filters)
        self.highway = Highway(features)
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(features, 2)
        # Initialisation of the original code: U(-1, 1) embeddings, N(0, 0.1) truncated weights, 0.1 biases.
        nn.init.uniform_(self.embedding.weight, -1.0, 1.0)
        for layer in [*self.convs, self.output]:
            nn.init.trunc_normal_(layer.weight, std=0.1, a=-0.2, b=0.2)
            nn.init.constant_(layer.bias, 0.1)

    @classmethod
    def from_config(cls, vocab_size: int, cfg) -> Discriminator:
        return cls(vocab_size, cfg.emb_dim, cfg.filter_sizes, cfg.num_filters, cfg.dropout)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """Class logits (B, 2) for token sequences (B, T)."""
        x = self.embedding(tokens)  # (B, T, E)
        pooled = self.pool(x, [c.weight for c in self.convs], [c.bias for c in self.convs])  # (B, sum n_k)
        features = self.highway(pooled)  # (B, sum n_k)
        return self.output(self.dropout(features))  # (B, 2)

    def l2_penalty(self) -> torch.Tensor:
        """TF's l2_loss (sum of squares / 2) of the output layer, the only regularised one."""
        return 0.5 * (self.output.weight.square().sum() + self.output.bias.square().sum())

    @torch.no_grad()
    def prob_real(self, tokens: torch.Tensor, chunk: int = 4096) -> torch.Tensor:
        """P(real) per sequence in evaluation mode (no dropout), in chunks of rows. (B,)"""
        was_training = self.training
        self.eval()
        probs = torch.cat([torch.softmax(self(part).float(), dim=1)[:, 1] for part in tokens.split(chunk)])
        self.train(was_training)
        return probs


class ReferenceDiscriminator(Discriminator):
    """The plain implementation: oneDNN/cuDNN ``conv1d`` with autograd's dense backward. Tests and
    bench/paper_units.py compare the fast path with it (same parameters, same state dict)."""

    pool = staticmethod(pooled_features_reference)
