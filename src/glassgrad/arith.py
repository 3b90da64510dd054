"""Products, scans and integer division with PyTorch's names, signatures and dtype rules:
``prod``, ``cumsum``, ``cumprod``, ``floor_divide`` (``//``) and ``remainder`` (``%``).

Integer and bool inputs of ``prod``/``cumsum``/``cumprod`` give int64 results (as torch), unless
``dtype=`` says otherwise (the input is cast to it first). ``floor_divide`` and ``remainder``
promote their operands as the arithmetic dunders do (int // int stays int).
"""

from __future__ import annotations

import numpy as np

from .convert import _pair
from .ops import division, movement, reduce, scan
from .tensor import Tensor


def _input(x, dtype, what: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{what}: expected a Tensor as input, got {type(x).__name__} "
                        "(wrap it with glassgrad.tensor(...)).")
    if dtype is not None:
        return x.to(dtype)
    return x.to(np.int64) if x.dtype.kind in "biu" else x


def _dim(dim, ndim: int, what: str) -> int:
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{what}: dim must be one int (PyTorch's {what} scans or reduces a "
                        f"single dim), got {dim!r}; apply it once per dim.")
    n = max(ndim, 1)  # NOTE: a 0-d tensor accepts dim 0 and -1, as in torch
    if not -n <= dim < n:
        raise IndexError(f"{what}: dim {dim} is out of range for a {ndim}-d tensor; it must lie "
                         f"in [{-n}, {n - 1}].")
    return int(dim) % n



def _scan(op, x: Tensor, dim: int) -> Tensor:
    if x.ndim == 0:  # NOTE: NumPy has no axis 0 in a 0-d array; torch scans it as one element
        return movement.Reshape.apply(op.apply(movement.Reshape.apply(x, shape=(1,)), axis=0),
                                      shape=())
    return op.apply(x, axis=dim)


def prod(input: Tensor, dim: int | None = None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The product of all elements (``dim=None``, a 0-d result) or along one ``dim``.

    Shapes: (d0, ..., dn) -> () for ``dim=None``; the ``dim`` removed (kept as 1 with
    ``keepdim=True``) otherwise. The gradient is exact with zeros in the input (torch's rule).
    """
    x = _input(input, dtype, "prod")
    if dim is None:
        return reduce.Prod.apply(x)
    dim = _dim(dim, x.ndim, "prod")
    if x.ndim == 0:
        return reduce.Prod.apply(x)
    return reduce.Prod.apply(x, axis=dim, keepdims=keepdim)


def cumsum(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Running sum along ``dim``: ``out[..., i, ...] = sum(x[..., :i+1, ...])``. Same shape."""
    x = _input(input, dtype, "cumsum")
    return _scan(scan.CumSum, x, _dim(dim, x.ndim, "cumsum"))


def cumprod(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Running product along ``dim``. Same shape; the gradient is exact with zeros."""
    x = _input(input, dtype, "cumprod")
    return _scan(scan.CumProd, x, _dim(dim, x.ndim, "cumprod"))


def _binary(op, a, b) -> Tensor:
    if isinstance(a, Tensor):
        return op.apply(*_pair(a, b))
    if not isinstance(b, Tensor):
        a = Tensor(a)
        return op.apply(*_pair(a, b))
    return op.apply(*_pair(b, a)[::-1])


def floor_divide(input, other) -> Tensor:
    """``input // other`` rounded toward minus infinity (``torch.floor_divide``); broadcasts.

    Not differentiable (as in PyTorch). Integer division by zero raises ZeroDivisionError;
    floating division by zero gives ±inf (nan for 0 // 0).
    """
    return _binary(division.FloorDivide, input, other)


def remainder(input, other) -> Tensor:
    """``input % other`` with the sign of ``other`` (``torch.remainder``, Python's ``%``).

    Gradients: 1 for ``input``, ``-floor(input / other)`` for ``other``. Integer remainder by
    zero raises ZeroDivisionError; floating gives nan.
    """
    return _binary(division.Remainder, input, other)
