"""The Table 1 baselines' training signals: Scheduled Sampling against MLE, PG-BLEU rewards against nltk,
the constant-reward control against its closed form, and the schedule and its bounds."""

from __future__ import annotations

import math

import pytest
import torch
from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

from seqgan import rollout
from seqgan.config import ConfigError, ScheduledSamplingConfig
from seqgan.metrics.bleu import ReferenceSet
from seqgan.models.generator import Generator
from seqgan.train import mle, pg_bleu, policy_gradient
from seqgan.train import scheduled_sampling as ss
from seqgan.train.curve import LearningCurve


def generator(vocab=40, seq_len=7, seed=0) -> Generator:
    return Generator(vocab, 6, 8, seq_len).init_normal(0.5, torch.Generator().manual_seed(seed))


def tokens(num=24, vocab=40, seq_len=7, seed=1) -> torch.Tensor:
    return torch.randint(0, vocab, (num, seq_len), generator=torch.Generator().manual_seed(seed))


# ---------------------------------------------------------------------------------------------- scheduled sampling


def test_p_one_is_mle_exactly_loss_and_gradient():
    model, data = generator(), tokens()
    loss = ss.scheduled_sampling_loss(model, data, 1.0, torch.Generator().manual_seed(2))
    grads = torch.autograd.grad(loss, list(model.parameters()))
    reference = mle.mle_loss(model, data)
    assert torch.equal(loss, reference)
    for a, b in zip(grads, torch.autograd.grad(reference, list(model.parameters()))):
        assert torch.equal(a, b)


@pytest.mark.slow
def test_p_one_epoch_trains_exactly_like_mle():
    """A whole epoch: same shuffle, same batches, same Adam steps -> the very same weights."""
    data = tokens(num=64)
    a, b = generator(), generator()
    opt_a, opt_b = torch.optim.Adam(a.parameters(), lr=0.01), torch.optim.Adam(b.parameters(), lr=0.01)
    loss_a = mle.mle_epoch(a, opt_a, data, 16, 5.0, torch.Generator().manual_seed(3))
    loss_b = ss.scheduled_sampling_epoch(b, opt_b, data, 16, 5.0, 1.0, torch.Generator().manual_seed(3))
    assert loss_a == loss_b
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))


def test_p_zero_feeds_the_models_own_samples():
    """With p = 0 the inputs are the model's free-running sample: the true tokens never leak in."""
    model, data = generator(), tokens(num=16)
    inputs = ss.mixed_inputs(model, data, 0.0, torch.Generator().manual_seed(4))
    rng = torch.Generator().manual_seed(4)
    torch.rand(data.shape, generator=rng)  # the keep-true draws come first
    own = model.sample(16, rng)
    assert torch.equal(inputs[:, 0], torch.zeros(16, dtype=torch.long))  # the start token
    assert torch.equal(inputs[:, 1:], own[:, :-1])
    other = ss.mixed_inputs(model, tokens(num=16, seed=9), 0.0, torch.Generator().manual_seed(4))
    assert torch.equal(other, inputs)


def test_mixing_is_drawn_per_token_and_step():
    """p = 0.5: rows mix true and sampled inputs at varying positions, about half of them true."""
    model, data = generator(vocab=500), tokens(num=200, vocab=500, seq_len=12)
    inputs = ss.mixed_inputs(model, data, 0.5, torch.Generator().manual_seed(5))
    true = inputs[:, 1:] == data[:, :-1]  # a sampled token equals the true one with probability ~1/500
    per_row = true.float().mean(dim=1)
    assert 0.45 < true.float().mean().item() < 0.55
    assert ((per_row > 0) & (per_row < 1)).float().mean().item() > 0.95
    assert len({tuple(row.tolist()) for row in true}) > 150  # not one mask for the whole batch


def test_schedule_is_linear_from_start_with_a_floor():
    schedule = ScheduledSamplingConfig("linear", 1.0, 0.002, 0.0)
    assert schedule.probability(1) == 1.0
    assert schedule.probability(201) == pytest.approx(0.6)
    floored = ScheduledSamplingConfig("linear", 0.9, 0.25, 0.2)
    assert [floored.probability(e) for e in (1, 2, 3, 4, 50)] == pytest.approx([0.9, 0.65, 0.4, 0.2, 0.2])


@pytest.mark.parametrize(
    "start, decay, floor, key",
    [(1.5, 0.0, 0.0, "start"), (0.5, 0.0, 0.6, "floor"), (1.0, -0.1, 0.0, "decay"), (1.0, 0.0, -0.1, "floor")],
)
def test_schedule_that_leaves_0_1_is_refused(start, decay, floor, key):
    data = {"schedule": "linear", "start": start, "decay": decay, "floor": floor}
    with pytest.raises(ConfigError, match=key):
        ScheduledSamplingConfig.from_dict(data, prefix="scheduled_sampling.")


# ---------------------------------------------------------------------------------------------- PG-BLEU


@pytest.mark.filterwarnings("ignore::UserWarning")  # nltk warns about zero n-gram counts without smoothing
@pytest.mark.parametrize("n, smoothing, method", [(3, "method1", 1), (4, "none", 0), (3, "method3", 3)])
def test_bleu_rewards_equal_nltk_on_the_same_completions(n, smoothing, method):
    vocab, length = 5, 6  # few tokens: plenty of n-gram matches, and some zero precisions
    model = generator(vocab=vocab, seq_len=length)
    references = tokens(num=30, vocab=vocab, seq_len=length, seed=7)
    samples = model.sample(4, torch.Generator().manual_seed(8))
    rewards = pg_bleu.bleu_rewards(
        model, samples, ReferenceSet(references, max_n=n), n, smoothing, 3, torch.Generator().manual_seed(9), 5
    )
    uniforms = rollout.draw_uniforms(samples, 3, torch.Generator().manual_seed(9))
    completions = rollout.complete_reference(model, samples, uniforms)  # (T-1, N, B, T), the slow loop
    refs = references.tolist()
    weights = (1.0 / n,) * n
    smooth = getattr(SmoothingFunction(), f"method{method}")

    def nltk_bleu(sequence) -> float:
        return sentence_bleu(refs, sequence.tolist(), weights, smoothing_function=smooth)

    for b in range(4):
        for t in range(1, length):
            expected = math.fsum(nltk_bleu(completions[t - 1, k, b]) for k in range(3)) / 3
            assert rewards[b, t - 1].item() == pytest.approx(expected, rel=1e-12, abs=1e-300)
        assert rewards[b, length - 1].item() == pytest.approx(nltk_bleu(samples[b]), rel=1e-12, abs=1e-300)
    assert rewards.dtype == torch.float64 and rewards.shape == (4, length)


# ---------------------------------------------------------------------------------------------- constant reward


def test_constant_reward_step_is_likelihood_ascent_on_own_samples():
    model = generator()
    samples = model.sample(8, torch.Generator().manual_seed(3))
    rewards = policy_gradient.constant_rewards(model, samples)
    assert torch.equal(rewards, torch.ones(8, 7))
    loss = policy_gradient.policy_gradient_loss(model, samples, rewards)
    torch.testing.assert_close(loss, -model.log_probs(samples).sum(), rtol=0, atol=0)


def test_constant_reward_lowers_the_generators_entropy():
    """Mode-seeking: the log-likelihood of the generator's own fresh samples goes up (its entropy down)."""
    model = generator()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    rng = torch.Generator().manual_seed(4)

    def own_log_likelihood() -> float:
        with torch.no_grad():
            return model.log_probs(model.sample(2000, torch.Generator().manual_seed(5))).mean().item()

    before = own_log_likelihood()
    for _ in range(50):
        policy_gradient.generator_step(model, optimizer, policy_gradient.constant_rewards, 64, 5.0, rng)
    assert own_log_likelihood() > before + 0.5


# ---------------------------------------------------------------------------------------------- evaluation samples


def test_each_run_draws_its_own_reproducible_evaluation_samples():
    """Welch's t-test assumes independent groups: two runs at the same seed and epoch must not share
    samples, while one run evaluated twice must give the same numbers."""
    oracle, model = generator(seed=3), generator(seed=4)

    def per_sequence(run: str) -> torch.Tensor:
        return LearningCurve(oracle, tokens(), 32, 1, 16, seed=1, run=run).per_sequence(model, epoch=5)

    assert torch.equal(per_sequence("mle"), per_sequence("mle"))
    assert not torch.equal(per_sequence("mle"), per_sequence("seqgan"))
