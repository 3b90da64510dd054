"""conv1d/conv2d and the pools agree with PyTorch 2.13.0: forward and every gradient."""

import itertools

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.nn import conv_functional as CF
from tests._torch import TF, torch


def _both(arrays):
    ours = [gg.Tensor(a, dtype=a.dtype, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    return ours, theirs


def _compare(f_ours, f_torch, arrays, atol=1e-5, seed=0):
    ours, theirs = _both(arrays)
    y, ty = f_ours(*ours), f_torch(*theirs)
    assert y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), atol=atol, rtol=1e-5)
    g = np.random.default_rng(seed).standard_normal(y.shape).astype(arrays[0].dtype)
    y.backward(gg.Tensor(g, dtype=g.dtype))
    ty.backward(torch.tensor(g))
    for a, ta in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), atol=atol, rtol=1e-5)


CONV2D_GRID = [  # PyTorch (and glassgrad) refuse padding="same" with stride > 1
    combo for combo in itertools.product(
        [1, 2, (2, 1)],                     # stride
        [0, 1, (2, 0), "same", "valid"],    # padding
        [1, 2],                             # dilation
        [1, 2])                             # groups
    if not (combo[1] == "same" and combo[0] != 1)]


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("stride,padding,dilation,groups", CONV2D_GRID)
def test_conv2d_matches_torch(stride, padding, dilation, groups):
    rng = np.random.default_rng(1)
    n = 1 if groups == 2 else 2  # batch 1 covered too
    x = rng.standard_normal((n, 4, 9, 7))
    w = rng.standard_normal((6, 4 // groups, 3, 2))
    b = rng.standard_normal(6)
    kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    _compare(lambda x, w, b: CF.conv2d(x, w, b, **kw),
             lambda x, w, b: TF.conv2d(x, w, b, **kw), [x, w, b])


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("kernel", [(1, 1), (4, 4), (2, 5)])
def test_conv2d_same_even_kernels_and_no_bias(kernel):
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((2, 3, 8, 11)), rng.standard_normal((5, 3) + kernel)
    _compare(lambda x, w: CF.conv2d(x, w, padding="same"),
             lambda x, w: TF.conv2d(x, w, padding="same"), [x, w])


def test_conv2d_float32_matches_torch():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 3, 12, 12)).astype(np.float32)
    w = rng.standard_normal((8, 3, 5, 5)).astype(np.float32)
    b = rng.standard_normal(8).astype(np.float32)
    _compare(lambda x, w, b: CF.conv2d(x, w, b, padding=2),
             lambda x, w, b: TF.conv2d(x, w, b, padding=2), [x, w, b], atol=1e-4)


@pytest.mark.parametrize("stride,padding,dilation,groups", [
    (1, 0, 1, 1), (2, 1, 1, 1), (1, "same", 2, 1), (3, 2, 1, 2), (1, "same", 1, 3), (1, 0, 3, 1)])
def test_conv1d_matches_torch(stride, padding, dilation, groups):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 6, 13))
    w = rng.standard_normal((3 * groups, 6 // groups, 4))
    b = rng.standard_normal(3 * groups)
    kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    _compare(lambda x, w, b: CF.conv1d(x, w, b, **kw),
             lambda x, w, b: TF.conv1d(x, w, b, **kw), [x, w, b])


POOL_GRID = [  # kernel, stride, padding
    (2, None, 0), (3, None, 0), (3, 2, 1), ((2, 3), (1, 2), (1, 1)), (3, 1, 0), (1, 1, 0)]


@pytest.mark.parametrize("kernel,stride,padding", POOL_GRID)
def test_max_pool2d_matches_torch(kernel, stride, padding):
    x = np.random.default_rng(5).standard_normal((2, 3, 9, 8))
    _compare(lambda x: CF.max_pool2d(x, kernel, stride, padding),
             lambda x: TF.max_pool2d(x, kernel, stride, padding), [x])


def test_max_pool2d_ties_route_to_first_maximum_like_torch():
    # after a ReLU whole windows tie at 0: the gradient must go to the first element only
    x = np.maximum(np.random.default_rng(6).standard_normal((2, 2, 6, 6)), 0)
    x[0, 0, :2, :2] = 0.0
    x[1, 1, 2:4, 2:4] = 3.0
    _compare(lambda x: CF.max_pool2d(x, 2), lambda x: TF.max_pool2d(x, 2), [x])
    _compare(lambda x: CF.max_pool2d(x, 3, 1), lambda x: TF.max_pool2d(x, 3, 1), [x])


def test_max_pool2d_dilation_matches_torch():
    x = np.random.default_rng(7).standard_normal((1, 2, 9, 9))
    _compare(lambda x: CF.max_pool2d(x, 2, 1, 1, dilation=2),
             lambda x: TF.max_pool2d(x, 2, 1, 1, dilation=2), [x])


@pytest.mark.parametrize("kernel,stride,padding", POOL_GRID)
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool2d_matches_torch(kernel, stride, padding, count_include_pad):
    x = np.random.default_rng(8).standard_normal((2, 3, 9, 8))
    cip = count_include_pad
    _compare(lambda x: CF.avg_pool2d(x, kernel, stride, padding, count_include_pad=cip),
             lambda x: TF.avg_pool2d(x, kernel, stride, padding, count_include_pad=cip), [x])


@pytest.mark.parametrize("kernel,stride,padding", [(2, None, 0), (3, 2, 1), (4, 1, 2)])
def test_pool1d_matches_torch(kernel, stride, padding):
    x = np.random.default_rng(9).standard_normal((2, 3, 11))
    _compare(lambda x: CF.max_pool1d(x, kernel, stride, padding),
             lambda x: TF.max_pool1d(x, kernel, stride, padding), [x])
    _compare(lambda x: CF.avg_pool1d(x, kernel, stride, padding),
             lambda x: TF.avg_pool1d(x, kernel, stride, padding), [x])


@pytest.mark.parametrize("size", [1, 2, (3, 4), (5, 2), (7, 7), (None, 3)])
def test_adaptive_avg_pool2d_matches_torch(size):
    x = np.random.default_rng(10).standard_normal((2, 3, 7, 6))
    _compare(lambda x: CF.adaptive_avg_pool2d(x, size),
             lambda x: TF.adaptive_avg_pool2d(x, size), [x])


def test_adaptive_avg_pool1d_and_global_pool_match_torch():
    x = np.random.default_rng(11).standard_normal((2, 3, 10))
    _compare(lambda x: CF.adaptive_avg_pool1d(x, 4), lambda x: TF.adaptive_avg_pool1d(x, 4), [x])
    x4 = np.random.default_rng(12).standard_normal((2, 3, 5, 4))
    _compare(CF.global_avg_pool2d, lambda x: x.mean(dim=(2, 3)), [x4])


def test_gradcheck_float64_conv_and_pool_compositions():
    rng = np.random.default_rng(13)
    x = gg.Tensor(rng.standard_normal((1, 2, 7, 7)), dtype=np.float64, requires_grad=True)
    w = gg.Tensor(rng.standard_normal((3, 2, 3, 3)), dtype=np.float64, requires_grad=True)
    b = gg.Tensor(rng.standard_normal(3), dtype=np.float64, requires_grad=True)

    def net(x, w, b):
        y = CF.conv2d(x, w, b, padding="same").relu()
        return CF.adaptive_avg_pool2d(CF.max_pool2d(y, 3, 2, 1), (3, 2))

    assert gg.gradcheck(net, [x, w, b])
    w1 = gg.Tensor(rng.standard_normal((4, 1, 3)), dtype=np.float64, requires_grad=True)
    x1 = gg.Tensor(rng.standard_normal((2, 2, 9)), dtype=np.float64, requires_grad=True)
    assert gg.gradcheck(lambda x, w: CF.avg_pool1d(CF.conv1d(x, w, groups=2, stride=2), 2, 1, 1),
                        [x1, w1])
