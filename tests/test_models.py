"""Models and sampling: shapes and ranges, the exact inverse-CDF sampler, the generator's sampling
distribution against its own teacher-forced log-probabilities, the discriminator, and both oracles.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from scipy import stats
from scipy.special import logsumexp

from seqgan.config import OracleConfig
from seqgan.models.discriminator import Discriminator
from seqgan.models.generator import Generator
from seqgan.models.oracle import random_oracle, read_released_params
from seqgan.sampling import inverse_cdf


def make_generator(vocab=11, emb=5, hidden=6, seq_len=7, std=1.0, seed=0, dtype=torch.float32) -> Generator:
    generator = Generator(vocab, emb, hidden, seq_len).to(dtype)
    return generator.init_normal(std, torch.Generator().manual_seed(seed))


# ---------------------------------------------------------------------------------------------- generator


def test_generator_shapes_and_ranges():
    vocab, seq_len, batch = 11, 7, 4
    generator = make_generator(vocab=vocab, seq_len=seq_len)
    tokens = torch.randint(0, vocab, (batch, seq_len), generator=torch.Generator().manual_seed(1))

    assert generator(tokens).shape == (batch, seq_len, vocab)
    log_probs = generator.log_probs(tokens)
    assert log_probs.shape == (batch, seq_len)
    assert torch.isfinite(log_probs).all() and (log_probs <= 0).all()

    samples = generator.sample(10, torch.Generator().manual_seed(2), batch_size=4)  # chunks of 4, 4, 2
    assert samples.shape == (10, seq_len) and samples.dtype == torch.long
    assert samples.min() >= 0 and samples.max() < vocab


def test_generator_same_seed_same_samples():
    generator = make_generator()
    first = generator.sample(50, torch.Generator().manual_seed(3))
    again = generator.sample(50, torch.Generator().manual_seed(3))
    other = generator.sample(50, torch.Generator().manual_seed(4))
    assert torch.equal(first, again)
    assert not torch.equal(first, other)


def test_teacher_forcing_matches_stepwise_sampling_path():
    """forward() (one nn.LSTM pass) and step() from the start token (the path sampling uses) agree."""
    generator = make_generator(dtype=torch.float64)
    tokens = torch.randint(0, 11, (3, 7), generator=torch.Generator().manual_seed(5))
    teacher_forced = generator(tokens)  # (B, T, V)
    token, state = tokens.new_full((3,), generator.start_token), None
    for t in range(tokens.shape[1]):
        hidden, state = generator.step(token, state)
        torch.testing.assert_close(generator.output(hidden), teacher_forced[:, t], rtol=0, atol=1e-12)
        token = tokens[:, t]


def test_sampling_distribution_matches_log_probs():
    """V=3, T=2: the frequency of each of the 9 sequences equals exp(sum of teacher-forced log-probs)."""
    vocab, seq_len, num = 3, 2, 200_000
    generator = make_generator(vocab=vocab, emb=4, hidden=4, seq_len=seq_len, std=1.0, seed=4, dtype=torch.float64)
    every = torch.tensor(list(itertools.product(range(vocab), repeat=seq_len)))  # (9, 2)
    with torch.no_grad():
        prob = generator.log_probs(every).sum(dim=1).exp()  # (9,)
    assert prob.sum().item() == pytest.approx(1.0, abs=1e-12)
    assert prob.min() > 0.005, "choose a seed whose distribution has no negligible sequence"

    samples = generator.sample(num, torch.Generator().manual_seed(8), batch_size=num)
    counts = torch.zeros(len(every), dtype=torch.float64)
    index = samples[:, 0] * vocab + samples[:, 1]  # matches itertools.product order
    counts.index_add_(0, index, torch.ones(num, dtype=torch.float64))
    freq = counts / num
    sigma = (prob * (1 - prob) / num).sqrt()
    assert ((freq - prob).abs() <= 4 * sigma).all(), f"frequencies {freq.tolist()} vs probabilities {prob.tolist()}"


# ---------------------------------------------------------------------------------------------- sampling


def test_inverse_cdf_hand_case():
    logits = torch.tensor([0.2, 0.5, 0.3], dtype=torch.float64).log().expand(5, 3)
    uniforms = torch.tensor([0.1, 0.25, 0.69, 0.71, 0.99], dtype=torch.float64)
    assert inverse_cdf(logits, uniforms).tolist() == [0, 1, 1, 2, 2]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16])
def test_inverse_cdf_never_picks_zero_probability_tokens(dtype):
    inf = float("inf")
    rows = torch.tensor(
        [
            [-inf, 0.0, -inf, 0.0, -inf],  # zero-probability tokens first, between and last
            [0.0, 1.0, 2.0, -inf, -inf],  # a trailing run of impossible tokens
            [-inf, -inf, -inf, 3.0, -inf],  # one possible token
            [-inf, 5.0, 40.0, -inf, 0.0],  # very unequal probabilities
        ]
    ).to(dtype)
    # Uniforms at the edges (0, just below 1, exactly on CDF steps) and many random ones.
    edges = torch.tensor([0.0, 0.5, 0.25, 1 / 3, 2 / 3, float(torch.nextafter(torch.tensor(1.0), torch.tensor(0.0)))])
    uniforms = torch.cat([edges, torch.rand(20_000, generator=torch.Generator().manual_seed(0))])
    for row in rows:
        tokens = inverse_cdf(row.expand(len(uniforms), -1), uniforms)
        possible = torch.isfinite(row)
        assert possible[tokens].all(), f"picked an impossible token from {row.tolist()}"


def test_inverse_cdf_frequencies_match_softmax():
    logits = torch.tensor([1.0, -0.5, 0.3, 2.0])
    num = 100_000
    uniforms = torch.rand(num, generator=torch.Generator().manual_seed(11))
    tokens = inverse_cdf(logits.expand(num, -1), uniforms)
    observed = torch.bincount(tokens, minlength=4).numpy()
    expected = torch.softmax(logits.double(), dim=0).numpy() * num
    assert stats.chisquare(observed, expected).pvalue > 1e-3


# ---------------------------------------------------------------------------------------------- discriminator


def make_discriminator(vocab=13, dropout=0.5) -> Discriminator:
    torch.manual_seed(0)
    return Discriminator(vocab, emb_dim=6, filter_sizes=(1, 2, 5), num_filters=(3, 4, 5), dropout=dropout)


def test_discriminator_shapes_ranges_and_eval_mode():
    discriminator = make_discriminator()
    tokens = torch.randint(0, 13, (9, 5), generator=torch.Generator().manual_seed(1))  # width 5 == length 5
    assert discriminator(tokens).shape == (9, 2)

    discriminator.train()
    first = discriminator.prob_real(tokens)
    second = discriminator.prob_real(tokens, chunk=2)
    assert first.shape == (9,) and ((first >= 0) & (first <= 1)).all()
    assert torch.equal(first, discriminator.prob_real(tokens)), "prob_real must not use dropout"
    torch.testing.assert_close(second, first)
    assert discriminator.training, "prob_real must restore the training flag"
    with torch.no_grad():
        torch.testing.assert_close(first, torch.softmax(discriminator.eval()(tokens), dim=1)[:, 1])
        discriminator.train()
        # ... while dropout is active in training mode (so the check above is not vacuous).
        assert not torch.equal(discriminator(tokens), discriminator(tokens))


def test_l2_penalty_is_half_squared_norm_of_output_layer_only():
    discriminator = make_discriminator()
    weight, bias = discriminator.output.weight.detach(), discriminator.output.bias.detach()
    by_hand = 0.5 * (sum(w * w for w in weight.flatten().tolist()) + sum(b * b for b in bias.tolist()))
    assert discriminator.l2_penalty().item() == pytest.approx(by_hand, rel=1e-6)

    with torch.no_grad():
        for conv in discriminator.convs:
            conv.weight.mul_(3.0)
        discriminator.highway.transform.weight.mul_(3.0)
    assert discriminator.l2_penalty().item() == pytest.approx(by_hand, rel=1e-6)
    discriminator.l2_penalty().backward()
    torch.testing.assert_close(discriminator.output.weight.grad, weight)
    assert discriminator.convs[0].weight.grad is None


# ---------------------------------------------------------------------------------------------- oracles


def numpy_released_log_probs(params: dict[str, np.ndarray], tokens: np.ndarray) -> np.ndarray:
    """log p(y_t | y_<t) under the original recurrence, as PROVENANCE.md describes it (float64).

    Row vectors: gate = sigmoid(x·W + h·U + b) for i, f, o; candidate tanh(x·Wc + h·Uc + bc);
    c = f*c + i*candidate; h = o*tanh(c); logits = h·Wo + bo; h0 = c0 = 0; first input = embedding of 0.
    """
    p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}

    def sigmoid(z):
        return 1.0 / (1.0 + np.exp(-z))

    batch, length = tokens.shape
    h = np.zeros((batch, p["Ui"].shape[0]))
    c = np.zeros_like(h)
    x = p["emb"][np.zeros(batch, dtype=int)]
    out = np.empty((batch, length))
    for t in range(length):
        i = sigmoid(x @ p["Wi"] + h @ p["Ui"] + p["bi"])
        f = sigmoid(x @ p["Wf"] + h @ p["Uf"] + p["bf"])
        o = sigmoid(x @ p["Wog"] + h @ p["Uog"] + p["bog"])
        candidate = np.tanh(x @ p["Wc"] + h @ p["Uc"] + p["bc"])
        c = f * c + i * candidate
        h = o * np.tanh(c)
        logits = h @ p["Wo"] + p["bo"]
        log_probs = logits - logsumexp(logits, axis=1, keepdims=True)
        out[:, t] = log_probs[np.arange(batch), tokens[:, t]]
        x = p["emb"][tokens[:, t]]
    return out


def test_released_oracle_matches_original_recurrence(released, released_pickle):
    params = read_released_params(released_pickle)
    assert params["emb"].shape == (5000, 32) and params["Wo"].shape == (32, 5000)
    assert released.start_token == 0 and released.seq_len == 20 and released.vocab_size == 5000
    tokens = torch.cat(
        [
            released.sample(4, torch.Generator().manual_seed(0)),
            torch.randint(0, 5000, (3, 20), generator=torch.Generator().manual_seed(1)),
            torch.tensor([[0] * 20, [4999] * 20]),
        ]
    )
    with torch.no_grad():
        ours = released.log_probs(tokens).double().numpy()
    reference = numpy_released_log_probs(params, tokens.numpy())
    np.testing.assert_allclose(ours, reference, rtol=0, atol=1e-4)


def oracle_config(**overrides) -> OracleConfig:
    values = {
        "source": "random",
        "vocab_size": 200,
        "emb_dim": 16,
        "hidden_dim": 16,
        "seq_len": 10,
        "init_std": 1.0,
        "seed": 0,
        "num_train": 10,
        "num_test": 10,
    }
    return OracleConfig.from_dict({**values, **overrides})


def test_random_oracle_is_seeded():
    cfg = oracle_config()
    first = random_oracle(cfg, torch.Generator().manual_seed(3)).state_dict()
    again = random_oracle(cfg, torch.Generator().manual_seed(3)).state_dict()
    other = random_oracle(cfg, torch.Generator().manual_seed(4)).state_dict()
    assert all(torch.equal(first[k], again[k]) for k in first)
    drawn = [k for k in first if k != "lstm.bias_hh_l0"]  # the second LSTM bias is zero by design
    assert not any(torch.equal(first[k], other[k]) for k in drawn)
    assert not first["lstm.bias_hh_l0"].any(), "nn.LSTM's second bias must be zero: one gate bias, as the paper"


@pytest.mark.parametrize("std", [1.0, 0.1])
def test_random_oracle_init_std(std):
    cfg = oracle_config(init_std=std)
    oracle = random_oracle(cfg, torch.Generator().manual_seed(0))
    shape = (oracle.vocab_size, oracle.seq_len, oracle.embedding.embedding_dim, oracle.lstm.hidden_size)
    assert shape == (200, 10, 16, 16)
    values = torch.cat([p.detach().flatten() for p in oracle.parameters()])  # ~8,700 values
    assert values.std().item() == pytest.approx(std, rel=0.05)
    assert abs(values.mean().item()) < 0.05 * std
