"""Behaviour kept by the W1 hot-path work: BCE's input check (now run only when the reduced
loss is not finite), nn.Linear's inline feature check, hook-free Module calls."""

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import glassgrad as gg
from glassgrad import nn
from glassgrad.nn import functional as F

T = np.array([[0.0], [1.0], [1.0], [0.0]], dtype=np.float32)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("bad", [1.5, -0.25, np.nan, np.inf, -np.inf])
def test_bce_rejects_inputs_outside_0_1_for_every_reduction_without_warnings(reduction, bad):
    p = np.array([[0.2], [0.7], [bad], [0.4]], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
            F.binary_cross_entropy(gg.tensor(p, requires_grad=True), gg.tensor(T),
                                   reduction=reduction)
        with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
            F.binary_cross_entropy(gg.tensor(p), gg.tensor(T), weight=gg.tensor(np.zeros(
                (4, 1), np.float32)), reduction=reduction)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_at_exact_0_and_1_matches_torch(reduction):
    p = np.array([[0.0], [1.0], [1.0], [0.3]], dtype=np.float32)
    x = gg.tensor(p, requires_grad=True)
    xt = torch.tensor(p, requires_grad=True)
    out = F.binary_cross_entropy(x, gg.tensor(T), reduction=reduction)
    ref = TF.binary_cross_entropy(xt, torch.tensor(T), reduction=reduction)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-6)
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-5)


def test_bce_with_a_nan_target_is_not_an_input_error():
    # NOTE: the input check runs because the loss is NaN, and must not blame a valid input.
    # (PyTorch 2.13 also rejects targets outside [0, 1]; glassgrad does not check targets.)
    p = np.array([[0.2], [0.7]], dtype=np.float32)
    t = np.array([[np.nan], [1.0]], dtype=np.float32)
    assert np.isnan(F.binary_cross_entropy(gg.tensor(p), gg.tensor(t)).item())


def test_bce_of_an_empty_batch_is_nan_not_an_error():
    out = F.binary_cross_entropy(gg.zeros(0, 1), gg.zeros(0, 1))
    assert np.isnan(out.item())


def test_linear_feature_check_names_the_layer_and_accepts_arrays_as_before():
    layer = nn.Linear(3, 2)
    with pytest.raises(gg.ShapeError, match=r"Linear\(in_features=3.*expected input with 3 "
                                            r"features.*got 4"):
        layer(gg.ones(5, 4))
    with pytest.raises(gg.ShapeError, match="got a scalar"):
        layer(gg.tensor(1.0))
    x = np.ones((5, 3), dtype=np.float32)  # a raw array is a constant input, as before
    w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    np.testing.assert_allclose(layer(x).detach().numpy(), x @ w.T + b, rtol=1e-6)


@pytest.mark.parametrize("shape", [(3,), (5, 3), (2, 4, 3)])
def test_linear_op_matches_torch_for_1d_2d_and_nd_inputs(shape):
    rng = np.random.default_rng(1)
    xv = rng.standard_normal(shape).astype(np.float32)
    layer = nn.Linear(3, 2)
    ref = torch.nn.Linear(3, 2)
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(layer.weight.detach().numpy()))
        ref.bias.copy_(torch.from_numpy(layer.bias.detach().numpy()))
    x, xt = gg.tensor(xv, requires_grad=True), torch.tensor(xv, requires_grad=True)
    y, yt = layer(x), ref(xt)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    (y * y).sum().backward()
    (yt * yt).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.weight.grad.numpy(), ref.weight.grad.numpy(), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(layer.bias.grad.numpy(), ref.bias.grad.numpy(), rtol=1e-5,
                               atol=1e-6)


def test_hooks_added_after_hook_free_calls_still_run():
    layer = nn.Tanh()
    x = gg.tensor([0.5])
    assert layer(x).item() == pytest.approx(np.tanh(0.5))
    seen = []
    handle = layer.register_forward_pre_hook(lambda m, args: seen.append("pre"))
    layer.register_forward_hook(lambda m, args, out: out * 2)
    assert layer(x).item() == pytest.approx(2 * np.tanh(0.5))
    handle.remove()
    layer(x)
    assert seen == ["pre"]
