"""W1 data: 1000 two-moons points (noise 0.1) and the 2-4-2-1 MLP's initial weights.

The moons are scikit-learn's construction (two interleaved half circles, Gaussian noise), the
weights PyTorch's default ``Linear`` law U(±1/√fan_in), both from seeded NumPy generators.
"""

from __future__ import annotations

import numpy as np

SIZES = (2, 4, 2, 1)


def linear_weights(sizes, seed: int = 0, prefix=lambda i: f"{2 * i}") -> dict[str, np.ndarray]:
    """PyTorch's default Linear init, U(±1/√in) for weight and bias, keyed like a Sequential's
    state dict with an activation between Linears (``0.weight``, ``2.weight``, ...)."""
    rng = np.random.default_rng(seed)
    out = {}
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        bound = a ** -0.5
        out[f"{prefix(i)}.weight"] = rng.uniform(-bound, bound, (b, a)).astype(np.float32)
        out[f"{prefix(i)}.bias"] = rng.uniform(-bound, bound, b).astype(np.float32)
    return out


def moons(n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n_out = n // 2
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n - n_out)
    x = np.concatenate([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                        np.stack([1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5], 1)])
    y = np.concatenate([np.zeros(n_out), np.ones(n - n_out)])
    x += rng.normal(0, noise, x.shape)
    perm = rng.permutation(n)
    return x[perm].astype(np.float32), y[perm].astype(np.float32).reshape(-1, 1)


def make(quick: bool) -> dict[str, np.ndarray]:
    x, y = moons(1000, 0.1, seed=0)
    return {"x": x, "y": y, **linear_weights(SIZES)}


def batches(n: int, batch: int, epoch: int) -> list:
    """One epoch's minibatch indices in a fixed shuffled order (the same for every framework);
    ``[None]`` for full batch."""
    if batch >= n:
        return [None]
    perm = np.random.default_rng(epoch).permutation(n)
    return [perm[i:i + batch] for i in range(0, n, batch)]


def accuracy(p: np.ndarray, y: np.ndarray) -> str:
    return f"acc {100 * float(((p > 0.5) == (y > 0.5)).mean()):.1f}%"
