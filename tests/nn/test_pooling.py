"""AdaptiveMaxPool1d/2d and return_indices of max pooling against PyTorch 2.13.0 on the CPU
(float64): values, int64 indices and input gradients, over grids of sizes, including output
sizes larger than the input and inputs full of ties. Expected values come from torch only."""

import itertools

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.errors import ShapeError
from glassgrad.nn import functional as F
from tests._torch import TF, torch


@pytest.fixture(autouse=True)
def _float64():
    gg.set_default_dtype(gg.float64)  # conftest resets it after each test


def _inputs(shape, seed, ties):
    rng = np.random.default_rng(seed)
    # NOTE: small integers make many ties, so the "first maximum" rule is exercised
    return rng.integers(0, 3, shape).astype(np.float64) if ties else rng.standard_normal(shape)


def _check(fn_gg, fn_t, x, seed):
    """Values, indices and the input gradient of ``fn(x) -> (out, indices)`` match torch."""
    tx = torch.tensor(x, requires_grad=True)
    ty, ti = fn_t(tx)
    w = np.random.default_rng(seed).standard_normal(tuple(ty.shape))
    (ty * torch.tensor(w)).sum().backward()
    gx = gg.tensor(x, requires_grad=True)
    y, idx = fn_gg(gx)
    (y * gg.tensor(w)).sum().backward()
    assert y.shape == tuple(ty.shape) and idx.shape == tuple(ti.shape)
    assert idx.dtype == np.int64 and not idx.requires_grad
    np.testing.assert_array_equal(idx.numpy(), ti.numpy())
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)


ADAPTIVE_1D = list(itertools.product([1, 3, 5, 7, 10], [1, 2, 3, 5, 8, 11]))


@pytest.mark.parametrize("ties", [False, True])
def test_adaptive_max_pool1d_grid(ties):
    for i, (length, out) in enumerate(ADAPTIVE_1D):
        for shape in [(2, 3, length), (3, length)]:  # batched and unbatched
            x = _inputs(shape, i, ties)
            _check(lambda t, o=out: F.adaptive_max_pool1d(t, o, return_indices=True),
                   lambda t, o=out: TF.adaptive_max_pool1d(t, o, return_indices=True), x, i)


ADAPTIVE_2D = [((5, 7), (2, 3)), ((4, 4), 1), ((3, 8), (7, 5)), ((1, 5), (None, 2)),
               ((6, 6), 4), ((5, 3), (4, None)), ((2, 9), (3, 4)), ((7, 7), (7, 7))]


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("hw, out", ADAPTIVE_2D)
def test_adaptive_max_pool2d_grid(hw, out, batched, ties):
    x = _inputs(((2, 3) if batched else (3,)) + hw, 7, ties)
    _check(lambda t: F.adaptive_max_pool2d(t, out, return_indices=True),
           lambda t: TF.adaptive_max_pool2d(t, out, return_indices=True), x, 8)


def test_adaptive_max_modules_and_plain_output():
    x = _inputs((2, 3, 5, 7), 1, False)
    layer, tlayer = gg.nn.AdaptiveMaxPool2d((2, 3)), torch.nn.AdaptiveMaxPool2d((2, 3))
    np.testing.assert_array_equal(layer(gg.tensor(x)).numpy(), tlayer(torch.tensor(x)).numpy())
    assert repr(layer) == repr(tlayer) == "AdaptiveMaxPool2d(output_size=(2, 3))"
    y, idx = gg.nn.AdaptiveMaxPool1d(3, True)(gg.tensor(x[:, :, 0]))
    ty, ti = torch.nn.AdaptiveMaxPool1d(3, True)(torch.tensor(x[:, :, 0]))
    np.testing.assert_array_equal(idx.numpy(), ti.numpy())
    np.testing.assert_array_equal(y.numpy(), ty.numpy())


MAX_POOL_2D = [  # kernel, stride, padding, dilation, ceil_mode
    (2, None, 0, 1, False), (3, 2, 1, 1, False), ((3, 2), (1, 2), (1, 0), 1, False),
    (3, 2, 1, 2, False), (2, 2, 0, 1, True), (3, 2, 1, 1, True), ((2, 3), 3, (1, 1), 1, True),
]


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("k, s, p, d, ceil", MAX_POOL_2D)
def test_max_pool2d_return_indices(k, s, p, d, ceil, ties):
    x = _inputs((2, 3, 7, 8), 3, ties)
    _check(lambda t: F.max_pool2d(t, k, s, p, d, ceil, True),
           lambda t: TF.max_pool2d(t, k, s, p, d, ceil, True), x, 4)
    layer = gg.nn.MaxPool2d(k, s, p, d, True, ceil)  # PyTorch's positional order
    tlayer = torch.nn.MaxPool2d(k, s, p, d, True, ceil)
    _check(layer, tlayer, x, 5)


MAX_POOL_1D = [(2, None, 0, 1, False), (3, 1, 1, 1, False), (3, 2, 1, 2, False),
               (4, 3, 2, 1, True), (2, 2, 0, 1, True)]


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("k, s, p, d, ceil", MAX_POOL_1D)
def test_max_pool1d_return_indices(k, s, p, d, ceil, ties):
    x = _inputs((2, 3, 11), 6, ties)
    _check(lambda t: F.max_pool1d(t, k, s, p, d, ceil, True),
           lambda t: TF.max_pool1d(t, k, s, p, d, ceil, True), x, 7)
    _check(gg.nn.MaxPool1d(k, s, p, d, True, ceil), torch.nn.MaxPool1d(k, s, p, d, True, ceil),
           x, 8)


def test_indices_of_nan_and_minus_inf_windows_like_torch():
    nan, inf = float("nan"), float("inf")
    x = np.array([[[1.0, nan, 3.0, nan, 0.0, -inf, -inf, -inf, 2.0]]])
    for fn_gg, fn_t in [
        (lambda t: F.max_pool1d(t, 3, 1, 1, return_indices=True),
         lambda t: TF.max_pool1d(t, 3, 1, 1, return_indices=True)),
        (lambda t: F.adaptive_max_pool1d(t, 4, return_indices=True),
         lambda t: TF.adaptive_max_pool1d(t, 4, return_indices=True)),
    ]:
        y, idx = fn_gg(gg.tensor(x))
        ty, ti = fn_t(torch.tensor(x))
        np.testing.assert_array_equal(idx.numpy(), ti.numpy())
        np.testing.assert_array_equal(y.numpy(), ty.numpy())


def test_max_pool_repr_and_plain_output():
    layer = gg.nn.MaxPool2d(2, return_indices=True)
    assert "return_indices=True" in repr(layer)
    assert "return_indices" not in repr(gg.nn.MaxPool2d(2))
    x = _inputs((1, 2, 4, 4), 0, False)
    out = gg.nn.MaxPool2d(2)(gg.tensor(x))
    np.testing.assert_array_equal(out.numpy(), TF.max_pool2d(torch.tensor(x), 2).numpy())


@pytest.mark.parametrize("call, match", [
    (lambda: F.adaptive_max_pool2d(gg.zeros(2, 5, 5, 1, 1), 2), "adaptive_max_pool2d: expected"),
    (lambda: F.adaptive_max_pool1d(gg.zeros(5), 2), "adaptive_max_pool1d: expected"),
    (lambda: F.adaptive_max_pool2d(gg.zeros(1, 2, 5, 5), (0, 2)), "must be positive"),
    (lambda: F.adaptive_max_pool2d(gg.zeros(1, 2, 5, 5), (1, 2, 3)), "an int or a pair"),
    (lambda: gg.nn.AdaptiveMaxPool1d(2)(gg.zeros(1, 2, 3, 4)), "AdaptiveMaxPool1d"),
])
def test_adaptive_max_pool_errors(call, match):
    with pytest.raises((ShapeError, ValueError), match=match):
        call()


@pytest.mark.parametrize("shape", [(1, 1, 0, 3), (0, 0, 0, 1), (2, 3, 4, 0)])
def test_adaptive_avg_pool2d_refuses_an_empty_height_or_width_like_torch(shape):
    x = np.zeros(shape)
    with pytest.raises(ValueError, match=r"adaptive_avg_pool2d: output_size and the input's H, W "
                                         r"must be positive.*input shape \(" + str(shape[0])):
        F.adaptive_avg_pool2d(gg.tensor(x), 2)  # was a raw ZeroDivisionError
    with pytest.raises(RuntimeError):
        TF.adaptive_avg_pool2d(torch.from_numpy(x), 2)
