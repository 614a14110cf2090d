"""NLL metrics against direct sums, and the released oracle's two reference values (paper and DESIGN.md):
its own samples score ~5.75 nats/token (its entropy rate), uniform random tokens ~11.43."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.special import logsumexp

from seqgan.metrics.nll import nll_oracle, sequence_nll
from seqgan.models.generator import Generator


def numpy_generator_nll(generator: Generator, tokens: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Per-sequence mean of -log softmax, from the state_dict with a NumPy LSTM (PyTorch's gate order
    i, f, g, o; W x + b_ih + U h + b_hh; start token fed first)."""
    p = {k: v.detach().double().numpy() for k, v in generator.state_dict().items()}
    hidden = p["lstm.weight_hh_l0"].shape[1]

    def sigmoid(z):
        return 1.0 / (1.0 + np.exp(-z))

    batch, length = tokens.shape
    h, c = np.zeros((batch, hidden)), np.zeros((batch, hidden))
    x = p["embedding.weight"][np.full(batch, generator.start_token)]
    total = np.zeros(batch)
    for t in range(length):
        gates = (
            x @ p["lstm.weight_ih_l0"].T + p["lstm.bias_ih_l0"] + h @ p["lstm.weight_hh_l0"].T + p["lstm.bias_hh_l0"]
        )
        i, f, g, o = np.split(gates, 4, axis=1)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        logits = (h @ p["output.weight"].T + p["output.bias"]) / temperature
        total -= logits[np.arange(batch), tokens[:, t]] - logsumexp(logits, axis=1)
        x = p["embedding.weight"][tokens[:, t]]
    return total / length


def tiny_generator(dtype=torch.float64) -> Generator:
    generator = Generator(vocab_size=5, emb_dim=3, hidden_dim=4, seq_len=4).to(dtype)
    return generator.init_normal(1.0, torch.Generator().manual_seed(0))


def test_sequence_nll_equals_direct_sum():
    generator = tiny_generator()
    tokens = torch.randint(0, 5, (7, 4), generator=torch.Generator().manual_seed(1))
    nll = sequence_nll(generator, tokens, batch_size=3)  # batches of 3, 3, 1
    assert nll.shape == (7,) and nll.dtype == torch.float64 and nll.device.type == "cpu"
    np.testing.assert_allclose(nll.numpy(), numpy_generator_nll(generator, tokens.numpy()), rtol=0, atol=1e-10)
    assert (nll > 0).all()


@pytest.mark.parametrize("temperature", [0.6, 1.4])
def test_sequence_nll_at_a_temperature_equals_direct_sum(temperature):
    generator = tiny_generator()
    tokens = torch.randint(0, 5, (7, 4), generator=torch.Generator().manual_seed(1))
    nll = sequence_nll(generator, tokens, batch_size=3, temperature=temperature)
    expected = numpy_generator_nll(generator, tokens.numpy(), temperature)
    np.testing.assert_allclose(nll.numpy(), expected, rtol=0, atol=1e-10)
    assert not np.allclose(expected, numpy_generator_nll(generator, tokens.numpy()))


def test_sequence_nll_restores_training_mode():
    generator = tiny_generator().train()
    sequence_nll(generator, torch.zeros((2, 4), dtype=torch.long))
    assert generator.training


def test_nll_oracle_scores_the_generators_samples_under_the_oracle():
    oracle = tiny_generator()
    generator = Generator(vocab_size=5, emb_dim=3, hidden_dim=4, seq_len=4).double()
    generator.init_normal(0.5, torch.Generator().manual_seed(9))
    nll = nll_oracle(oracle, generator, 50, torch.Generator().manual_seed(2), batch_size=16)
    samples = generator.sample(50, torch.Generator().manual_seed(2), batch_size=16)
    np.testing.assert_allclose(nll.numpy(), numpy_generator_nll(oracle, samples.numpy()), rtol=0, atol=1e-10)


@pytest.mark.slow
def test_released_oracle_on_its_own_samples(released):
    samples = released.sample(2000, torch.Generator().manual_seed(0))
    assert sequence_nll(released, samples).mean().item() == pytest.approx(5.75, abs=0.05)


@pytest.mark.slow
def test_released_oracle_on_uniform_tokens(released):
    tokens = torch.randint(0, 5000, (2000, 20), generator=torch.Generator().manual_seed(0))
    assert sequence_nll(released, tokens).mean().item() == pytest.approx(11.43, abs=0.05)
