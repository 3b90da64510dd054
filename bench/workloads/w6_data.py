"""W6, a Transformer encoder classifier: the data and the initial weights both frameworks use.

Model: 2-layer TransformerEncoder (d_model 128, nhead 4, dim_feedforward 512, dropout 0.0,
batch_first, post-norm, ReLU), mean over the sequence, Linear(128, 10); CrossEntropy; Adam
(lr 1e-3); float32; batch 32 of sequences of 64 vectors. Inputs are vectors (no embedding);
labels come from a fixed random linear read-out of the mean input, so the loss can fall.
Weights follow PyTorch's initialization rules, drawn from one seeded NumPy generator, keyed by
PyTorch state_dict names (``encoder.layers.0.self_attn.in_proj_weight``, ..., ``head.bias``).
"""

from __future__ import annotations

import numpy as np

META = {"name": "W6 Transformer encoder", "unit": "step"}
D_MODEL, NHEAD, FF, LAYERS, CLASSES = 128, 4, 512, 2, 10


def _uniform(rng, bound, *shape):
    return rng.uniform(-bound, bound, shape).astype(np.float32)


def make(quick: bool) -> dict[str, np.ndarray]:
    """{"x": (N, T, 128) float32, "y": (N,) int64, and every weight by its state_dict name}.
    ``quick``: a batch of 4 sequences of 16 (a smoke run), else 32 of 64."""
    rng = np.random.default_rng(6)
    n, t = (4, 16) if quick else (32, 64)
    x = rng.standard_normal((n, t, D_MODEL)).astype(np.float32)
    readout = rng.standard_normal((D_MODEL, CLASSES))
    arrays = {"x": x, "y": (x.mean(1) @ readout).argmax(1).astype(np.int64)}
    d = D_MODEL
    for i in range(LAYERS):
        p = f"encoder.layers.{i}."
        arrays[p + "self_attn.in_proj_weight"] = _uniform(rng, np.sqrt(6 / (d + 3 * d)), 3 * d, d)
        arrays[p + "self_attn.in_proj_bias"] = np.zeros(3 * d, np.float32)
        arrays[p + "self_attn.out_proj.weight"] = _uniform(rng, 1 / np.sqrt(d), d, d)
        arrays[p + "self_attn.out_proj.bias"] = np.zeros(d, np.float32)
        arrays[p + "linear1.weight"] = _uniform(rng, 1 / np.sqrt(d), FF, d)
        arrays[p + "linear1.bias"] = _uniform(rng, 1 / np.sqrt(d), FF)
        arrays[p + "linear2.weight"] = _uniform(rng, 1 / np.sqrt(FF), d, FF)
        arrays[p + "linear2.bias"] = _uniform(rng, 1 / np.sqrt(FF), d)
        for norm in ("norm1", "norm2"):
            arrays[p + norm + ".weight"] = np.ones(d, np.float32)
            arrays[p + norm + ".bias"] = np.zeros(d, np.float32)
    arrays["head.weight"] = _uniform(rng, 1 / np.sqrt(d), CLASSES, d)
    arrays["head.bias"] = _uniform(rng, 1 / np.sqrt(d), CLASSES)
    return arrays


def weights(arrays: dict) -> dict[str, np.ndarray]:
    """The state_dict part of ``make``'s result (everything but x and y)."""
    return {k: v for k, v in arrays.items() if k not in ("x", "y")}
