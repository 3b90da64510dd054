"""Small helpers shared by the data modules: seeded generators and array conversion."""

from __future__ import annotations

import numpy as np

from ..backend import default_generator, to_numpy
from ..tensor import Tensor, get_default_dtype


def make_rng(seed=None, generator=None) -> np.random.Generator:
    """The generator to draw from: ``generator`` if given, a fresh one from ``seed`` if given, else
    glassgrad's global generator (so ``glassgrad.manual_seed`` drives it)."""
    if generator is not None:
        if not isinstance(generator, np.random.Generator):
            raise TypeError(f"generator must be a numpy.random.Generator, got "
                            f"{type(generator).__name__}.")
        return generator
    if seed is None:
        return default_generator()
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, (bool, float)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be None or a non-negative int, got {seed!r}.")
    return np.random.default_rng(int(seed))


def as_numpy(x) -> np.ndarray:
    """A NumPy view of an array, Tensor (detached) or nested list."""
    if isinstance(x, Tensor):
        return to_numpy(x.data)
    return np.asarray(x)


def default_float(arr: np.ndarray) -> np.ndarray:
    """Cast float64 arrays to the default float dtype (float32 unless changed), like ``Tensor``."""
    if arr.dtype == np.float64 and get_default_dtype() != np.float64:
        return arr.astype(get_default_dtype())
    return arr


def float_x(x) -> np.ndarray:
    """Features as the default float dtype (float32)."""
    return np.asarray(x, dtype=get_default_dtype())
