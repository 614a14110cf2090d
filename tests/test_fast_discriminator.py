"""The discriminator's fast paths against their plain references: the filter bank with its argmax-only
backward (``max_over_time``) against conv1d + ReLU + max, the whole model against
``ReferenceDiscriminator``, the fused Adam against torch's per-tensor Adam; and the training loop
still repeatable and still stopping on a diverged loss."""

from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F

from seqgan.models.discriminator import Discriminator, ReferenceDiscriminator
from seqgan.models.max_over_time import pooled_features, pooled_features_reference
from seqgan.train import discriminator as d_training
from seqgan.train.optim import Adam

WIDTHS, FILTERS = (1, 2, 3, 5, 9), (4, 6, 5, 3, 7)  # k = 1 and k = T included below (T = 9)


def bank(seed: int, dtype=torch.float64, batch=6, length=9, emb=5):
    """Random inputs, weights and biases of a filter bank, all requiring gradients."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, length, emb, generator=g, dtype=dtype).requires_grad_()
    weights = [torch.randn(n, emb, k, generator=g, dtype=dtype).requires_grad_() for k, n in zip(WIDTHS, FILTERS)]
    biases = [torch.randn(n, generator=g, dtype=dtype).requires_grad_() for n in FILTERS]
    return x, weights, biases


def values_and_grads(pool, x, weights, biases, upstream):
    for t in (x, *weights, *biases):
        t.grad = None
    out = pool(x, weights, biases)
    out.backward(upstream)
    return [out.detach(), *(t.grad.clone() for t in (x, *weights, *biases))]


@pytest.mark.parametrize("seed", range(5))
def test_pooled_features_equal_the_plain_filter_bank(seed):
    """Values and every gradient agree with conv1d + ReLU + max (float64: equal up to rounding)."""
    x, weights, biases = bank(seed)
    upstream = torch.randn(x.shape[0], sum(FILTERS), dtype=x.dtype, generator=torch.Generator().manual_seed(99))
    fast = values_and_grads(pooled_features, x, weights, biases, upstream)
    plain = values_and_grads(pooled_features_reference, x, weights, biases, upstream)
    assert (fast[0] == 0).any() and (fast[0] > 0).any()  # some filters ReLU-blocked, some not
    for a, b in zip(fast, plain):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


def test_pooled_features_route_a_tie_to_the_first_maximum():
    """Identical windows (e.g. padding) tie exactly: the whole gradient goes to the first, as torch.max
    and TensorFlow's max-pool gradient do, in both implementations."""
    x, weights, biases = bank(0)
    with torch.no_grad():
        x[:, 4:] = x[:, 3:4]  # positions 3..8 hold one vector: windows inside them are identical
        weights[0].abs_()  # width 1: every filter has a positive response somewhere
    upstream = torch.ones(x.shape[0], sum(FILTERS), dtype=x.dtype)
    fast = values_and_grads(pooled_features, x, weights, biases, upstream)
    plain = values_and_grads(pooled_features_reference, x, weights, biases, upstream)
    for a, b in zip(fast, plain):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)
    # width-1 filters peaking in the tied block get their gradient at position 3 only, never at 4..8
    x.grad = None
    pooled_features(x, weights[:1], biases[:1]).backward(torch.ones(x.shape[0], FILTERS[0], dtype=x.dtype))
    assert x.grad[:, 4:].abs().sum() == 0
    assert x.grad[:, :4].abs().sum() > 0


def test_pooled_features_in_float32_and_under_bf16_autocast():
    x, weights, biases = bank(1, dtype=torch.float32)
    plain = pooled_features_reference(x, weights, biases)
    torch.testing.assert_close(pooled_features(x, weights, biases), plain, rtol=1e-5, atol=1e-5)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        low = pooled_features(x, weights, biases)
    assert low.dtype == torch.float32
    torch.testing.assert_close(low, plain, rtol=0.05, atol=0.1)
    low.sum().backward()  # the backward runs in the inputs' precision
    assert all(w.grad.dtype == torch.float32 and torch.isfinite(w.grad).all() for w in weights)


def model_pair(dtype=torch.float64):
    torch.manual_seed(0)
    fast = Discriminator(17, 6, WIDTHS, FILTERS, dropout=0.0).to(dtype)
    plain = ReferenceDiscriminator(17, 6, WIDTHS, FILTERS, dropout=0.0).to(dtype)
    plain.load_state_dict(fast.state_dict())
    return fast, plain


def test_discriminator_loss_and_gradients_equal_the_reference_model():
    fast, plain = model_pair()
    rng = torch.Generator().manual_seed(3)
    for _ in range(3):  # random batches
        tokens, labels = torch.randint(0, 17, (8, 9), generator=rng), torch.randint(0, 2, (8,), generator=rng)
        results = []
        for model in (fast, plain):
            model.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(tokens), labels) + 0.2 * model.l2_penalty()
            loss.backward()
            results.append([loss.detach(), *(p.grad for p in model.parameters())])
        for a, b in zip(*results):
            torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


def test_fused_adam_steps_like_torch_adam_and_stays_fused_after_loading():
    fast, plain = model_pair(torch.float32)
    ours, torchs = Adam(fast.parameters(), lr=0.01), torch.optim.Adam(plain.parameters(), lr=0.01)
    rng = torch.Generator().manual_seed(4)
    for _ in range(5):
        tokens, labels = torch.randint(0, 17, (8, 9), generator=rng), torch.randint(0, 2, (8,), generator=rng)
        for model, optimizer in ((fast, ours), (plain, torchs)):
            optimizer.zero_grad()
            F.cross_entropy(model(tokens), labels).backward()
            optimizer.step()
    for a, b in zip(fast.parameters(), plain.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)
    reloaded = Adam(fast.parameters(), lr=0.01)
    reloaded.load_state_dict(torchs.state_dict())  # a state saved by a non-fused Adam
    assert all(group["fused"] for group in reloaded.param_groups)
    steps = [state["step"] for state in reloaded.state.values()]  # beside their parameters, as fused Adam wants
    assert steps and all(s.dtype == torch.float32 and s.device == p.device for s, p in zip(steps, reloaded.state))


def fitted(seed: int) -> list[torch.Tensor]:
    torch.manual_seed(seed)
    model = Discriminator(17, 6, WIDTHS, FILTERS, dropout=0.25)
    optimizer = Adam(model.parameters(), lr=0.01)
    rng = torch.Generator().manual_seed(seed)
    real, fake = torch.randint(0, 17, (40, 9), generator=rng), torch.randint(0, 5, (40, 9), generator=rng)
    d_training.fit(model, optimizer, real, fake, 2, 16, 0.2, rng)
    return [p.detach().clone() for p in model.parameters()]


def test_seeded_fit_is_bit_for_bit_repeatable():
    first, again, other = fitted(1), fitted(1), fitted(2)
    assert all(torch.equal(a, b) for a, b in zip(first, again))
    assert not all(torch.equal(a, b) for a, b in zip(first, other))


def test_fit_stops_on_a_diverged_loss_naming_round_and_epoch():
    torch.manual_seed(0)
    model = Discriminator(17, 6, WIDTHS, FILTERS, dropout=0.25)
    optimizer = Adam(model.parameters(), lr=0.01)
    real = torch.randint(0, 17, (40, 9), generator=torch.Generator().manual_seed(0))
    with pytest.raises(FloatingPointError, match=r"round 3.*epoch 1\b"):
        d_training.fit(model, optimizer, real, real, 1, 16, float("nan"), torch.Generator(), where="round 3")


def test_pooled_features_without_gradients_equal_the_training_path():
    """Inference (no_grad: maxima by amax, nothing saved) gives the values of the training path."""
    x, weights, biases = bank(2)
    with torch.no_grad():
        inference = pooled_features(x, weights, biases)
    torch.testing.assert_close(inference, pooled_features(x, weights, biases).detach(), rtol=0, atol=0)
