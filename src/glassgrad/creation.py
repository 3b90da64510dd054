"""Tensor factories with PyTorch's names: ``zeros``, ``ones``, ``randn``, ``arange``, ... ."""

from __future__ import annotations

import numpy as np

from .backend import check_device, default_generator, get_array_module, to_device
from .tensor import Tensor, get_default_dtype


def _int(n, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"{what} must be a non-negative int, got {n!r}.")
    return int(n)


def _shape(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    return tuple(_int(s, f"size {tuple(size)!r}: every dimension") for s in size)


def _new(array, dtype, requires_grad, device) -> Tensor:
    if dtype is not None:
        array = array.astype(dtype, copy=False)
    if device is not None and check_device(device) == "cuda":
        array = to_device(array, "cuda")
    t = Tensor._make(array, None)
    return t.requires_grad_(True) if requires_grad else t


def tensor(data, dtype=None, requires_grad=False, device=None) -> Tensor:
    """A new leaf tensor holding a copy of ``data`` (floats become float32 unless ``dtype``)."""
    return Tensor(data, dtype=dtype, requires_grad=requires_grad, device=device)


def _float(dtype):
    if dtype is None:
        return get_default_dtype()
    try:
        return np.dtype(dtype)
    except (TypeError, ValueError):
        raise TypeError(f"dtype {dtype!r} is not understood; use e.g. glassgrad.float32, "
                        "glassgrad.int64 or 'float64'.") from None


def zeros(*size, dtype=None, requires_grad=False, device=None):
    return _new(np.zeros(_shape(size), _float(dtype)), None, requires_grad, device)


def ones(*size, dtype=None, requires_grad=False, device=None):
    return _new(np.ones(_shape(size), _float(dtype)), None, requires_grad, device)


def empty(*size, dtype=None, requires_grad=False, device=None):
    return _new(np.empty(_shape(size), _float(dtype)), None, requires_grad, device)


def full(size, fill_value, dtype=None, requires_grad=False, device=None):
    if dtype is None and isinstance(fill_value, (bool, int)) and not isinstance(fill_value, float):
        dtype = np.bool_ if isinstance(fill_value, bool) else np.int64
    return _new(np.full(_shape((size,)), fill_value, _float(dtype)), None, requires_grad, device)


def eye(n, m=None, dtype=None, requires_grad=False, device=None):
    m = None if m is None else _int(m, "eye: m")
    return _new(np.eye(_int(n, "eye: n"), m, dtype=_float(dtype)), None, requires_grad, device)


def arange(start, end=None, step=1, dtype=None, requires_grad=False, device=None):
    if end is None:
        start, end = 0, start
    for name, v in (("start", start), ("end", end), ("step", step)):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
            raise TypeError(f"arange: {name} must be a number, got {type(v).__name__} {v!r}.")
    if step == 0:
        raise ValueError(f"arange: step must be nonzero, got {step!r} (start {start}, end {end}).")
    ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    if dtype is None:
        dtype = np.int64 if ints else get_default_dtype()
    return _new(np.arange(start, end, step, dtype=dtype), None, requires_grad, device)


def linspace(start, end, steps, dtype=None, requires_grad=False, device=None):
    steps = _int(steps, "linspace: steps")
    return _new(np.linspace(start, end, steps, dtype=_float(dtype)), None, requires_grad, device)


def rand(*size, dtype=None, requires_grad=False, device=None):
    """Uniform on [0, 1), drawn from the generator ``manual_seed`` seeds."""
    arr = default_generator().random(_shape(size), dtype=np.float64)
    return _new(arr.astype(_float(dtype)), None, requires_grad, device)


def randn(*size, dtype=None, requires_grad=False, device=None):
    """Standard normal, drawn from the generator ``manual_seed`` seeds."""
    arr = default_generator().standard_normal(_shape(size))
    return _new(arr.astype(_float(dtype)), None, requires_grad, device)


def randint(low, high=None, size=(), dtype=np.int64, device=None):
    if high is None:
        low, high = 0, low
    size = (size,) if isinstance(size, (int, np.integer)) else tuple(size)
    arr = default_generator().integers(low, high, size=size)
    return _new(np.asarray(arr, dtype=dtype), None, False, device)


def _like(x, dtype, device):
    dtype = x.dtype if dtype is None else dtype
    return x.shape, dtype, x.device if device is None else device


def zeros_like(x, dtype=None, requires_grad=False, device=None):
    shape, dtype, device = _like(x, dtype, device)
    return zeros(shape, dtype=dtype, requires_grad=requires_grad, device=device)


def ones_like(x, dtype=None, requires_grad=False, device=None):
    shape, dtype, device = _like(x, dtype, device)
    return ones(shape, dtype=dtype, requires_grad=requires_grad, device=device)


def empty_like(x, dtype=None, requires_grad=False, device=None):
    shape, dtype, device = _like(x, dtype, device)
    return empty(shape, dtype=dtype, requires_grad=requires_grad, device=device)


def full_like(x, fill_value, dtype=None, requires_grad=False, device=None):
    shape, dtype, device = _like(x, dtype, device)
    return full(shape, fill_value, dtype=dtype, requires_grad=requires_grad, device=device)


def rand_like(x, dtype=None, requires_grad=False, device=None):
    shape, dtype, device = _like(x, dtype, device)
    return rand(shape, dtype=dtype, requires_grad=requires_grad, device=device)


def randn_like(x, dtype=None, requires_grad=False, device=None):
    shape, dtype, device = _like(x, dtype, device)
    return randn(shape, dtype=dtype, requires_grad=requires_grad, device=device)


def randint_like(x, low, high=None, dtype=None, device=None):
    shape, dtype, device = _like(x, dtype, device)
    return randint(low, high, shape, dtype=dtype, device=device)


def from_numpy(array) -> Tensor:
    """A tensor sharing memory with ``array`` and keeping its dtype (as ``torch.from_numpy``)."""
    get_array_module(array)
    return Tensor._make(np.asarray(array), None)
