"""Turning user data (numbers, nested lists, NumPy/CuPy arrays, Tensors) into arrays.

The default floating dtype lives in dtypes.py, binary-operand promotion in promotion.py.
"""

from __future__ import annotations

import numpy as np

from . import engine_state
from .backend import check_device, device_of, get_array_module, to_device
from .dtypes import _dtypes


def _as_array(data, dtype=None, device=None):
    """Copy ``data`` into a fresh array: floats default to the default float dtype."""
    if isinstance(data, engine_state.Tensor):
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
