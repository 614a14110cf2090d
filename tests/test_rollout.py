"""Monte Carlo search: the batched completion against the plain (t, n) loop, and the rewards against a
direct computation from the discriminator."""

from __future__ import annotations

import pytest
import torch

from seqgan import rollout
from seqgan.models.discriminator import Discriminator
from seqgan.models.generator import Generator
from seqgan.sampling import inverse_cdf

VOCAB = 7


def make_generator(seq_len: int, seed: int = 0) -> Generator:
    generator = Generator(VOCAB, 5, 6, seq_len).double()
    return generator.init_normal(1.0, torch.Generator().manual_seed(seed))


def make_discriminator(dropout: float = 0.5) -> Discriminator:
    torch.manual_seed(0)
    return Discriminator(VOCAB, emb_dim=4, filter_sizes=(1, 2), num_filters=(3, 3), dropout=dropout)


def sample_with(generator: Generator, uniforms: torch.Tensor) -> torch.Tensor:
    """Sequences drawn step by step from the start token with the given uniforms (B, T)."""
    batch, length = uniforms.shape
    tokens = torch.empty((batch, length), dtype=torch.long)
    token, state = torch.full((batch,), generator.start_token), None
    with torch.no_grad():
        for p in range(length):
            hidden, state = generator.step(token, state)
            token = inverse_cdf(generator.output(hidden), uniforms[:, p])
            tokens[:, p] = token
    return tokens


# (batch, length, rollouts, chunk); rows R = (length - 1) * rollouts * batch
SHAPES = [
    (3, 5, 4, 1),  # chunk of one row
    (3, 5, 4, 7),  # chunk not dividing R = 48, nor N*B = 12
    (3, 5, 4, 12),  # one chunk per prefix length
    (3, 5, 4, 48),  # chunk == R
    (3, 5, 4, 1000),  # chunk > R
    (1, 2, 1, 1),  # the smallest case: one prefix, one rollout, one row
    (5, 6, 3, 10),
    (2, 8, 2, 9),
]


@pytest.mark.parametrize("batch,length,rollouts,chunk", SHAPES)
def test_complete_equals_reference(batch, length, rollouts, chunk):
    generator = make_generator(length)
    samples = generator.sample(batch, torch.Generator().manual_seed(1))
    uniforms = rollout.draw_uniforms(samples, rollouts, torch.Generator().manual_seed(2))
    assert uniforms.shape == (length - 1, rollouts, batch, length)

    fast = rollout.complete(generator, samples, uniforms, chunk)
    reference = rollout.complete_reference(generator, samples, uniforms)
    assert fast.shape == (length - 1, rollouts, batch, length)
    assert torch.equal(fast, reference)

    for t in range(1, length):  # entry [t-1] keeps the prefix samples[:, :t]
        assert torch.equal(fast[t - 1, :, :, :t], samples[:, :t].expand(rollouts, -1, -1))
    assert fast.min() >= 0 and fast.max() < VOCAB
    if length > 2:
        assert not torch.equal(fast, samples.expand_as(fast)), "completions should not merely copy the samples"


@pytest.mark.parametrize("chunk", [1, 5, 1000])
def test_complete_replays_the_sampling_path(chunk):
    """Completing every prefix with the very uniforms that drew the samples reproduces the samples: the
    continuation starts from the right LSTM state, position and uniform."""
    batch, length, rollouts = 4, 6, 2
    generator = make_generator(length, seed=3)
    drawn = torch.rand((batch, length), generator=torch.Generator().manual_seed(4))
    samples = sample_with(generator, drawn)
    uniforms = drawn.expand(length - 1, rollouts, batch, length)
    completions = rollout.complete(generator, samples, uniforms, chunk)
    assert torch.equal(completions, samples.expand_as(completions))


def direct_prob_real(discriminator: Discriminator, sequence: torch.Tensor) -> float:
    """P(real) of one sequence, evaluation mode, computed from the logits."""
    was_training = discriminator.training
    discriminator.eval()
    with torch.no_grad():
        prob = torch.softmax(discriminator(sequence.unsqueeze(0)), dim=1)[0, 1].item()
    discriminator.train(was_training)
    return prob


@pytest.mark.parametrize("chunk", [1, 7, 4096])
def test_score_equals_direct_loop(chunk):
    batch, length, rollouts = 4, 5, 3
    generator = make_generator(length)
    discriminator = make_discriminator().train()  # score must switch dropout off by itself
    samples = generator.sample(batch, torch.Generator().manual_seed(1))
    completions = rollout.complete(
        generator, samples, rollout.draw_uniforms(samples, rollouts, torch.Generator().manual_seed(2))
    )

    rewards = rollout.score(discriminator, samples, completions, chunk)
    assert rewards.shape == (batch, length)

    expected = torch.empty(batch, length, dtype=torch.float64)
    for b in range(batch):
        for t in range(1, length):
            probs = [direct_prob_real(discriminator, completions[t - 1, n, b]) for n in range(rollouts)]
            expected[b, t - 1] = sum(probs) / rollouts
        expected[b, length - 1] = direct_prob_real(discriminator, samples[b])
    torch.testing.assert_close(rewards.double(), expected, rtol=0, atol=1e-6)
    assert discriminator.training


def test_rewards_final_column_is_prob_real_of_samples():
    batch, length = 6, 5
    generator = make_generator(length)
    discriminator = make_discriminator()
    samples = generator.sample(batch, torch.Generator().manual_seed(1))

    rewards = rollout.rewards(generator, discriminator, samples, 4, torch.Generator().manual_seed(2), chunk=16)
    again = rollout.rewards(generator, discriminator, samples, 4, torch.Generator().manual_seed(2), chunk=16)
    assert rewards.shape == (batch, length)
    assert ((rewards >= 0) & (rewards <= 1)).all()
    assert torch.equal(rewards, again)
    torch.testing.assert_close(rewards[:, -1], discriminator.prob_real(samples), rtol=0, atol=1e-6)


def test_rewards_bf16_close_to_fp32():
    batch, length = 6, 5
    generator = make_generator(length)
    discriminator = make_discriminator()
    samples = generator.sample(batch, torch.Generator().manual_seed(1))
    fp32 = rollout.rewards(generator, discriminator, samples, 4, torch.Generator().manual_seed(2), 16, "fp32")
    bf16 = rollout.rewards(generator, discriminator, samples, 4, torch.Generator().manual_seed(2), 16, "bf16")
    assert bf16.dtype == torch.float32
    torch.testing.assert_close(bf16, fp32, rtol=0, atol=0.02)
