"""Products, scans and integer division with PyTorch's names, signatures and dtype rules:
``prod``, ``cumsum``, ``cumprod``, ``floor_divide`` (``//``) and ``remainder`` (``%``).

Integer and bool inputs of ``prod``/``cumsum``/``cumprod`` give int64 results (as torch), unless
``dtype=`` says otherwise (the input is cast to it first). ``floor_divide`` and ``remainder``
promote their operands as the arithmetic dunders do (int // int stays int).

``ProductScanMixin`` makes each one a Tensor method (and ``//``, ``%``): one definition each.
"""

from __future__ import annotations

import numpy as np

from . import engine_state
from .dims import dim_index
from .ops import division, movement, reduce, scan
from .promotion import _pair


def _input(x, dtype, what: str):
    if not isinstance(x, engine_state.Tensor):
        raise TypeError(f"{what}: expected a Tensor as input, got {type(x).__name__} "
                        "(wrap it with glassgrad.tensor(...)).")
    if dtype is not None:
        return x.to(dtype)
    return x.to(np.int64) if x.dtype.kind in "biu" else x


def _scan(op, x, dim: int):
    if x.ndim == 0:  # NOTE: NumPy has no axis 0 in a 0-d array; torch scans it as one element
        return movement.Reshape.apply(op.apply(movement.Reshape.apply(x, shape=(1,)), axis=0),
                                      shape=())
    return op.apply(x, axis=dim)


def prod(input, dim: int | None = None, keepdim: bool = False, *, dtype=None):
    """The product of all elements (``dim=None``, a 0-d result) or along one ``dim``.

    Shapes: (d0, ..., dn) -> () for ``dim=None``; the ``dim`` removed (kept as 1 with
    ``keepdim=True``) otherwise. The gradient is exact with zeros in the input (torch's rule).
    """
    x = _input(input, dtype, "prod")
    if dim is None:
        return reduce.Prod.apply(x)
    dim = dim_index(dim, x.ndim, "prod")
    if x.ndim == 0:
        return reduce.Prod.apply(x)
    return reduce.Prod.apply(x, axis=dim, keepdims=keepdim)


def cumsum(input, dim: int, *, dtype=None):
    """Running sum along ``dim``: ``out[..., i, ...] = sum(x[..., :i+1, ...])``. Same shape."""
    x = _input(input, dtype, "cumsum")
    return _scan(scan.CumSum, x, dim_index(dim, x.ndim, "cumsum"))


def cumprod(input, dim: int, *, dtype=None):
    """Running product along ``dim``. Same shape; the gradient is exact with zeros."""
    x = _input(input, dtype, "cumprod")
    return _scan(scan.CumProd, x, dim_index(dim, x.ndim, "cumprod"))


def _binary(op, a, b):
    Tensor = engine_state.Tensor
    if isinstance(a, Tensor):
        return op.apply(*_pair(a, b))
    if not isinstance(b, Tensor):
        a = Tensor(a)
        return op.apply(*_pair(a, b))
    return op.apply(*_pair(b, a)[::-1])


def floor_divide(input, other):
    """``input // other`` rounded toward minus infinity (``torch.floor_divide``); broadcasts.

    Not differentiable (as in PyTorch). Integer division by zero raises ZeroDivisionError;
    floating division by zero gives ±inf (nan for 0 // 0).
    """
    return _binary(division.FloorDivide, input, other)


def remainder(input, other):
    """``input % other`` with the sign of ``other`` (``torch.remainder``, Python's ``%``).

    Gradients: 1 for ``input``, ``-floor(input / other)`` for ``other``. Integer remainder by
    zero raises ZeroDivisionError; floating gives nan.
    """
    return _binary(division.Remainder, input, other)


class ProductScanMixin:
    """Tensor methods for the functions above; ``x // y`` and ``x % y`` too."""

    __slots__ = ()
    prod, cumsum, cumprod = prod, cumsum, cumprod
    floor_divide, remainder = floor_divide, remainder
    __floordiv__, __mod__ = floor_divide, remainder

    def __rfloordiv__(self, other):
        return floor_divide(other, self)

    def __rmod__(self, other):
        return remainder(other, self)
