"""Audit of convolution and pooling against published worked examples and PyTorch 2.13.0.

Published numbers: Dumoulin & Visin, "A guide to convolution arithmetic for deep learning"
(arXiv:1603.07285): Figure 1.1 (a 3×3 kernel over a 5×5 input), Figures 1.5/1.6 (3×3 average and
max pooling of the same input) and the output-size relationships of chapters 2 and 5. The rest is
compared with PyTorch in float64, forward and every gradient, to 1e-10.
"""

import itertools
import warnings

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.nn import conv_functional as CF
from glassgrad.nn.conv import Conv1d, Conv2d
from tests._torch import TF, torch

# Dumoulin & Visin, Figure 1.1: input, kernel and the 3×3 output they print.
DV_INPUT = [[3, 3, 2, 1, 0],
            [0, 0, 1, 3, 1],
            [3, 1, 2, 2, 3],
            [2, 0, 0, 2, 2],
            [2, 0, 0, 0, 1]]
DV_KERNEL = [[0, 1, 2],
             [2, 2, 0],
             [0, 1, 2]]
DV_OUTPUT = [[12, 12, 17],
             [10, 17, 19],
             [9, 6, 14]]


def t(a, grad=False):
    return gg.Tensor(np.asarray(a, dtype=np.float64), dtype=np.float64, requires_grad=grad)


def test_dumoulin_visin_figure_1_1_is_cross_correlation():
    y = CF.conv2d(t(np.array(DV_INPUT)[None, None]), t(np.array(DV_KERNEL)[None, None]))
    np.testing.assert_array_equal(y.numpy()[0, 0], DV_OUTPUT)
    # a true (flipped-kernel) convolution would give a different top-left value:
    # Σ x[0:3, 0:3] · K[::-1, ::-1] = 18, not 12. glassgrad documents cross-correlation.
    flipped = (np.array(DV_INPUT)[:3, :3] * np.array(DV_KERNEL)[::-1, ::-1]).sum()
    assert flipped == 18 != y.numpy()[0, 0, 0, 0]
    assert "cross-correlation" in CF.conv2d.__doc__ and "cross-correlation" in Conv2d.__doc__


def test_dumoulin_visin_figures_1_5_and_1_6_pooling():
    x = t(np.array(DV_INPUT)[None, None])
    avg = CF.avg_pool2d(x, 3, stride=1).numpy()[0, 0]
    np.testing.assert_array_equal(np.round(avg, 1), [[1.7, 1.7, 1.7],
                                                     [1.0, 1.2, 1.8],
                                                     [1.1, 0.8, 1.3]])
    np.testing.assert_array_equal(CF.max_pool2d(x, 3, stride=1).numpy()[0, 0],
                                  [[3, 3, 3], [3, 3, 3], [3, 2, 3]])


# (input i, kernel k, stride s, padding p, dilation d) -> output o, Dumoulin & Visin ch. 2 and 5
DV_SHAPES = [
    (4, 3, 1, 0, 1, 2),   # Fig 2.1: no padding, unit stride
    (5, 4, 1, 2, 1, 6),   # Fig 2.2: arbitrary padding
    (5, 3, 1, 1, 1, 5),   # Fig 2.3: half ("same") padding
    (5, 3, 1, 2, 1, 7),   # Fig 2.4: full padding
    (5, 3, 2, 0, 1, 2),   # Fig 2.6: no padding, stride 2
    (5, 3, 2, 1, 1, 3),   # Fig 2.7: padding 1, stride 2
    (6, 3, 2, 1, 1, 3),   # Fig 2.8: the last window does not fit; floor drops it
    (7, 3, 1, 0, 2, 3),   # Fig 5.1: dilation 2
]


@pytest.mark.parametrize("i,k,s,p,d,o", DV_SHAPES)
def test_output_size_relationships_of_dumoulin_visin(i, k, s, p, d, o):
    assert CF.conv_output_shape(i, k, s, p, d) == (o,)
    x, w = t(np.ones((1, 1, i, i))), t(np.ones((1, 1, k, k)))
    assert CF.conv2d(x, w, stride=s, padding=p, dilation=d).shape == (1, 1, o, o)
    assert CF.conv1d(t(np.ones((1, 1, i))), t(np.ones((1, 1, k))), stride=s, padding=p,
                     dilation=d).shape == (1, 1, o)


def test_cs231n_demo_geometry_matches_torch():
    # CS231n conv demo: 5×5×3 input, two 3×3×3 filters, stride 2, padding 1, biases 1 and 0
    # -> 3×3×2 output, each value Σ over the 3×3×3 window plus the bias. Integer data as there.
    rng = np.random.default_rng(0)
    x = rng.integers(0, 3, (1, 3, 5, 5)).astype(np.float64)
    w = rng.integers(-1, 2, (2, 3, 3, 3)).astype(np.float64)
    b = np.array([1.0, 0.0])
    y = CF.conv2d(t(x), t(w), t(b), stride=2, padding=1).numpy()
    assert y.shape == (1, 2, 3, 3)
    xp = np.pad(x[0], ((0, 0), (1, 1), (1, 1)))
    by_hand = np.array([[[(xp[:, 2 * r:2 * r + 3, 2 * c:2 * c + 3] * w[o]).sum() + b[o]
                          for c in range(3)] for r in range(3)] for o in range(2)])
    np.testing.assert_array_equal(y[0], by_hand)
    ty = TF.conv2d(torch.tensor(x), torch.tensor(w), torch.tensor(b), stride=2, padding=1)
    np.testing.assert_array_equal(y, ty.numpy())


def _compare(f_ours, f_torch, arrays, tol=1e-10, seed=0):
    ours = [gg.Tensor(a, dtype=np.float64, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = f_ours(*ours), f_torch(*theirs)
    assert y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=tol, atol=tol)
    g = np.random.default_rng(seed).standard_normal(y.shape)
    y.backward(gg.Tensor(g, dtype=np.float64))
    ty.backward(torch.tensor(g))
    for a, ta in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=tol, atol=tol)


# Cases the existing grid (tests/nn/test_conv_functional_torch.py) does not reach: stride
# larger than the kernel (skipped pixels), stride 3 with odd sizes where the last window does
# not fit, dilation differing per axis, "same" with an odd total padding (goes right/bottom),
# depthwise groups with a channel multiplier, asymmetric (h, w) padding, 1×1 inputs.
CONV2D_CASES = [
    # stride, padding, dilation, groups, kernel, (H, W), bias
    (3, 0, 1, 1, (2, 2), (8, 7), True),
    ((3, 1), (0, 2), (1, 3), 1, (3, 2), (8, 9), False),
    (1, "same", (1, 3), 1, (3, 2), (5, 6), True),
    (1, "same", 3, 1, (2, 4), (9, 9), False),
    (2, (2, 1), 2, 3, (3, 3), (7, 8), True),
    (1, 1, 1, 6, (3, 3), (5, 5), True),       # depthwise, 2 filters per channel (O = 12)
    (2, 1, 1, 6, (1, 3), (6, 5), False),      # depthwise, non-square kernel, stride 2
    (1, "valid", 1, 2, (1, 1), (1, 1), True),
    (4, 3, 1, 1, (3, 1), (5, 6), True),       # stride > kernel, padding > kernel // 2
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("stride,padding,dilation,groups,kernel,hw,bias", CONV2D_CASES)
def test_conv2d_edge_grid_matches_torch(stride, padding, dilation, groups, kernel, hw, bias):
    rng = np.random.default_rng(1)
    c, o = 6, 12
    x = rng.standard_normal((2, c) + hw)
    w = rng.standard_normal((o, c // groups) + kernel)
    arrays = [x, w] + ([rng.standard_normal(o)] if bias else [])
    kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    _compare(lambda x, w, *b: CF.conv2d(x, w, *b, **kw),
             lambda x, w, *b: TF.conv2d(x, w, *b, **kw), arrays)


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("stride,padding,dilation,groups,k,length", [
    (5, 0, 1, 1, 2, 11), (3, 3, 2, 4, 3, 7), (1, "same", 3, 1, 2, 6), (2, 1, 1, 2, 1, 1),
    (1, "valid", 2, 1, 3, 5)])
def test_conv1d_edge_grid_matches_torch(stride, padding, dilation, groups, k, length):
    rng = np.random.default_rng(2)
    x, w, b = (rng.standard_normal((2, 4, length)), rng.standard_normal((8, 4 // groups, k)),
               rng.standard_normal(8))
    kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    _compare(lambda x, w, b: CF.conv1d(x, w, b, **kw),
             lambda x, w, b: TF.conv1d(x, w, b, **kw), [x, w, b])


@pytest.mark.parametrize("size,k,s,p,d", list(itertools.product(
    [1, 2, 5, 6, 7], [1, 2, 3], [1, 2, 3], [0, 1, 2], [1, 2])))
def test_output_size_formula_and_empty_output_error_agree_with_torch(size, k, s, p, d):
    x = np.zeros((1, 1, size))
    w = np.ones((1, 1, k))
    try:
        want = TF.conv1d(torch.tensor(x), torch.tensor(w), stride=s, padding=p,
                         dilation=d).shape[-1]
    except RuntimeError:  # torch: "Kernel size can't be greater than actual input size"
        want = None
    if want is None:
        assert size + 2 * p < d * (k - 1) + 1  # the floor formula would give o <= 0
        with pytest.raises(gg.ShapeError, match="kernel spans"):
            CF.conv1d(t(x), t(w), stride=s, padding=p, dilation=d)
        with pytest.raises(gg.ShapeError, match="Conv1d"):
            layer = Conv1d(1, 1, k, stride=s, padding=p, dilation=d, dtype=np.float64)
            layer(t(x))
    else:
        assert want == (size + 2 * p - d * (k - 1) - 1) // s + 1
        assert CF.conv_output_shape(size, k, s, p, d) == (want,)
        assert CF.conv1d(t(x), t(w), stride=s, padding=p, dilation=d).shape[-1] == want


def test_conv_modules_match_torch_modules_with_state_dict():
    torch.manual_seed(0)
    ref = torch.nn.Conv2d(6, 4, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2),
                          groups=2).double()
    ours = Conv2d(6, 4, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2,
                  dtype=np.float64)
    ours.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    x = np.random.default_rng(3).standard_normal((2, 6, 7, 9))
    tx, gx = torch.tensor(x, requires_grad=True), t(x, grad=True)
    ty, gy = ref(tx), ours(gx)
    np.testing.assert_allclose(gy.detach().numpy(), ty.detach().numpy(), atol=1e-12)
    (ty ** 2).sum().backward()
    (gy ** 2).sum().backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(ours.weight.grad.numpy(), ref.weight.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(ours.bias.grad.numpy(), ref.bias.grad.numpy(), atol=1e-10)


# ---------------------------------------------------------------- pooling

POOL_CASES = [  # kernel, stride, padding, dilation, (H, W): stride ≠ kernel, odd sizes
    (3, 2, 1, 1, (7, 8)), ((2, 3), (3, 1), (1, 0), 1, (5, 5)), (2, 3, 0, 1, (7, 7)),
    (3, 1, 1, 2, (5, 6)), ((3, 2), 2, (1, 1), (2, 1), (6, 5)), (2, 1, 0, 1, (3, 4))]


@pytest.mark.parametrize("kernel,stride,padding,dilation,hw", POOL_CASES)
def test_max_pool2d_ties_and_overlaps_match_torch(kernel, stride, padding, dilation, hw):
    # rounded values: many ties, inside a window and across overlapping windows
    x = np.round(np.random.default_rng(4).standard_normal((2, 3) + hw))
    _compare(lambda x: CF.max_pool2d(x, kernel, stride, padding, dilation),
             lambda x: TF.max_pool2d(x, kernel, stride, padding, dilation), [x])


def test_max_pool_gradient_goes_to_the_first_maximum_in_row_major_order():
    # all-equal window: PyTorch (and glassgrad) give the whole gradient to the top-left element
    x = t(np.full((1, 1, 3, 3), 2.0), grad=True)
    CF.max_pool2d(x, 2, stride=1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [[1, 1, 0], [1, 1, 0], [0, 0, 0]])
    tx = torch.full((1, 1, 3, 3), 2.0, dtype=torch.float64, requires_grad=True)
    TF.max_pool2d(tx, 2, stride=1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


def test_max_pool_window_entirely_in_padding_is_minus_inf_with_no_gradient():
    # kernel 2, dilation 2, padding 1 on a length-1 input: the only window reads positions
    # -1 and 1, both padding. PyTorch also outputs -inf, but its backward routes that window's
    # gradient to flat index 1, which is outside the 1-element plane and lands in the next
    # channel (torch 2.13.0 bug). The output depends on no input, so the gradient must be 0.
    x = t(np.arange(6.0).reshape(2, 3, 1), grad=True)
    y = CF.max_pool1d(x, 2, stride=2, padding=1, dilation=2)
    ty = TF.max_pool1d(torch.tensor(x.detach().numpy()), 2, stride=2, padding=1, dilation=2)
    np.testing.assert_array_equal(y.detach().numpy(), ty.numpy())
    assert np.isneginf(y.detach().numpy()).all()
    y.backward(t(np.ones((2, 3, 1))))
    np.testing.assert_array_equal(x.grad.numpy(), 0.0)


@pytest.mark.parametrize("kernel,stride,padding,hw", [
    (3, 2, 1, (7, 8)), ((2, 3), (3, 1), (1, 1), (5, 5)), (2, 3, 1, (7, 7)), (3, 1, 1, (2, 2))])
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool2d_stride_not_kernel_matches_torch(kernel, stride, padding, hw,
                                                    count_include_pad):
    x = np.random.default_rng(5).standard_normal((2, 3) + hw)
    cip = count_include_pad
    _compare(lambda x: CF.avg_pool2d(x, kernel, stride, padding, count_include_pad=cip),
             lambda x: TF.avg_pool2d(x, kernel, stride, padding, count_include_pad=cip), [x])


@pytest.mark.parametrize("size,hw", [(3, (5, 7)), ((4, 1), (8, 3)), ((1, 7), (3, 2)),
                                     (5, (3, 2))])
def test_adaptive_avg_pool2d_uneven_and_upsampling_match_torch(size, hw):
    x = np.random.default_rng(6).standard_normal((2, 3) + hw)
    _compare(lambda x: CF.adaptive_avg_pool2d(x, size),
             lambda x: TF.adaptive_avg_pool2d(x, size), [x])


def test_pool_layers_match_torch_layers():
    x = np.random.default_rng(7).standard_normal((2, 3, 7, 6))
    pairs = [(gg.nn.MaxPool2d(3, 2, 1), torch.nn.MaxPool2d(3, 2, 1)),
             (gg.nn.AvgPool2d(3, 2, 1, count_include_pad=False),
              torch.nn.AvgPool2d(3, 2, 1, count_include_pad=False)),
             (gg.nn.AdaptiveAvgPool2d((3, 4)), torch.nn.AdaptiveAvgPool2d((3, 4)))]
    for ours, theirs in pairs:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _compare(ours, theirs, [x])


# ceil_mode (PyTorch's rule: ⌈…/s⌉ + 1 windows, but none may start in the right padding only)
CEIL_CASES = [  # kernel, stride, padding, dilation, (H, W)
    (2, None, 0, 1, (7, 5)), (3, 2, 0, 1, (8, 6)), (3, 2, 1, 1, (6, 7)), ((2, 3), (3, 2), (1, 1), 1,
                                                                           (7, 8)),
    (2, 3, 1, 1, (4, 4)), (3, 3, 1, 2, (8, 7)), (4, 4, 0, 1, (1, 2)), (3, 2, 1, (2, 1), (5, 9))]


@pytest.mark.parametrize("kernel,stride,padding,dilation,hw", CEIL_CASES)
def test_max_pool2d_ceil_mode_matches_torch(kernel, stride, padding, dilation, hw):
    x = np.round(np.random.default_rng(8).standard_normal((2, 3) + hw))
    _compare(lambda x: CF.max_pool2d(x, kernel, stride, padding, dilation, ceil_mode=True),
             lambda x: TF.max_pool2d(x, kernel, stride, padding, dilation, ceil_mode=True), [x])


@pytest.mark.parametrize("kernel,stride,padding,dilation,hw",
                         [c for c in CEIL_CASES if c[3] == 1])
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool2d_ceil_mode_divisor_matches_torch(kernel, stride, padding, dilation, hw,
                                                    count_include_pad):
    # count_include_pad counts the symmetric padding but not the cells ceil_mode's last window
    # reaches beyond it (PyTorch's divisor)
    x = np.random.default_rng(9).standard_normal((2, 3) + hw)
    cip = count_include_pad
    _compare(lambda x: CF.avg_pool2d(x, kernel, stride, padding, True, cip),
             lambda x: TF.avg_pool2d(x, kernel, stride, padding, True, cip), [x])


def test_ceil_mode_by_hand_and_in_pytorchs_argument_order():
    # 1-D, length 5, kernel 2, stride 2: floor keeps windows [0, 1] and [2, 3]; ceil adds the
    # partial window [4] (max 5; mean 5/1 since nothing past the input counts).
    x = t([[[1.0, 2.0, 3.0, 4.0, 5.0]]], grad=True)
    np.testing.assert_array_equal(CF.max_pool1d(x, 2).detach().numpy(), [[[2, 4]]])
    y = CF.max_pool1d(x, 2, ceil_mode=True)
    np.testing.assert_array_equal(y.detach().numpy(), [[[2, 4, 5]]])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[[0, 1, 0, 1, 1]]])
    # the 5th positional argument is ceil_mode, as in torch.nn.functional.avg_pool1d/2d
    np.testing.assert_array_equal(CF.avg_pool1d(x, 2, 2, 0, True).detach().numpy(),
                                  [[[1.5, 3.5, 5.0]]])
    layers = [(gg.nn.MaxPool2d(2, ceil_mode=True), torch.nn.MaxPool2d(2, ceil_mode=True)),
              (gg.nn.AvgPool2d(3, 2, 1, True, False), torch.nn.AvgPool2d(3, 2, 1, True, False)),
              (gg.nn.MaxPool1d(3, 2, ceil_mode=True), torch.nn.MaxPool1d(3, 2, ceil_mode=True)),
              (gg.nn.AvgPool1d(2, 3, 1, True), torch.nn.AvgPool1d(2, 3, 1, True))]
    rng = np.random.default_rng(10)
    for ours, theirs in layers:
        shape = (2, 3, 7, 6) if ours._dims == 2 else (2, 3, 8)
        _compare(ours, theirs, [rng.standard_normal(shape)])
    assert "ceil_mode=True" in repr(layers[0][0])
