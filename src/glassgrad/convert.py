"""Turning user data into arrays, and the default floating dtype (float32 unless changed)."""

from __future__ import annotations

import numpy as np

from . import autograd
from .backend import check_device, device_of, get_array_module, to_device

_dtypes = {"default_float": np.dtype(np.float32)}


def set_default_dtype(dtype) -> None:
    """Set the floating dtype new tensors get (float32 unless changed; float64 for hand checks)."""
    try:
        dtype = np.dtype(dtype)
    except (TypeError, ValueError):
        raise TypeError(f"set_default_dtype: {dtype!r} is not a dtype; use "
                        "glassgrad.float32 or glassgrad.float64.") from None
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: expected a floating dtype, got {dtype}.")
    _dtypes["default_float"] = dtype


def get_default_dtype():
    return _dtypes["default_float"]


def _as_array(data, dtype=None, device=None):
    """Copy ``data`` into a fresh array: floats default to the default float dtype."""
    if isinstance(data, autograd.Tensor):
        data = data.data
    xp = get_array_module(data)
    try:
        arr = xp.array(data, dtype=dtype)
    except ValueError as err:
        raise ValueError(f"tensor: cannot make a tensor from this {type(data).__name__}: {err} "
                         "Nested lists must be rectangular (ragged rows need padding).") from err
    if dtype is None and arr.dtype.kind == "f" and arr.dtype != _dtypes["default_float"] and (
            arr.dtype == np.float64 or not hasattr(data, "dtype")):
        arr = arr.astype(_dtypes["default_float"])
    if arr.dtype == object:
        raise TypeError(f"tensor: cannot make a numeric tensor from {type(data).__name__} "
                        "(ragged nested lists or non-numbers?).")
    if device is not None and check_device(device) != device_of(arr):
        arr = to_device(arr, device)
    return arr
