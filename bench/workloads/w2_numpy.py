"""The W2 floor: hand-written forward, backward and Adam, in place where NumPy allows."""

from __future__ import annotations

import numpy as np
import w2_data
from floor_memory import keep_freed_memory


def build(arrays):
    keep_freed_memory()  # the floor's buffer reuse (floor_memory.py)
    x, y = arrays["x"], arrays["y"]
    params = [arrays[f"{i}.{k}"].copy() for i in (0, 2, 4) for k in ("weight", "bias")]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    t, epoch = [0], [0]
    b1, b2, eps, lr = 0.9, 0.999, 1e-8, w2_data.LR

    def forward(xb):
        w1, c1, w2, c2, w3, c3 = params
        h1 = xb @ w1.T
        h1 += c1
        np.maximum(h1, 0, out=h1)
        h2 = h1 @ w2.T
        h2 += c2
        np.maximum(h2, 0, out=h2)
        z = h2 @ w3.T
        z += c3
        return h1, h2, z

    def softmax_ce(z, yb):
        z = z - z.max(1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(1, keepdims=True))
        return logp, float(-logp[np.arange(len(yb)), yb].mean())

    def step() -> float:
        for idx in w2_data.batches(len(x), epoch[0]):
            xb, yb = x[idx], y[idx]
            h1, h2, z = forward(xb)
            logp, loss = softmax_ce(z, yb)
            d3 = np.exp(logp)
            d3[np.arange(len(yb)), yb] -= 1
            d3 *= np.float32(1 / len(yb))
            d2 = d3 @ params[4]
            d2 *= h2 > 0
            d1 = d2 @ params[2]
            d1 *= h1 > 0
            grads = [d1.T @ xb, d1.sum(0), d2.T @ h1, d2.sum(0), d3.T @ h2, d3.sum(0)]
            t[0] += 1
            c1, c2 = 1 - b1 ** t[0], (1 - b2 ** t[0]) ** 0.5
            for p, g, mi, vi in zip(params, grads, m, v):
                mi *= b1
                mi += (1 - b1) * g
                vi *= b2
                g *= g
                g *= 1 - b2
                vi += g
                denom = np.sqrt(vi)
                denom *= 1 / c2
                denom += eps
                np.divide(mi, denom, out=denom)
                denom *= lr / c1
                p -= denom
        epoch[0] += 1
        return loss

    def reached() -> str:
        z = forward(x[:10000])[2]
        return w2_data.evaluation(z, y[:10000], softmax_ce(z, y[:10000])[1])

    return step, reached
