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


def stepwise_samples(generator: Generator, num: int, rng: torch.Generator, scale: float = 1.0) -> torch.Tensor:
    """The sampler as it was before temperatures: one row of uniforms per sequence, inverse CDF of the raw
    logits (times ``scale``) at each step."""
    uniforms = torch.rand((num, generator.seq_len), generator=rng)
    tokens, token, state = [], torch.full((num,), generator.start_token), None
    with torch.no_grad():
        for t in range(generator.seq_len):
            hidden, state = generator.step(token, state)
            token = inverse_cdf(generator.output(hidden) * scale, uniforms[:, t])
            tokens.append(token)
    return torch.stack(tokens, dim=1)


def test_temperature_one_is_the_plain_sampler_bit_for_bit():
    generator = make_generator()
    plain = stepwise_samples(generator, 64, torch.Generator().manual_seed(6))
    assert torch.equal(generator.sample(64, torch.Generator().manual_seed(6), batch_size=64), plain)
    assert torch.equal(generator.sample(64, torch.Generator().manual_seed(6), 64, temperature=1.0), plain)
    # Another temperature divides the logits, with the same uniforms (0.5: exact in binary, so * 2 is the same).
    hot = generator.sample(64, torch.Generator().manual_seed(6), 64, temperature=0.5)
    assert torch.equal(hot, stepwise_samples(generator, 64, torch.Generator().manual_seed(6), scale=2.0))
    assert not torch.equal(hot, plain)


def mean_entropy(generator: Generator, temperature: float) -> float:
    """Mean entropy (nats) of the next-token distribution along the generator's own samples at ``temperature``."""
    samples = generator.sample(2000, torch.Generator().manual_seed(9), temperature=temperature)
    with torch.no_grad():
        logp = torch.log_softmax(generator(samples) / temperature, dim=-1)
    return float(-(logp.exp() * logp).sum(dim=-1).mean())


def test_lower_temperature_lowers_entropy_and_log_probs_follow_it():
    generator = make_generator(vocab=30, std=1.0)
    entropies = [mean_entropy(generator, t) for t in (0.6, 1.0, 1.4)]
    assert entropies[0] < entropies[1] < entropies[2], entropies
    tokens = generator.sample(8, torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = torch.log_softmax(generator(tokens) / 0.7, dim=-1).gather(2, tokens.unsqueeze(2)).squeeze(2)
        torch.testing.assert_close(generator.log_probs(tokens, 0.7), expected, rtol=0, atol=0)


@pytest.mark.parametrize("temperature", [0, -1.0, float("nan"), float("inf"), True, "1"])
def test_temperature_must_be_a_positive_finite_number(temperature):
    with pytest.raises(ValueError, match="temperature: expected a finite number > 0"):
        make_generator().sample(2, torch.Generator().manual_seed(0), temperature=temperature)


class SingleBiasLSTMLanguageModel(torch.nn.Module):
    """The original code's recurrence written out, with ONE gate bias b: gates = W x + U h + b."""

    def __init__(self, generator: Generator):
        super().__init__()
        lstm = generator.lstm
        copy = lambda t: torch.nn.Parameter(t.detach().clone())
        self.embedding, self.w, self.u = (
            copy(generator.embedding.weight),
            copy(lstm.weight_ih_l0),
            copy(lstm.weight_hh_l0),
        )
        self.b = copy(lstm.bias_ih_l0 + lstm.bias_hh_l0)
        self.out_w, self.out_b = copy(generator.output.weight), copy(generator.output.bias)
        self.start = generator.start_token

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:  # mean NLL of the tokens
        batch, length = tokens.shape
        h = c = torch.zeros(batch, self.u.shape[1], dtype=self.u.dtype)
        x, total = self.embedding[torch.full((batch,), self.start)], 0
        for t in range(length):
            i, f, g, o = (x @ self.w.T + h @ self.u.T + self.b).chunk(4, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            total = (
                total - torch.log_softmax(h @ self.out_w.T + self.out_b, dim=1).gather(1, tokens[:, t : t + 1]).sum()
            )
            x = self.embedding[tokens[:, t]]
        return total / tokens.numel()


def test_one_trainable_gate_bias_moves_like_a_single_bias_lstm():
    """nn.LSTM's second bias b_hh is zero and frozen: an Adam step moves the effective gate bias b_ih + b_hh
    as the original single-bias LSTM moves its b (by ~lr per entry on the first step, not ~2 lr)."""
    generator = make_generator(dtype=torch.float64, std=0.1)
    reference = SingleBiasLSTMLanguageModel(generator)
    assert not generator.lstm.bias_hh_l0.requires_grad and not generator.lstm.bias_hh_l0.any()
    tokens = torch.randint(0, 11, (16, 7), generator=torch.Generator().manual_seed(2))
    lr = 0.01
    optimizers = [torch.optim.Adam(m.parameters(), lr=lr) for m in (generator, reference)]
    before = reference.b.detach().clone()
    for optimizer in optimizers:
        optimizer.zero_grad()
    (-generator.log_probs(tokens).mean()).backward()
    reference(tokens).backward()
    for optimizer in optimizers:
        optimizer.step()
    effective = generator.lstm.bias_ih_l0 + generator.lstm.bias_hh_l0
    torch.testing.assert_close(effective, reference.b, rtol=0, atol=1e-12)
    assert not generator.lstm.bias_hh_l0.any()
    assert (effective - before).abs().max().item() == pytest.approx(lr, rel=1e-3)  # Adam's first step: ~lr


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
