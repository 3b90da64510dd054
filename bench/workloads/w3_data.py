"""W3 data: LeNet-5 on MNIST-shaped inputs, eight fixed batches of 64 random 1×28×28 images in
[0, 1] with random labels, and the network's initial weights (PyTorch's default law,
U(±1/√fan_in), from a seeded NumPy generator). One unit is one training step.

Network: conv 5×5 ×6 pad 2, ReLU, max-pool 2, conv 5×5 ×16, ReLU, max-pool 2, flatten,
400-120-84-10 with ReLUs, softmax cross-entropy, SGD (lr 0.01, momentum 0.9), float32.
"""

from __future__ import annotations

import numpy as np

BATCH, STEPS_OF_DATA, LR, MOMENTUM = 64, 8, 0.01, 0.9
# (state-dict index, shape): conv layers are 0 and 3, Linears 7, 9 and 11 in the Sequential.
SHAPES = {0: (6, 1, 5, 5), 3: (16, 6, 5, 5), 7: (120, 400), 9: (84, 120), 11: (10, 84)}


def make(quick: bool) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    out = {"x": rng.random((STEPS_OF_DATA, BATCH, 1, 28, 28), dtype=np.float32),
           "y": rng.integers(0, 10, (STEPS_OF_DATA, BATCH)).astype(np.int64)}
    for i, shape in SHAPES.items():
        bound = float(np.prod(shape[1:])) ** -0.5
        out[f"{i}.weight"] = rng.uniform(-bound, bound, shape).astype(np.float32)
        out[f"{i}.bias"] = rng.uniform(-bound, bound, shape[0]).astype(np.float32)
    return out
