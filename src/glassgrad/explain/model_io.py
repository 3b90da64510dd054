"""A model's arrays in and out, for the tools that observe it (explain, viz, live): its dtype
and device, inputs made to fit it, Tensors as NumPy arrays, and its gradients saved around
an observed pass."""

from __future__ import annotations

import numpy as np

from ..backend import to_numpy
from ..tensor import Tensor
from ..train.inputs import model_device  # noqa: F401  (re-exported for explain, viz and live)


def numpy(x) -> np.ndarray | None:
    """A Tensor/array as a NumPy array (None stays None)."""
    if x is None:
        return None
    if isinstance(x, Tensor):
        x = x.data
    return to_numpy(x) if not isinstance(x, np.ndarray) else x


def model_dtype(model):
    for p in model.parameters():
        return p.dtype
    from ..tensor import get_default_dtype

    return get_default_dtype()


def as_input(x, dtype, device="cpu") -> Tensor:
    """``x`` as a Tensor: floating arrays take the model's dtype, integer labels stay ints."""
    if isinstance(x, Tensor):
        return x
    arr = np.asarray(x)
    if arr.dtype.kind == "f" or arr.dtype.kind == "O":
        arr = arr.astype(dtype)
    return Tensor(arr, dtype=arr.dtype, device=device)


class saved_grads:
    """Context manager: clear every parameter's ``.grad`` on entry and put the old ones back on
    exit, so an observed forward/backward leaves the user's gradients as they were."""

    def __init__(self, model):
        self.params = list(model.parameters())

    def __enter__(self):
        self.old = [p.grad for p in self.params]
        for p in self.params:
            p.grad = None
        return self

    def __exit__(self, *exc):
        for p, g in zip(self.params, self.old):
            p.grad = g
        return False
