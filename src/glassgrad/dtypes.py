"""The default floating dtype (float32 unless changed) and dtype arguments checked by name."""

from __future__ import annotations

import numpy as np

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
    """The floating dtype new tensors get (``numpy.float32`` unless changed)."""
    return _dtypes["default_float"]
