"""Small convolutions and pools whose answers are worked out by hand in each test."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.nn import conv_functional as CF


def t(a, grad=False):
    return gg.Tensor(np.asarray(a, dtype=np.float64), dtype=np.float64, requires_grad=grad)


def test_vertical_edge_filter_on_6x6_image():
    # left half bright (10), right half dark (0); the filter [1 0 -1] in each row responds with
    # 3·(10 − 0) = 30 where its window straddles the edge (columns 1 and 2), 0 elsewhere.
    image = t(np.tile([10, 10, 10, 0, 0, 0], (6, 1))[None, None], grad=True)
    edge = t(np.tile([1, 0, -1], (3, 1))[None, None], grad=True)
    y = CF.conv2d(image, edge)
    np.testing.assert_array_equal(y.detach().numpy()[0, 0], np.tile([0, 30, 30, 0], (4, 1)))
    y.sum().backward()
    # ∂Σy/∂w[a, b] = Σ of the 4×4 block of the image starting at (a, b): 4 rows × (10 per
    # bright column): b = 0 sees 3 bright columns, b = 1 two, b = 2 one.
    np.testing.assert_array_equal(edge.grad.numpy()[0, 0], np.tile([120, 80, 40], (3, 1)))


def test_zero_padding_counts_the_neighbours():
    # ones image, ones 3×3 kernel, padding 1: each output counts its in-image neighbours
    y = CF.conv2d(t(np.ones((1, 1, 3, 3))), t(np.ones((1, 1, 3, 3))), padding=1)
    np.testing.assert_array_equal(y.detach().numpy()[0, 0], [[4, 6, 4], [6, 9, 6], [4, 6, 4]])


def test_two_channel_2x2_filter_with_bias():
    # channel 0: x0[i, j] = 3i + j, filter [[1, 0], [0, 1]] picks x0[i, j] + x0[i+1, j+1]
    #   = (3i + j) + (3i + j + 4); channel 1: ones under a filter of 0.5s adds 4 · 0.5 = 2;
    # bias 1. So y[i, j] = 6i + 2j + 4 + 2 + 1 = 6i + 2j + 7.
    x = t(np.stack([np.arange(9.0).reshape(3, 3), np.ones((3, 3))])[None])
    w = t([[[[1, 0], [0, 1]], [[0.5, 0.5], [0.5, 0.5]]]])
    y = CF.conv2d(x, w, t([1.0]))
    np.testing.assert_array_equal(y.detach().numpy()[0, 0], [[7, 9], [13, 15]])


def test_stride_2_convolution_and_its_input_gradient():
    # 3×3 window sums of x[r, c] = 5r + c at top-left corners (r, c) ∈ {0, 2}²:
    # Σ_{a,b<3} 5(r+a) + (c+b) = 9(5r + c) + 54.
    x = t(np.arange(25.0).reshape(1, 1, 5, 5), grad=True)
    y = CF.conv2d(x, t(np.ones((1, 1, 3, 3))), stride=2)
    np.testing.assert_array_equal(y.detach().numpy()[0, 0], [[54, 72], [144, 162]])
    y.sum().backward()
    # ∂Σy/∂x counts the windows covering each pixel: rows/cols 0,1,3,4 in one window, 2 in two.
    cover = np.array([1, 1, 2, 1, 1])
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], np.outer(cover, cover))


def test_output_size_formula():
    # ⌊(H + 2p − d(K − 1) − 1)/s⌋ + 1
    assert CF.conv_output_shape(28, 5, padding=2) == (28,)
    assert CF.conv_output_shape((14, 9), 5) == (10, 5)
    assert CF.conv_output_shape((7, 8), 3, stride=2, padding=1, dilation=2) == (3, 3)
    assert CF.conv_output_shape((7, 8), (4, 2), padding="same") == (7, 8)


POOL_X = [[1, 3, 2, 4],
          [5, 6, 1, 2],
          [7, 8, 9, 1],
          [0, 2, 3, 4]]


def test_max_pool_2x2_and_gradient_to_the_maxima():
    x = t(np.array(POOL_X)[None, None], grad=True)
    y = CF.max_pool2d(x, 2)
    np.testing.assert_array_equal(y.detach().numpy()[0, 0], [[6, 4], [8, 9]])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [[0, 0, 0, 1],
                                                          [0, 1, 0, 0],
                                                          [0, 1, 1, 0],
                                                          [0, 0, 0, 0]])


def test_avg_pool_2x2_and_gradient_spread_evenly():
    x = t(np.array(POOL_X)[None, None], grad=True)
    y = CF.avg_pool2d(x, 2)
    # (1+3+5+6)/4, (2+4+1+2)/4, (7+8+0+2)/4, (9+1+3+4)/4
    np.testing.assert_array_equal(y.detach().numpy()[0, 0], [[15 / 4, 9 / 4], [17 / 4, 17 / 4]])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], np.full((4, 4), 0.25))


def test_avg_pool_padding_divisor():
    # 2×2 ones, kernel 3, padding 1, stride 1: every window holds 4 real ones of 9 cells
    x = t(np.ones((1, 1, 2, 2)))
    np.testing.assert_allclose(CF.avg_pool2d(x, 3, 1, 1).numpy(), np.full((1, 1, 2, 2), 4 / 9))
    np.testing.assert_allclose(CF.avg_pool2d(x, 3, 1, 1, count_include_pad=False).numpy(), 1.0)


@pytest.mark.parametrize("call,error,words", [
    (lambda: CF.conv2d(t(np.ones((1, 1, 3, 3))), t(np.ones((1, 1, 5, 5)))), gg.ShapeError,
     "kernel spans 5"),
    (lambda: CF.conv2d(t(np.ones((1, 2, 5, 5))), t(np.ones((1, 3, 3, 3)))), gg.ShapeError,
     "2 channels"),
    (lambda: CF.conv2d(t(np.ones((2, 5, 5))), t(np.ones((1, 2, 3, 3)))), gg.ShapeError, "4-D"),
    (lambda: CF.conv1d(t(np.ones((2, 5))), t(np.ones((1, 2, 3)))), gg.ShapeError, "3-D"),
    (lambda: CF.conv2d(t(np.ones((1, 1, 5, 5))), t(np.ones((1, 1, 3, 3))), stride=0), ValueError,
     "positive"),
    (lambda: CF.conv2d(t(np.ones((1, 1, 5, 5))), t(np.ones((1, 1, 3, 3))), stride=2,
                       padding="same"), ValueError, "stride 1"),
    (lambda: CF.conv2d(t(np.ones((1, 1, 5, 5))), t(np.ones((1, 1, 3, 3))), padding="full"),
     ValueError, "'valid' or 'same'"),
    (lambda: CF.max_pool2d(t(np.ones((1, 1, 2, 2))), 3), gg.ShapeError, "window spans 3"),
    (lambda: CF.max_pool2d(t(np.ones((1, 1, 4, 4))), 2, stride=0), ValueError, "positive"),
    (lambda: CF.avg_pool2d(t(np.ones((4, 4))), 2), gg.ShapeError, "4-D"),
])
def test_bad_input_raises_clear_errors(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_max_pool_padding_never_wins_for_integer_and_bool_inputs():
    F = CF
    ints = gg.tensor(np.full((1, 1, 2, 2), -5, dtype=np.int64), dtype=np.int64)
    assert F.max_pool2d(ints, 2, stride=2, padding=1).numpy().tolist() == [[[[-5, -5], [-5, -5]]]]
    bools = gg.tensor(np.zeros((1, 1, 2, 2), dtype=bool), dtype=bool)
    assert not F.max_pool2d(bools, 2, stride=2, padding=1).numpy().any()


def test_max_pool_padding_limit_is_half_the_kernel_as_in_torch():
    with pytest.raises(ValueError, match="at most half the kernel"):
        CF.max_pool1d(gg.randn(1, 1, 5), 2, stride=1, padding=2, dilation=3)
