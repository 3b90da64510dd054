"""The W3 floor: LeNet-5 forward, backward and momentum SGD by hand in NumPy.

Convolution as im2col (a strided window view copied into rows) and one GEMM; its input gradient
scatters the column gradients back window offset by window offset; 2×2 max pooling through a
reshape. No graph, no checks: what a careful NumPy programmer would write.
"""

from __future__ import annotations

import numpy as np
import w3_data
from numpy.lib.stride_tricks import sliding_window_view


def _im2col(x, k):
    """(N, C, H, W) -> rows (N·OH·OW, C·k·k) of every k×k window, stride 1."""
    n, c, h, w = x.shape
    win = sliding_window_view(x, (k, k), axis=(2, 3))  # (N, C, OH, OW, k, k)
    oh, ow = h - k + 1, w - k + 1
    return win.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, c * k * k), oh, ow


def _conv(x, w, b):
    o, _, k, _ = w.shape
    rows, oh, ow = _im2col(x, k)
    out = rows @ w.reshape(o, -1).T
    out += b
    return out.reshape(len(x), oh, ow, o).transpose(0, 3, 1, 2), rows


def _conv_backward(dout, rows, w, x_shape, need_dx):
    o, c, k, _ = w.shape
    n, _, oh, ow = dout.shape
    d2 = dout.transpose(0, 2, 3, 1).reshape(-1, o)
    dw, db = (d2.T @ rows).reshape(w.shape), d2.sum(0)
    if not need_dx:
        return dw, db, None
    dcols = (d2 @ w.reshape(o, -1)).reshape(n, oh, ow, c, k, k).transpose(0, 3, 4, 5, 1, 2)
    dx = np.zeros(x_shape, dtype=dout.dtype)
    for i in range(k):
        for j in range(k):
            dx[:, :, i:i + oh, j:j + ow] += dcols[:, :, i, j]
    return dw, db, dx


def _pool(x):
    n, c, h, w = x.shape
    r = x.reshape(n, c, h // 2, 2, w // 2, 2)
    out = r.max(axis=(3, 5))
    return out, r == out[:, :, :, None, :, None]


def build(arrays):
    names = [f"{i}.{k}" for i in w3_data.SHAPES for k in ("weight", "bias")]
    p = {n: arrays[n].copy() for n in names}
    buf = {n: None for n in names}
    x_all, y_all, it = arrays["x"], arrays["y"], [0]

    def forward(x):
        xp = np.pad(x, ((0, 0), (0, 0), (2, 2), (2, 2)))
        z1, rows1 = _conv(xp, p["0.weight"], p["0.bias"])
        a1, m1 = _pool(np.maximum(z1, 0))
        z2, rows2 = _conv(a1, p["3.weight"], p["3.bias"])
        a2, m2 = _pool(np.maximum(z2, 0))
        f = a2.reshape(len(x), -1)
        h1 = np.maximum(f @ p["7.weight"].T + p["7.bias"], 0)
        h2 = np.maximum(h1 @ p["9.weight"].T + p["9.bias"], 0)
        z = h2 @ p["11.weight"].T + p["11.bias"]
        return z, (xp, z1, rows1, m1, a1, z2, rows2, m2, a2, f, h1, h2)

    def softmax_ce(z, y):
        z = z - z.max(1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(1, keepdims=True))
        return logp, float(-logp[np.arange(len(y)), y].mean())

    def step() -> float:
        k = it[0] % len(x_all)
        it[0] += 1
        x, y = x_all[k], y_all[k]
        z, (xp, z1, rows1, m1, a1, z2, rows2, m2, a2, f, h1, h2) = forward(x)
        logp, loss = softmax_ce(z, y)
        dz = np.exp(logp)
        dz[np.arange(len(y)), y] -= 1
        dz *= np.float32(1 / len(y))
        g = {"11.weight": dz.T @ h2, "11.bias": dz.sum(0)}
        dh2 = (dz @ p["11.weight"]) * (h2 > 0)
        g["9.weight"], g["9.bias"] = dh2.T @ h1, dh2.sum(0)
        dh1 = (dh2 @ p["9.weight"]) * (h1 > 0)
        g["7.weight"], g["7.bias"] = dh1.T @ f, dh1.sum(0)
        da2 = (dh1 @ p["7.weight"]).reshape(a2.shape)
        dz2 = (m2 * da2[:, :, :, None, :, None]).reshape(z2.shape) * (z2 > 0)
        g["3.weight"], g["3.bias"], da1 = _conv_backward(dz2, rows2, p["3.weight"], a1.shape, True)
        dz1 = (m1 * da1[:, :, :, None, :, None]).reshape(z1.shape) * (z1 > 0)
        g["0.weight"], g["0.bias"], _ = _conv_backward(dz1, rows1, p["0.weight"], xp.shape, False)
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
