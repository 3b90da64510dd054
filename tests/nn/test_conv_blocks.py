"""Convolution's row-blocked GEMMs and ReLU's branch-free gradient give PyTorch 2.13.0's results.

Conv2d builds its columns in blocks of output rows (``ops.conv._BLOCK_BYTES``); small test
images fit in one block, so these tests shrink the block size to force several blocks,
including a shorter last one.
"""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.nn import conv_functional as CF
from glassgrad.ops import conv as conv_ops
from tests._torch import TF, torch


@pytest.mark.parametrize("stride,padding,dilation,groups", [
    (1, 2, 1, 1), (2, 1, 1, 2), (1, 0, 2, 1), ((2, 1), (1, 0), (1, 2), 3)])
@pytest.mark.parametrize("block_bytes", [1, 3000])
def test_conv2d_in_row_blocks_matches_torch(monkeypatch, stride, padding, dilation, groups,
                                           block_bytes):
    monkeypatch.setattr(conv_ops, "_BLOCK_BYTES", block_bytes)  # 1: one row per block
    blocks, column_blocks = [], conv_ops.column_blocks

    def counting(win):
        for rows, cols in column_blocks(win):
            blocks.append(rows)
            yield rows, cols

    monkeypatch.setattr(conv_ops, "column_blocks", counting)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 6, 13, 11)).astype(np.float32)
    w = rng.standard_normal((12, 6 // groups, 3, 4)).astype(np.float32)
    b = rng.standard_normal(12).astype(np.float32)
    kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    ours = [gg.Tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    y, ty = CF.conv2d(*ours, **kw), TF.conv2d(*theirs, **kw)
    assert len(blocks) > 1 and blocks[-1].stop == y.shape[2]  # several blocks cover all rows
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), atol=1e-5, rtol=1e-5)
    g = rng.standard_normal(y.shape).astype(np.float32)
    y.backward(gg.Tensor(g))
    ty.backward(torch.tensor(g))
    for a, ta in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), atol=1e-4, rtol=1e-5)


def test_relu_gradient_is_exactly_where():
    """ReLU's backward multiplies the gradient's bits by the mask: it must equal
    where(x > 0, gy, 0) bit for bit, NaN and Inf gradients included (PyTorch zeroes them at
    dead units)."""
    x = np.array([[-1.0, 2.0, 0.0, 3.0], [4.0, -5.0, 6.0, -0.5]], dtype=np.float32)
    gy = np.array([[np.nan, np.nan, np.inf, -2.5], [-np.inf, 7.0, -0.0, np.nan]],
                  dtype=np.float32)
    t = gg.Tensor(x, requires_grad=True)
    t.relu().backward(gg.Tensor(gy))
    tt = torch.tensor(x, requires_grad=True)
    torch.relu(tt).backward(torch.tensor(gy))
    expected = np.where(x > 0, gy, np.float32(0))
    np.testing.assert_array_equal(t.grad.numpy(), expected)
    np.testing.assert_array_equal(t.grad.numpy(), tt.grad.numpy())
    assert t.grad.dtype == np.float32
