"""Type promotion of a binary op's operands, as PyTorch does it (``x + 1.5``, int + float,
float32 + a NumPy scalar), and Python values wrapped as Tensors for the functional API."""

from __future__ import annotations

from . import engine_state
from .backend import get_array_module
from .dtypes import _dtypes


def as_tensor(x, like=None):
    """``x`` if it is a Tensor, else a new Tensor of it (with ``like``'s dtype for arrays)."""
    Tensor = engine_state.Tensor
    if isinstance(x, Tensor):
        return x
    return Tensor(x) if like is None else Tensor(_operand(x, like))


def _operand(other, like):
    """A binary op's other side: Tensors and Python scalars pass; arrays follow ``like``'s dtype.

    NumPy scalars (``np.float64(2.5)``) count as arrays, so they do not upcast a float32 tensor.
    """
    Tensor, cls = engine_state.Tensor, type(other)
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
    Tensor, cls = engine_state.Tensor, type(other)
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
