"""clip_grad_norm_ / clip_grad_value_ against torch.nn.utils (2.13)."""

import math

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.optim import clip_grad_norm_, clip_grad_value_
from tests._torch import torch

SHAPES = [(3, 4), (5,), ()]


def _pair(seed, dtype=np.float64, scale=1.0):
    rng = np.random.default_rng(seed)
    grads = [rng.standard_normal(s) * scale for s in SHAPES]
    ours = [gg.tensor(np.zeros(s), dtype=dtype, requires_grad=True) for s in SHAPES]
    ref = [torch.zeros(s, dtype=torch.from_numpy(np.zeros(1, dtype)).dtype, requires_grad=True)
           for s in SHAPES]
    for p, q, g in zip(ours, ref, grads):
        p.grad = gg.tensor(g, dtype=dtype)
        q.grad = torch.tensor(g, dtype=q.dtype)
    return ours, ref, grads


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, 0.5, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])  # clips / leaves alone
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    ours, ref, grads = _pair(0)
    total = clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    ref_total = torch.nn.utils.clip_grad_norm_(ref, max_norm, norm_type=norm_type)
    assert isinstance(total, gg.Tensor) and total.shape == ()
    np.testing.assert_allclose(total.item(), ref_total.item(), rtol=1e-10)
    for p, q in zip(ours, ref):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert (total.item() > max_norm) == (max_norm == 0.5)


def test_clip_grad_norm_rebinds_and_keeps_float32():
    ours, ref, grads = _pair(1, dtype=np.float32)
    old = [p.grad.data for p in ours]
    old_copies = [a.copy() for a in old]
    total = clip_grad_norm_(ours, 1.0)
    ref_total = torch.nn.utils.clip_grad_norm_(ref, 1.0)
    assert total.dtype == np.float32
    np.testing.assert_allclose(total.item(), ref_total.item(), rtol=1e-6)
    for p, q, a, c in zip(ours, ref, old, old_copies):
        assert p.grad.dtype == np.float32
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-7)
        np.testing.assert_array_equal(a, c)  # the old gradient arrays were not written into


def test_clip_grad_shared_gradient_scaled_once():
    g = np.array([3.0, 4.0])
    a = gg.tensor([0.0, 0.0], dtype=np.float64, requires_grad=True)
    a.grad = gg.Tensor._make(g, None)
    b = gg.tensor([0.0, 0.0], dtype=np.float64, requires_grad=True)
    b.grad = gg.Tensor._make(g, None)  # same array, different gradient Tensors
    total = clip_grad_norm_([a, b], max_norm=1.0)
    np.testing.assert_allclose(total.item(), math.sqrt(50.0))
    np.testing.assert_allclose(a.grad.numpy(), g / (math.sqrt(50.0) + 1e-6))
    np.testing.assert_array_equal(g, [3.0, 4.0])


def test_clip_grad_norm_single_tensor_and_no_grads():
    p = gg.tensor([3.0, 4.0], requires_grad=True)
    p.grad = gg.tensor([3.0, 4.0])
    assert clip_grad_norm_(p, 100.0).item() == pytest.approx(5.0)
    q = gg.tensor([1.0], requires_grad=True)  # no grad
    assert clip_grad_norm_([q], 1.0).item() == 0.0
    assert q.grad is None


def test_clip_grad_norm_nonfinite():
    ours, ref, _ = _pair(2)
    ours[0].grad.data[0, 0] = np.inf
    ref[0].grad[0, 0] = math.inf
    with pytest.raises(RuntimeError, match="detect_anomaly"):
        clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError):
        torch.nn.utils.clip_grad_norm_(ref, 1.0, error_if_nonfinite=True)
    with np.errstate(invalid="ignore"):  # inf * 0 -> NaN, as in torch
        total = clip_grad_norm_(ours, 1.0)  # without the flag: like torch, inf total
    ref_total = torch.nn.utils.clip_grad_norm_(ref, 1.0)
    assert total.item() == ref_total.item() == math.inf
    np.testing.assert_array_equal(ours[1].grad.numpy(), ref[1].grad.numpy())


@pytest.mark.parametrize("clip_value", [0.3, 1.0, 10.0])
def test_clip_grad_value_matches_torch(clip_value):
    ours, ref, grads = _pair(3, scale=2.0)
    old = [p.grad.data for p in ours]
    clip_grad_value_(ours, clip_value)
    torch.nn.utils.clip_grad_value_(ref, clip_value)
    for p, q, a, g in zip(ours, ref, old, grads):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())
        np.testing.assert_array_equal(a, g)  # rebound, not written into
        assert np.abs(p.grad.numpy()).max() <= clip_value
