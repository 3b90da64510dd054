"""Turning user data into arrays, and the default floating dtype (float32 unless changed)."""

from __future__ import annotations

import numpy as np

from . import autograd
from .backend import check_device, device_of, get_array_module, to_device

_dtypes = {"default_float": np.dtype(np.float32)}


def as_dtype(dtype, what: str):
    """``np.dtype(dtype)``, or a TypeError naming ``what`` (the caller) and the usual dtypes."""
    try:
        return np.dtype(dtype)
    except (TypeError, ValueError):
        raise TypeError(f"{what}: {dtype!r} is not a dtype; use glassgrad.float32, "
                        "glassgrad.float64 or glassgrad.int64.") from None


def set_default_dtype(dtype) -> None:
    """Set the floating dtype new tensors get (float32 unless changed; float64 for hand checks)."""
    dtype = as_dtype(dtype, "set_default_dtype")
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
    except TypeError as err:  # NOTE: dicts, sets, objects NumPy cannot read as numbers
        raise TypeError(f"tensor: cannot make a numeric tensor from {type(data).__name__}: "
                        f"{err}. Give numbers, (nested) lists of numbers or an array.") from None
    except ValueError as err:
        raise ValueError(f"tensor: cannot make a tensor from this {type(data).__name__}: {err} "
                         "Nested lists must be rectangular (ragged rows need padding).") from err
    if dtype is None and arr.dtype.kind == "f" and arr.dtype != _dtypes["default_float"] and (
            arr.dtype == np.float64 or not hasattr(data, "dtype")):
        arr = arr.astype(_dtypes["default_float"])
    if arr.dtype == object:
        raise TypeError(f"tensor: cannot make a numeric tensor from {type(data).__name__} "
                        "(ragged nested lists or non-numbers?).")
    if arr.dtype.kind not in "biufc":  # strings, bytes, datetimes, records: not numbers
        raise TypeError(f"tensor: cannot make a numeric tensor from {type(data).__name__} "
                        f"holding {arr.dtype} values (e.g. strings); tensors hold numbers. "
                        "Encode text first (a vocabulary of token ids), or parse numbers "
                        "(float(s)).")
    if device is not None and check_device(device) != device_of(arr):
        arr = to_device(arr, device)
    return arr


# ---------------------------------------------------------------- binary operands

Tensor = None  # NOTE: set by tensor.py (this module sits below it), as autograd.Tensor

def _operand(other, like):
    """A binary op's other side: Tensors and Python scalars pass; arrays follow ``like``'s dtype.

    NumPy scalars (``np.float64(2.5)``) count as arrays, so they do not upcast a float32 tensor.
    """
    cls = type(other)
    if cls is Tensor or cls is float or cls is int or cls is bool or isinstance(other, Tensor):
        return other
    arr = get_array_module(like.data).asarray(other)
    if arr.dtype.kind in "fiub" and like.dtype.kind == "f" and arr.dtype != like.dtype:
        arr = arr.astype(like.dtype)
    return arr


def _pair(t, other):
    """``(t, other)`` promoted as PyTorch does: an int/bool tensor meeting a float operand becomes
    float (the default float for a Python float, else the operand's dtype), and a float tensor
    keeps its dtype against an int tensor or a 0-d tensor of another float dtype."""
    cls = type(other)
    # NOTE: fast paths first (same dtypes, Python scalars): this runs for every dunder.
    if cls is Tensor:
        if other.data.dtype is t.data.dtype:
            return t, other
    elif cls is float:
        return (t, other) if t.data.dtype.kind == "f" else (t.to(_dtypes["default_float"]), other)
    elif cls is int or cls is bool:
        return t, other
    other = _operand(other, t)
    if t.data.dtype.kind == "f":
        if isinstance(other, Tensor) and other.data.dtype != t.data.dtype:
            if other.data.dtype.kind != "f" or other.ndim == 0 < t.ndim:
                other = other.to(t.dtype)
            elif t.ndim == 0 < other.ndim:  # NOTE: a 0-d tensor never sets the float width
                t = t.to(other.dtype)
        return t, other
    odtype = getattr(other, "dtype", None)
    if odtype is not None and odtype.kind == "f":
        return t.to(odtype), other
    return t, other


def _div_pair(t, other):
    """As ``_pair``; true division of integers gives the default float too (as PyTorch)."""
    t, other = _pair(t, other)
    if t.data.dtype.kind != "f":
        return _pair(t.to(_dtypes["default_float"]), other)
    return t, other
