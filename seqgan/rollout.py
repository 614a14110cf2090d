"""Monte Carlo search rewards (paper Eq. 4-5).

For a batch of sampled sequences Y (B, T), the reward of prefix Y_1..t (t < T) is the mean
discriminator P(real) over N completions of that prefix sampled from the generator; the reward of
the full sequence is D(Y) itself.

The fast path reads the batch once to get the LSTM state after every prefix, then completes all
N x (T-1) prefixes in a single unroll. Rows are ordered by prefix length, so rows still generating
at any step form a leading slice that only shrinks: every step costs exactly the rows it needs.
``complete_reference`` is the plain loop over (t, n) kept to test the fast path against.
"""

from __future__ import annotations

import torch

from seqgan.device import autocast
from seqgan.models.discriminator import Discriminator
from seqgan.models.generator import Generator
from seqgan.sampling import inverse_cdf


def draw_uniforms(samples: torch.Tensor, rollouts: int, rng: torch.Generator) -> torch.Tensor:
    """Uniforms for every (prefix length t, rollout n, row b, position p). (T-1, N, B, T)"""
    batch, length = samples.shape
    return torch.rand((length - 1, rollouts, batch, length), generator=rng)


@torch.no_grad()
def complete(generator: Generator, samples: torch.Tensor, uniforms: torch.Tensor, chunk: int = 128) -> torch.Tensor:
    """Completions of every prefix of ``samples`` (B, T): entry [t-1, n, b] keeps samples[b, :t]
    and draws positions t..T-1 with uniforms[t-1, n, b]. (T-1, N, B, T)"""
    prefixes, rollouts, batch, length = uniforms.shape
    device = generator.device
    samples = samples.to(device)
    h, c = generator.prefix_states(samples)  # (T, B, H) each; entry t has read t tokens
    rows = prefixes * rollouts * batch
    # Row r has prefix length t = r // (N*B) + 1: nondecreasing in r.
    prefix_len = torch.arange(1, length, device=device).repeat_interleave(rollouts * batch)  # (R,)
    h = h[1:].unsqueeze(1).expand(-1, rollouts, -1, -1).reshape(rows, -1)  # (R, H)
    c = c[1:].unsqueeze(1).expand(-1, rollouts, -1, -1).reshape(rows, -1)  # (R, H)
    out = samples.unsqueeze(0).unsqueeze(0).expand(prefixes, rollouts, -1, -1).reshape(rows, length).clone()
    u = uniforms.reshape(rows, length).to(device)
    for first in range(0, rows, chunk):
        last = min(first + chunk, rows)
        t = prefix_len[first:last]  # (C,)
        hidden, state = h[first:last], (h[first:last].unsqueeze(0), c[first:last].unsqueeze(0))
        for step in range(length - 1):
            active = int(torch.searchsorted(t, length - 1 - step, right=True))  # rows with t + step <= T-1
            if active == 0:
                break
            position = t[:active] + step  # (A,)
            row = torch.arange(first, first + active, device=device)
            logits = generator.output(hidden[:active])  # (A, V)
            token = inverse_cdf(logits, u[row, position])
            out[row, position] = token
            hidden, state = generator.step(token, (state[0][:, :active], state[1][:, :active]))
    return out.reshape(prefixes, rollouts, batch, length)


@torch.no_grad()
def complete_reference(generator: Generator, samples: torch.Tensor, uniforms: torch.Tensor) -> torch.Tensor:
    """The same completions, one (t, n) at a time from scratch. (T-1, N, B, T)"""
    prefixes, rollouts, batch, length = uniforms.shape
    samples = samples.to(generator.device)
    out = samples.unsqueeze(0).unsqueeze(0).repeat(prefixes, rollouts, 1, 1)
    for t in range(1, length):
        for n in range(rollouts):
            hidden, state = generator.step(samples.new_full((batch,), generator.start_token), None)
            for p in range(t):
                hidden, state = generator.step(samples[:, p], state)
            for p in range(t, length):
                token = inverse_cdf(generator.output(hidden), uniforms[t - 1, n, :, p].to(samples.device))
                out[t - 1, n, :, p] = token
                hidden, state = generator.step(token, state)
    return out


def combine(completion_scores: torch.Tensor, final_scores: torch.Tensor) -> torch.Tensor:
    """Rewards (B, T): the mean over N of the completions' scores (T-1, N, B) for t < T, then the
    full sequence's own score (B,) at t = T."""
    return torch.cat([completion_scores.mean(dim=1).T, final_scores.unsqueeze(1)], dim=1)


@torch.no_grad()
def score(
    discriminator: Discriminator, samples: torch.Tensor, completions: torch.Tensor, chunk: int, precision: str = "fp32"
) -> torch.Tensor:
    """Rewards (B, T) from completions (T-1, N, B, T): mean P(real) over N, then D(samples) at t = T."""
    prefixes, rollouts, batch, length = completions.shape
    with autocast(completions.device, precision):
        prob = discriminator.prob_real(completions.reshape(-1, length), chunk).reshape(prefixes, rollouts, batch)
        final = discriminator.prob_real(samples.to(completions.device), chunk)  # (B,)
    return combine(prob, final)


def rewards(
    generator: Generator,
    discriminator: Discriminator,
    samples: torch.Tensor,
    rollouts: int,
    rng: torch.Generator,
    chunk: int = 128,
    precision: str = "fp32",
) -> torch.Tensor:
    """Monte Carlo search rewards Q(Y_1..t) from the discriminator for every t. (B, T)"""
    completions = complete(generator, samples, draw_uniforms(samples, rollouts, rng), chunk)
    return score(discriminator, samples, completions, chunk, precision)
