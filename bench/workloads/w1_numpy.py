"""The W1 floor: forward and backward written by hand in NumPy, no graph, no bookkeeping."""

from __future__ import annotations

import numpy as np
import w1_data
from floor_memory import keep_freed_memory


def build(arrays, batch: int, lr: float):
    keep_freed_memory()  # the floor's buffer reuse (floor_memory.py)
    x, y = arrays["x"], arrays["y"]
    w1, b1, w2, b2, w3, b3 = (arrays[f"{i}.{k}"].copy() for i in (0, 2, 4)
                              for k in ("weight", "bias"))
    lr = np.float32(lr)
    epoch = [0]

    def forward(xb):
        a1 = np.tanh(xb @ w1.T + b1)
        a2 = np.tanh(a1 @ w2.T + b2)
        return a1, a2, 1 / (1 + np.exp(-(a2 @ w3.T + b3)))

    def bce(p, yb) -> float:
        return float(-(yb * np.log(p) + (1 - yb) * np.log(1 - p)).mean())

    def step() -> float:
        for idx in w1_data.batches(len(x), batch, epoch[0]):
            xb, yb = (x, y) if idx is None else (x[idx], y[idx])
            a1, a2, p = forward(xb)
            d3 = (p - yb) * np.float32(1 / len(xb))  # BCE after a sigmoid: δ = (p − t)/N
            d2 = (d3 @ w3) * (1 - a2 * a2)
            d1 = (d2 @ w2) * (1 - a1 * a1)
            for w, b, d, a in ((w3, b3, d3, a2), (w2, b2, d2, a1), (w1, b1, d1, xb)):
                w -= lr * (d.T @ a)
                b -= lr * d.sum(0)
        epoch[0] += 1
        return bce(p, yb)

    def reached() -> str:
        p = forward(x)[2]
        return f"loss {bce(p, y):.4f}, {w1_data.accuracy(p, y)}"

    return step, reached
