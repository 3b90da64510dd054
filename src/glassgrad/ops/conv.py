"""Convolution (cross-correlation, as every framework computes it) as im2col + one GEMM.

Shapes: x (N, C, H, W), weight (O, C/groups, KH, KW), bias (O,) -> y (N, O, OH, OW) with
OH = ⌊(H + pad_top + pad_bottom − dh·(KH − 1) − 1) / sh⌋ + 1 (and the same for OW).

Memory layout, chosen by measurement (``bench/conv_layouts.py``): inside, images are "CHWN",
batch innermost. The columns matrix is (C·KH·KW, OH·OW·N) (built in blocks of output rows,
see ``column_blocks``), so the forward product is
``W (O, C·KH·KW) @ cols`` and lands as (O, OH, OW, N) in memory; the output is that buffer seen
through a transpose, shape (N, O, OH, OW), no copy. Elementwise ops and pooling keep that memory
order, so the next convolution's ``x.transpose(1, 2, 3, 0)`` is already contiguous. With N
innermost every strided slice copies runs of OW·N floats instead of OW: the fastest of the
layouts and contractions measured (bench/RESULTS.md §13).
"""

from __future__ import annotations

from ..autograd import Function
from ..backend import blas_threads, get_array_module, ones_vector
from ..errors import ShapeError
from .workspace import pooled, scratch


def conv_output_size(size: int, kernel: int, stride: int, pad: int, dilation: int) -> int:
    """⌊(size + pad − dilation·(kernel − 1) − 1) / stride⌋ + 1, ``pad`` being both sides' sum."""
    return (size + pad - dilation * (kernel - 1) - 1) // stride + 1


def _as_strided(xp, a, shape, strides):
    # NOTE: CuPy has the same function under the same path; strides are in bytes on both.
    return xp.lib.stride_tricks.as_strided(a, shape=shape, strides=strides)


def to_chwn(x, padding, value=0.0):
    """x (N, C, H, W) -> (C, H + pt + pb, W + pl + pr, N): one copy does transpose and padding.

    Without padding it is a view (free when x already lies batch-innermost in memory).
    """
    xp = get_array_module(x)
    (pt, pb), (pl, pr) = padding
    xt = x.transpose(1, 2, 3, 0)
    if not (pt or pb or pl or pr):
        return xt
    c, h, w, n = xt.shape
    out = pooled(xp, (c, h + pt + pb, w + pl + pr, n), x.dtype)
    out.fill(value)
    out[:, pt:pt + h, pl:pl + w] = xt
    return out


def windows(x, kernel, stride, padding, dilation):
    """x (N, C, H, W) -> the strided view (C, KH, KW, OH, OW, N) that ``im2col`` copies.

    ``windows[c, i, j, oh, ow, n] = x_padded[n, c, oh·sh + i·dh, ow·sw + j·dw]``.
    """
    xp = get_array_module(x)
    xt = to_chwn(x, padding)
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    c, hp, wp, n = xt.shape
    oh = conv_output_size(hp, kh, sh, 0, dh)
    ow = conv_output_size(wp, kw, sw, 0, dw)
    s_c, s_h, s_w, s_n = xt.strides
    return _as_strided(xp, xt, (c, kh, kw, oh, ow, n),
                       (s_c, dh * s_h, dw * s_w, sh * s_h, sw * s_w, s_n))


def im2col(x, kernel, stride, padding, dilation):
    """x (N, C, H, W) -> cols (C, KH, KW, OH, OW, N), contiguous, one copy of a strided view."""
    return get_array_module(x).ascontiguousarray(windows(x, kernel, stride, padding, dilation))


# NOTE: the GEMMs run on blocks of output rows whose columns take ~1 MB per BLAS thread
# (cache-sized), each block copied from the window view into one reused buffer just before its
# GEMM reads it. Whole-image columns (5 MB on LeNet's first layer) went to memory and back, and
# a fresh buffer per block page-faulted; the buffer also lives on across steps
# (``workspace.scratch``). Per thread: one thread is fastest at 1 MB (2 MB: LeNet's step ~7 %
# slower), two threads at 2 MB (1 MB gives each too little work per GEMM call; 4 MB and one
# whole-image block made LeNet's step ~4-6 % slower, bench/RESULTS.md §16-17); more than two
# threads were never measured. The input gradient's col2im is not blocked:
# smaller blocks made its KH·KW slice-adds per block cost more (bench/RESULTS.md §13).
_BLOCK_BYTES = (1 << 20) * min(blas_threads(), 4)


def column_blocks(win):
    """Yield (rows, cols): ``cols`` a contiguous copy of ``win[:, :, :, rows]`` for blocks of
    output rows of ~``_BLOCK_BYTES`` each. ``cols`` is overwritten by the next block (and
    by the next ``column_blocks``: it is workspace scratch)."""
    xp = get_array_module(win)
    oh = win.shape[3]
    per_row = win.size // oh
    # NOTE: an empty batch (N = 0) has no columns: one empty block
    step = max(1, min(oh, _BLOCK_BYTES // (per_row * win.itemsize))) if per_row else max(oh, 1)
    buf = scratch(xp, (per_row * step,), win.dtype, "conv columns")
    for start in range(0, oh, step):
        rows = slice(start, min(start + step, oh))
        block = win[:, :, :, rows]
        cols = buf[:block.size].reshape(block.shape)
        cols[...] = block
        yield rows, cols


def col2im(cols, x_shape, kernel, stride, padding, dilation):
    """The adjoint of ``im2col``: cols (C, KH, KW, OH, OW, N) -> x (N, C, H, W), summing overlaps.

    One vectorised slice-add per kernel offset (KH·KW of them), never a loop over pixels.
    """
    xp = get_array_module(cols)
    n, c, h, w = x_shape
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    (pt, pb), (pl, pr) = padding
    oh, ow = cols.shape[3], cols.shape[4]
    gx = pooled(xp, (c, h + pt + pb, w + pl + pr, n), cols.dtype)
    gx.fill(0)
    for i in range(kh):
        rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
        for j in range(kw):
            gx[:, rows, j * dw:j * dw + sw * (ow - 1) + 1:sw] += cols[:, i, j]
    return gx[:, pt:pt + h, pl:pl + w].transpose(3, 0, 1, 2)


class Conv2d(Function):
    """y = W ⋆ x + b (2-D cross-correlation), fused with the bias add.

    Params: stride (sh, sw), padding ((top, bottom), (left, right)), dilation (dh, dw), groups.
    """

    hint = "check in_channels, kernel_size and padding against the input's (N, C, H, W) shape."

    # NOTE: bias is fused (added into the GEMM's output in place): it saves one pass and one
    # graph node per layer on the hot path.
    def forward(self, x, weight, bias=None, stride=(1, 1), padding=((0, 0), (0, 0)),
                dilation=(1, 1), groups=1):
        _check(x, weight, bias, stride, padding, dilation, groups)
        xp = get_array_module(x, weight)
        n = x.shape[0]
        o, cg, kh, kw = weight.shape
        kernel = (kh, kw)
        win = windows(x, kernel, stride, padding, dilation)
        oh, ow = win.shape[3], win.shape[4]
        y = pooled(xp, (o, oh, ow, n), xp.result_type(x, weight))
        wg = weight.reshape(groups, o // groups, -1)
        for rows, cols in column_blocks(win):
            xp.matmul(wg, cols.reshape(groups, wg.shape[2], -1),
                      out=y[:, rows].reshape(groups, o // groups, -1))
        if bias is not None:
            y += bias[:, None, None, None]
        # NOTE: the columns are not kept for backward: they are KH·KW times the input (5 MB on
        # LeNet's first layer); backward rebuilds them block by block, only when the weight
        # wants a gradient. Keeping them grew the heap ~12 MB per LeNet step, which glibc could
        # hand back to the OS and page-fault in again: much slower steps once PyTorch had run in
        # the same process, for a cheap rebuild (bench/RESULTS.md §13).
        self.x, self.weight = x, weight
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        return y.transpose(3, 0, 1, 2)

    def backward(self, gy):
        xp = get_array_module(gy)
        w, g, x = self.weight, self.groups, self.x
        o = w.shape[0]
        gy2 = gy.transpose(1, 2, 3, 0)  # (O, OH, OW, N): batch innermost, as y was made
        if not gy2.flags.c_contiguous:
            gy2 = pooled(xp, gy2.shape, gy.dtype)
            gy2[...] = gy.transpose(1, 2, 3, 0)
        gy2 = gy2.reshape(o, -1)  # (O, OH·OW·N)
        gx = gw = gb = None
        if self.needs_grad(1):  # gwᵀ = Σ over row blocks of cols_block @ gy_blockᵀ
            win = windows(x, w.shape[2:], self.stride, self.padding, self.dilation)
            gy_rows = gy2.reshape(g, o // g, gy.shape[2], -1)  # (G, O/G, OH, OW·N)
            k = w[0].size  # C/G·KH·KW
            # NOTE: the product as gwᵀ (C/G·KH·KW, O/G), the long columns on the left: the
            # same sums, and OpenBLAS runs this skinny shape ~2x faster than gy @ colsᵀ
            # (bench/RESULTS.md §15).
            for rows, cols in column_blocks(win):
                part = xp.matmul(cols.reshape(g, k, -1),
                                 gy_rows[:, :, rows].reshape(g, o // g, -1).transpose(0, 2, 1))
                if gw is None:
                    gw = part
                else:
                    gw += part
            gw = gw.transpose(0, 2, 1).reshape(w.shape)
        if len(self.inputs) > 2 and self.needs_grad(2):
            gb = gy2.dot(ones_vector(gy2.shape[1], gy2))  # row sums as one BLAS call
        if self.needs_grad(0):
            gcols = pooled(xp, (g, w[0].size, gy2.shape[1]), xp.result_type(w, gy2))
            wg = w.reshape(g, o // g, -1).transpose(0, 2, 1)
            xp.matmul(wg, gy2.reshape(g, o // g, -1), out=gcols)
            gcols = gcols.reshape((x.shape[1],) + w.shape[2:] + gy.shape[2:] + (x.shape[0],))
            gx = col2im(gcols, x.shape, w.shape[2:], self.stride, self.padding, self.dilation)
        return gx, gw, gb


def _check(x, weight, bias, stride, padding, dilation, groups):
    if x.ndim != 4 or weight.ndim != 4:
        raise ShapeError(
            f"Conv2d: expected a 4-D input (N, C, H, W) and a 4-D weight (O, C/groups, KH, KW), "
            f"got input {tuple(x.shape)} and weight {tuple(weight.shape)}. For one image add "
            "the batch axis with x.unsqueeze(0).")
    if min(stride) < 1 or min(dilation) < 1 or groups < 1:
        raise ValueError(f"Conv2d: stride {stride}, dilation {dilation} and groups {groups} "
                         "must be positive integers.")
    o, cg = weight.shape[:2]
    if x.shape[1] != cg * groups:
        raise ShapeError(
            f"Conv2d: input has {x.shape[1]} channels (shape {tuple(x.shape)}) but the weight "
            f"{tuple(weight.shape)} with groups={groups} expects {cg * groups}.")
    if o % groups:
        raise ValueError(f"Conv2d: out_channels {o} is not divisible by groups={groups}.")
    if bias is not None and tuple(bias.shape) != (o,):
        raise ShapeError(f"Conv2d: bias has shape {tuple(bias.shape)}, expected ({o},).")
    for axis, name in ((0, "height"), (1, "width")):
        size = x.shape[2 + axis] + sum(padding[axis])
        span = dilation[axis] * (weight.shape[2 + axis] - 1) + 1
        if span > size:
            raise ShapeError(
                f"Conv2d: the kernel spans {span} pixels in {name} (kernel "
                f"{tuple(weight.shape[2:])}, dilation {tuple(dilation)}) but the padded input is "
                f"only {size} (input {tuple(x.shape)}, padding {tuple(padding)}). Use a smaller "
                "kernel, more padding, or a larger input.")
