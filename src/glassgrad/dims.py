"""``dim`` arguments checked and normalized in one place, with PyTorch's rules.

A dim counts from the end when negative (``-1`` is the last). A 0-d tensor accepts dim 0 and -1
and has no dims to reduce. ``dim=()`` or ``[]`` means every dim in a reduction (PyTorch's rule;
NumPy's ``axis=()`` reduces none).
"""

from __future__ import annotations

import numpy as np

from .errors import DimError


def dim_index(dim, ndim: int, what: str = "dim") -> int:
    """``dim`` (one int) as a non-negative dim of an ``ndim``-d tensor; ``what`` names the op.

    Raises TypeError for anything but one int, DimError (an IndexError and a ShapeError) when
    it is out of range.
    """
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        hint = "; apply the op once per dim" if isinstance(dim, (list, tuple)) else ""
        raise TypeError(f"{what}: dim must be one int, got {dim!r}{hint}.")
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise DimError(f"{what}: dim {dim} is out of range for a {ndim}-d tensor; it must lie "
                       f"in [{-n}, {n - 1}] (valid dims).")
    return int(dim) % n


def dims_of(x, dim, what: str = "dim") -> tuple:
    """``dim`` (an int, a sequence of ints, or None for all) as non-negative dims of ``x``.
    A 0-d tensor accepts dim 0 or -1 and has no dims (an empty tuple)."""
    if dim is None:
        return tuple(range(x.ndim))
    dims = tuple(dim) if isinstance(dim, (list, tuple)) else (dim,)
    out = tuple(dim_index(d, x.ndim, what) for d in dims)
    return out if x.ndim else ()


def reduce_axis(x, dim, what: str = "dim"):
    """A reduction's NumPy ``axis``: None for every dim (``dim`` None or empty, or a 0-d
    tensor), an int for one dim, a tuple for several."""
    if dim is None or (isinstance(dim, (list, tuple)) and not dim):
        return None
    dims = dims_of(x, dim, what)
    if not dims:
        return None
    return dims[0] if not isinstance(dim, (list, tuple)) else dims


def numpy_axis(x, dim):
    """Sum/mean's ``axis``: ``dim`` passed through (the op explains a bad one, naming the op and
    the shapes) except for PyTorch's rules that NumPy lacks (``dim=()`` for all, 0-d tensors)."""
    if not x.ndim:
        return reduce_axis(x, dim)
    return (tuple(dim) or None) if isinstance(dim, (list, tuple)) else dim


def count(x, dim) -> int:
    """How many elements a reduction over ``dim`` takes together."""
    n = 1
    for d in dims_of(x, dim):
        n *= x.shape[d]
    return n


def shape_args(args) -> tuple:
    """Accept ``reshape(2, 3)`` and ``reshape((2, 3))`` alike."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)
