"""The discriminator's filter bank: 1-d convolutions, ReLU, max over time, for every filter width.

The gradient of a max over time reaches one position per (sequence, filter): its argmax (the first,
on ties, as ``torch.max`` and TensorFlow's max-pool gradient pick it). So instead of a dense
convolution backward over every position, ``pooled_features`` computes the weight gradient from the
B windows at the argmax positions and the input gradient from the filters that peaked at each
position: about (T - k + 1) times less arithmetic per filter width k, done by ``embedding_bag``
(weighted sums of gathered rows). The forward pass is one GEMM per width over the im2col windows,
as fast here as oneDNN's convolutions, and the windows are what the weight gradient gathers from.
A training step of the paper's discriminator is ~1.6x faster than with conv1d's dense backward
(README, bench/paper_units.py).

``pooled_features_reference`` is the plain version (``conv1d`` + ReLU + max) that the tests compare
with: the same values and gradients up to float rounding.
"""

from __future__ import annotations

import itertools

import torch
from torch.nn import functional as F


def pooled_features_reference(x: torch.Tensor, weights, biases) -> torch.Tensor:
    """x (B, T, E); weights[i] (n_i, E, k_i) as in nn.Conv1d; biases[i] (n_i,). Returns (B, sum n_i)."""
    x = x.transpose(1, 2)  # (B, E, T)
    return torch.cat([F.conv1d(x, w, b).max(dim=2).values.relu() for w, b in zip(weights, biases)], dim=1)


def pooled_features(x: torch.Tensor, weights, biases) -> torch.Tensor:
    """The same as ``pooled_features_reference``, with the argmax-only backward. (B, sum n_i)"""
    params = [*weights, *biases]
    training = torch.is_grad_enabled() and any(t.requires_grad for t in (x, *params))
    return _ConvMaxOverTime.apply(x, len(weights), training, *params)


def _windows(x: torch.Tensor, width: int) -> torch.Tensor:
    """im2col: row (b, t) holds x[b, t : t + width], position-major (k, E). (B * L, k * E)"""
    batch, length, emb = x.shape
    return x.unfold(1, width, 1).transpose(2, 3).reshape(batch * (length - width + 1), width * emb)


def _flat(w: torch.Tensor) -> torch.Tensor:
    """A conv1d weight (n, E, k) in the windows' order: (n, k * E)."""
    return w.transpose(1, 2).reshape(w.shape[0], -1)


def _repeat(values, times: torch.Tensor) -> torch.Tensor:
    """values[i] repeated times[i] times, as a column. (sum times, 1)"""
    return torch.tensor(values, device=times.device).repeat_interleave(times).unsqueeze(1)


def _wide(t: torch.Tensor) -> torch.Tensor:
    """bf16/fp16 (autocast's GEMM output) to float32 for the maxima; other dtypes as they are."""
    return t.float() if t.dtype in (torch.bfloat16, torch.float16) else t


class _ConvMaxOverTime(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, count, training, *params):
        weights, biases = params[:count], params[count:]
        batch = x.shape[0]
        maxima, argmaxes, windows = [], [], []
        for w, b in zip(weights, biases):
            cols = _windows(x, w.shape[2])  # (B*L, k*E)
            out = (_flat(w) @ cols.t()).add_(b.unsqueeze(1))  # (n, B*L); addmm is slower with a column bias
            out = _wide(out).view(w.shape[0], batch, -1)  # (n, B, L)
            if training:  # the argmaxes and windows are for the backward; amax is ~2x faster than max
                peak, where = out.max(dim=2)  # each (n, B)
                argmaxes.append(where)
                windows.append(cols)
            else:
                peak = out.amax(dim=2)
            maxima.append(peak)
        peak = torch.cat(maxima)  # (sum n, B)
        if training:
            ctx.count, ctx.shape = count, x.shape
            ctx.save_for_backward(peak, torch.cat(argmaxes), *weights, *windows)
        return peak.t().relu().to(x.dtype)  # (B, sum n)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad):
        count, (batch, length, emb) = ctx.count, ctx.shape
        peak, where, *saved = ctx.saved_tensors
        weights, windows = saved[:count], saved[count:]
        with torch.autocast(grad.device.type, enabled=False):
            g = grad.t() * (peak > 0)  # (sum n, B): ReLU passes where the maximum is positive
            widths = [w.shape[2] for w in weights]
            filters = [w.shape[0] for w in weights]
            positions = [length - k + 1 for k in widths]
            # rows[c, b]: the row of its width's windows that filter c's gradient reaches in sequence b
            # (b, argmax); keys number the rows of all widths in one range, so one sort groups them all
            per_filter = torch.tensor(filters, device=g.device)
            starts = [0, *itertools.accumulate(batch * p for p in positions)]
            rows = where + torch.arange(batch, device=g.device) * _repeat(positions, per_filter)
            keys = (rows + _repeat(starts[:-1], per_filter)).reshape(-1)
            order = torch.sort(keys, stable=True).indices
            counts = torch.bincount(keys, minlength=starts[-1])
            offsets = counts.cumsum(0) - counts
            grad_x = torch.zeros(ctx.shape, dtype=g.dtype, device=g.device)
            grad_w, grad_b = [], []
            c0 = 0
            for w, cols, n, k, p, s0, s1 in zip(weights, windows, filters, widths, positions, starts, starts[1:]):
                gk, rk = g[c0 : c0 + n], rows[c0 : c0 + n]
                # dW[c] = sum_b g[c, b] * the window of b at filter c's argmax
                dw = F.embedding_bag(rk, cols.to(g.dtype), per_sample_weights=gk, mode="sum")  # (n, k*E)
                grad_w.append(dw.view(n, k, emb).transpose(1, 2).contiguous().to(w.dtype))
                grad_b.append(gk.sum(dim=1).to(w.dtype))
                # d window (b, t) = sum over the filters that peaked there of g[c, b] * w[c]; fold it back
                mine = order[c0 * batch : (c0 + n) * batch] - c0 * batch  # this width's entries, grouped by row
                grad_cols = F.embedding_bag(
                    mine // batch,
                    _flat(w).to(g.dtype),
                    offsets[s0:s1] - c0 * batch,
                    per_sample_weights=gk.reshape(-1)[mine],
                    mode="sum",
                ).view(batch, p, k, emb)
                for j in range(k):
                    grad_x[:, j : j + p] += grad_cols[:, :, j]
                c0 += n
        return (grad_x.to(grad.dtype), None, None, *grad_w, *grad_b)
