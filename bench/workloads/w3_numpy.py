"""The W3 floor: LeNet-5 forward, backward and momentum SGD by hand in NumPy.

The same algorithm as glassgrad's convolution (ops/conv.py), without a graph or checks:
activations live batch-innermost as (C, H, W, N); a convolution copies the strided window view
(C, K, K, OH, OW, N) into columns and runs one GEMM; its input gradient slice-adds the column
gradients back, one kernel offset at a time; 2×2 max pooling is a reshape and a max.
"""

from __future__ import annotations

import numpy as np
import w3_data
from floor_memory import keep_freed_memory
from numpy.lib.stride_tricks import as_strided


def _conv(xt, w, b):
    """xt (C, H, W, N), w (O, C, K, K) -> y (O, OH, OW, N) and the columns."""
    c, h, wd, n = xt.shape
    o, _, k, _ = w.shape
    oh, ow = h - k + 1, wd - k + 1
    s_c, s_h, s_w, s_n = xt.strides
    win = as_strided(xt, (c, k, k, oh, ow, n), (s_c, s_h, s_w, s_h, s_w, s_n))
    cols = np.ascontiguousarray(win).reshape(c * k * k, -1)
    y = w.reshape(o, -1) @ cols
    y += b[:, None]
    return y.reshape(o, oh, ow, n), cols


def _conv_backward(gy, cols, w, x_shape, need_dx):
    o, c, k, _ = w.shape
    _, oh, ow, n = gy.shape
    gy2 = gy.reshape(o, -1)
    gw, gb = (gy2 @ cols.T).reshape(w.shape), gy2.sum(1)
    if not need_dx:
        return gw, gb, None
    gcols = (w.reshape(o, -1).T @ gy2).reshape(c, k, k, oh, ow, n)
    gx = np.zeros(x_shape, dtype=gy.dtype)
    for i in range(k):
        for j in range(k):
            gx[:, i:i + oh, j:j + ow] += gcols[:, i, j]
    return gw, gb, gx


def _pool(x):
    c, h, w, n = x.shape
    r = x.reshape(c, h // 2, 2, w // 2, 2, n)
    out = r.max(axis=(2, 4))
    return out, r == out[:, :, None, :, None, :]


def _unpool(g, mask):
    return (mask * g[:, :, None, :, None, :]).reshape(mask.shape[0], mask.shape[1] * 2,
                                                       mask.shape[3] * 2, mask.shape[5])


def build(arrays):
    keep_freed_memory()  # the floor's buffer reuse (floor_memory.py)
    names = [f"{i}.{k}" for i in w3_data.SHAPES for k in ("weight", "bias")]
    p = {n: arrays[n].copy() for n in names}
    buf = {n: None for n in names}
    x_all, y_all, it = arrays["x"], arrays["y"], [0]

    def forward(x):
        n = len(x)
        xt = np.zeros((1, 32, 32, n), np.float32)  # padding 2, batch innermost
        xt[:, 2:30, 2:30] = x.transpose(1, 2, 3, 0)
        z1, cols1 = _conv(xt, p["0.weight"], p["0.bias"])
        a1, m1 = _pool(np.maximum(z1, 0))
        z2, cols2 = _conv(a1, p["3.weight"], p["3.bias"])
        a2, m2 = _pool(np.maximum(z2, 0))
        f = a2.reshape(400, n).T  # torch's flatten order (c, h, w)
        h1 = np.maximum(f @ p["7.weight"].T + p["7.bias"], 0)
        h2 = np.maximum(h1 @ p["9.weight"].T + p["9.bias"], 0)
        z = h2 @ p["11.weight"].T + p["11.bias"]
        return z, (xt, z1, cols1, m1, a1, z2, cols2, m2, a2, f, h1, h2)

    def softmax_ce(z, y):
        z = z - z.max(1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(1, keepdims=True))
        return logp, float(-logp[np.arange(len(y)), y].mean())

    def step() -> float:
        k = it[0] % len(x_all)
        it[0] += 1
        x, y = x_all[k], y_all[k]
        z, (xt, z1, cols1, m1, a1, z2, cols2, m2, a2, f, h1, h2) = forward(x)
        logp, loss = softmax_ce(z, y)
        dz = np.exp(logp)
        dz[np.arange(len(y)), y] -= 1
        dz *= np.float32(1 / len(y))
        g = {"11.weight": dz.T @ h2, "11.bias": dz.sum(0)}
        dh2 = (dz @ p["11.weight"]) * (h2 > 0)
        g["9.weight"], g["9.bias"] = dh2.T @ h1, dh2.sum(0)
        dh1 = (dh2 @ p["9.weight"]) * (h1 > 0)
        g["7.weight"], g["7.bias"] = dh1.T @ f, dh1.sum(0)
        da2 = (p["7.weight"].T @ dh1.T).reshape(a2.shape)  # (400, N) -> (16, 5, 5, N)
        dz2 = _unpool(da2, m2) * (z2 > 0)
        g["3.weight"], g["3.bias"], da1 = _conv_backward(dz2, cols2, p["3.weight"], a1.shape,
                                                         True)
        dz1 = _unpool(da1, m1) * (z1 > 0)
        g["0.weight"], g["0.bias"], _ = _conv_backward(dz1, cols1, p["0.weight"], xt.shape,
                                                       False)
        for n in names:  # PyTorch's momentum SGD: buf = μ·buf + g (buf = g at first), p -= η·buf
            if buf[n] is None:
                buf[n] = g[n].astype(np.float32)
            else:
                buf[n] *= w3_data.MOMENTUM
                buf[n] += g[n]
            p[n] -= np.float32(w3_data.LR) * buf[n]
        return loss

    def reached() -> str:
        return f"loss {softmax_ce(forward(x_all[0])[0], y_all[0])[1]:.4f} (batch 0)"

    return step, reached
