"""W4 data: LSTM sequence classification, batch_first. One fixed batch of 64 sequences of 50
steps × 32 features (standard normal), 10 classes; the last hidden state feeds a Linear head;
softmax cross-entropy; Adam (lr 1e-3); float32. Initial weights: PyTorch's LSTM and Linear law
U(±1/√hidden), from a seeded NumPy generator, keyed by PyTorch's state-dict names."""

from __future__ import annotations

import numpy as np

T, B, I, H, C = 50, 64, 32, 128, 10
LR = 1e-3


def make(quick: bool) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    bound = H ** -0.5
    shapes = {"lstm.weight_ih_l0": (4 * H, I), "lstm.weight_hh_l0": (4 * H, H),
              "lstm.bias_ih_l0": (4 * H,), "lstm.bias_hh_l0": (4 * H,),
              "head.weight": (C, H), "head.bias": (C,)}
    out = {k: rng.uniform(-bound, bound, s).astype(np.float32) for k, s in shapes.items()}
    out["x"] = rng.standard_normal((B, T, I)).astype(np.float32)
    out["y"] = rng.integers(0, C, B).astype(np.int64)
    return out
