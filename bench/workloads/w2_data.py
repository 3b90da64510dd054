"""W2 data: SYNTHETIC MNIST-shaped data (no download) and the 784-256-128-10 MLP's weights.

60,000 images (quick: 12,800) of 784 float32 pixels in [0, 1], ten classes, each a fixed random
prototype under Gaussian noise (std 1, then clipped): learnable, not trivial. One unit is one
epoch in a fixed shuffled order, the same for every framework.
"""

from __future__ import annotations

import numpy as np
from w1_data import linear_weights

SIZES = (784, 256, 128, 10)
BATCH, LR = 128, 1e-3


def make(quick: bool, n: int | None = None) -> dict[str, np.ndarray]:
    n = n or (12_800 if quick else 60_000)
    rng = np.random.default_rng(0)
    protos = np.float32(0.35) + np.float32(0.3) * rng.random((10, 784), dtype=np.float32)
    y = rng.integers(0, 10, n)
    x = protos[y]
    for i in range(0, n, 4096):  # NOTE: in chunks, so making the data adds no peak memory
        x[i:i + 4096] += rng.standard_normal((min(4096, n - i), 784), dtype=np.float32)
    np.clip(x, 0, 1, out=x)
    return {"x": x, "y": y.astype(np.int64), **linear_weights(SIZES)}


def batches(n: int, epoch: int) -> list[np.ndarray]:
    perm = np.random.default_rng(1000 + epoch).permutation(n)
    return [perm[i:i + BATCH] for i in range(0, n, BATCH)]


def evaluation(logits: np.ndarray, y: np.ndarray, loss: float) -> str:
    return f"loss {loss:.4f}, acc {100 * float((logits.argmax(1) == y).mean()):.1f}%"
