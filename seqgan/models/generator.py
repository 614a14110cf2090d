"""The LSTM generator G_theta. The oracle has the same form, so it is a Generator too."""

from __future__ import annotations

import math

import torch
from torch import nn

from seqgan.sampling import inverse_cdf

State = tuple[torch.Tensor, torch.Tensor]  # (h, c), each (1, B, H) as nn.LSTM wants them


def tempered(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """``logits / temperature``; at temperature 1 the logits themselves (the sampler unchanged bit for bit)."""
    if isinstance(temperature, bool) or not (
        isinstance(temperature, (int, float)) and math.isfinite(temperature) and temperature > 0
    ):
        raise ValueError(f"temperature: expected a finite number > 0, got {temperature!r}")
    return logits if temperature == 1 else logits / temperature


class Generator(nn.Module):
    """Embedding -> one-layer LSTM -> linear output over the vocabulary.

    Every sequence starts by feeding ``start_token`` (0, as in the original code); the start token
    is an input only and is not part of the returned sequences.
    """

    def __init__(self, vocab_size: int, emb_dim: int, hidden_dim: int, seq_len: int, start_token: int = 0):
        super().__init__()
        self.vocab_size, self.seq_len, self.start_token = vocab_size, seq_len, start_token
        self.embedding = nn.Embedding(vocab_size, emb_dim)
        self.lstm = nn.LSTM(emb_dim, hidden_dim, batch_first=True)
        # The original LSTM has one gate bias; nn.LSTM adds b_ih and b_hh. Trained together they move the
        # effective bias b_ih + b_hh twice as far per Adam step, so b_hh stays zero and out of training.
        # (Zeroing consumes no random numbers: the construction order of seeded models is unchanged.)
        with torch.no_grad():
            self.lstm.bias_hh_l0.zero_()
        self.lstm.bias_hh_l0.requires_grad_(False)
        self.output = nn.Linear(hidden_dim, vocab_size)

    @classmethod
    def from_config(cls, vocab_size: int, seq_len: int, cfg) -> Generator:
        return cls(vocab_size, cfg.emb_dim, cfg.hidden_dim, seq_len)

    def init_normal(self, std: float, rng: torch.Generator) -> Generator:
        """Every parameter ~ N(0, std) (original code: 0.1 for G, 1.0 for the oracle).

        The frozen second bias b_hh is drawn too (the random stream stays as it was) and zeroed, so the
        effective gate bias has std ``std``, not sqrt(2) * std."""
        with torch.no_grad():
            for p in self.parameters():
                p.copy_(torch.randn(p.shape, generator=rng) * std)
            self.lstm.bias_hh_l0.zero_()
        return self

    def uniform_(self) -> Generator:
        """Zero the output layer: every token equally likely at every step (the uniform-tokens Random baseline)."""
        with torch.no_grad():
            self.output.weight.zero_()
            self.output.bias.zero_()
        return self

    @property
    def device(self) -> torch.device:
        return self.output.weight.device

    def teacher_inputs(self, tokens: torch.Tensor) -> torch.Tensor:
        """What teacher forcing feeds: the start token, then tokens[:, :-1]. (B, T)"""
        start = tokens.new_full((tokens.shape[0], 1), self.start_token)
        return torch.cat([start, tokens[:, :-1]], dim=1)  # (B, T)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """Teacher-forced logits: position t predicts tokens[:, t] from tokens[:, :t]. (B, T, V)"""
        return self.predict(self.teacher_inputs(tokens))

    def predict(self, inputs: torch.Tensor) -> torch.Tensor:
        """Logits after feeding ``inputs`` (B, T), whose first column is the start token. (B, T, V)"""
        hidden, _ = self.lstm(self.embedding(inputs))  # (B, T, H)
        return self.output(hidden)

    def log_probs(self, tokens: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
        """log p(y_t | y_<t) of every token, under the softmax of logits / ``temperature``. (B, T)"""
        logp = torch.log_softmax(tempered(self(tokens), temperature), dim=-1)  # (B, T, V)
        return logp.gather(2, tokens.unsqueeze(2)).squeeze(2)

    def step(self, tokens: torch.Tensor, state: State | None) -> tuple[torch.Tensor, State]:
        """Feed one token per row; return the new hidden output (B, H) and state."""
        out, state = self.lstm(self.embedding(tokens).unsqueeze(1), state)  # (B, 1, H)
        return out.squeeze(1), state

    def prefix_states(self, tokens: torch.Tensor) -> State:
        """LSTM (h, c) after reading the start token and tokens[:, :t], for t = 0 .. T-1. Each (T, B, H)."""
        inputs = self.embedding(self.teacher_inputs(tokens))  # (B, T, E)
        state, hs, cs = None, [], []
        for t in range(tokens.shape[1]):  # nn.LSTM returns every h but only the last c
            _, state = self.lstm(inputs[:, t : t + 1], state)
            hs.append(state[0][0])
            cs.append(state[1][0])
        return torch.stack(hs), torch.stack(cs)

    @torch.no_grad()
    def sample(self, num: int, rng: torch.Generator, batch_size: int = 256, temperature: float = 1.0) -> torch.Tensor:
        """``num`` sequences of length seq_len, drawn with uniforms from ``rng`` (a CPU generator). (num, T)

        ``temperature``: sample from softmax(logits / temperature); below 1 sharper (less diverse), above 1
        flatter. The same uniforms are used whatever the temperature. 256 rows per batch keep the (B, V) softmax and CDF in CPU caches: 3.7x faster than 1,024."""
        chunks = []
        for first in range(0, num, batch_size):
            rows = min(batch_size, num - first)
            uniforms = torch.rand((rows, self.seq_len), generator=rng).to(self.device)  # (B, T)
            tokens = torch.empty((rows, self.seq_len), dtype=torch.long, device=self.device)
            token, state = tokens.new_full((rows,), self.start_token), None
            for t in range(self.seq_len):
                hidden, state = self.step(token, state)
                token = inverse_cdf(tempered(self.output(hidden), temperature), uniforms[:, t])
                tokens[:, t] = token
            chunks.append(tokens)
        return torch.cat(chunks).cpu()
