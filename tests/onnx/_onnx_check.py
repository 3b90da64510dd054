"""Inputs for the ONNX tests."""

import numpy as np


def rand(*shape, seed=0):
    """A float32 normal sample of ``shape`` (its own generator: tests stay independent)."""
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
