"""Reductions with PyTorch's names and rules: ``sum``, ``mean``, ``var``, ``std``, ``amax``,
``amin``, ``max``, ``min``, ``argmax``, ``argmin``, ``logsumexp``, and the ``ReductionMixin``
that makes each one a Tensor method (``x.sum(1)`` is ``glassgrad.sum(x, 1)``: one definition).

``sum``, ``mean``, ``amax`` and ``logsumexp`` are primitives (ops/reduce.py); the rest are
composed from primitives, so their gradients need no hand-written backward.
"""

from __future__ import annotations

import builtins
from collections import namedtuple

from . import engine_state
from .dims import count, numpy_axis, reduce_axis
from .errors import ShapeError
from .ops import elementwise as E
from .ops import reduce
from .promotion import _operand, as_tensor
from .selection import values_at

values_indices = namedtuple("values_indices", ["values", "indices"])


def sum(input, dim=None, keepdim=False):
    """Σ over ``dim`` (an int, a sequence of ints, or None for every element).

    Shapes: the reduced dims removed (kept as 1 with ``keepdim=True``).
    """
    return reduce.Sum.apply(input, axis=numpy_axis(input, dim), keepdims=keepdim)


def mean(input, dim=None, keepdim=False):
    """Σ x / n over ``dim`` (as ``sum``)."""
    return reduce.Mean.apply(input, axis=numpy_axis(input, dim), keepdims=keepdim)


def var(input, dim=None, keepdim=False, correction=None, *, unbiased=None):
    """Variance Σ (x − mean)² / (n − correction), Bessel's ``correction`` 1 by default (as
    PyTorch); 0 gives the population variance. ``unbiased=False`` is PyTorch's older spelling of
    ``correction=0``.
    """
    if correction is None:
        correction = 1 if unbiased is None else int(bool(unbiased))
    elif unbiased is not None:
        raise TypeError("var/std: give correction or unbiased, not both.")
    n = count(input, dim)
    if n - correction <= 0:
        raise ValueError(f"var: {n} element(s) with correction={correction} leave no degrees of "
                         "freedom; use correction=0 or reduce over more elements.")
    centered = input - mean(input, dim, keepdim=True)
    return sum(centered * centered, dim, keepdim) * (1.0 / (n - correction))


def std(input, dim=None, keepdim=False, correction=None, *, unbiased=None):
    """Standard deviation √var (the same arguments as ``var``)."""
    return E.Sqrt.apply(var(input, dim, keepdim, correction, unbiased=unbiased))


def _nonempty(x, axis, name: str) -> None:
    """Refuse a max/min/argmax over no elements, as PyTorch does (there is no answer)."""
    if x.data.size == 0:
        n = x.data.size if axis is None else builtins.min(
            x.shape[a] for a in ((axis,) if isinstance(axis, int) else axis))
        if n == 0:
            where = "of an empty tensor" if axis is None else f"along dim {axis}, which is empty,"
            raise ShapeError(f"{name} {where} (shape {tuple(x.shape)}): there are no elements "
                             "to choose from (PyTorch refuses too). Skip empty batches, or "
                             "reduce along a dim that has elements.")


def amax(input, dim=None, keepdim=False):
    """Largest element(s) over ``dim``; the gradient is split among tied maxima."""
    axis = reduce_axis(input, dim)
    _nonempty(input, axis, "max")
    return reduce.Max.apply(input, axis=axis, keepdims=keepdim)


def amin(input, dim=None, keepdim=False):
    """Smallest element(s) over ``dim``: −amax(−x)."""
    return -amax(-input, dim, keepdim)


def maximum(input, other):
    """Elementwise max(a, b) (broadcasting); the gradient goes to the larger operand."""
    input = as_tensor(input)
    return E.Maximum.apply(input, _operand(other, input))


def minimum(input, other):
    """Elementwise min(a, b) (broadcasting)."""
    input = as_tensor(input)
    return E.Minimum.apply(input, _operand(other, input))


def max(input, dim=None, keepdim=False):
    """Largest element; with ``dim``, a ``(values, indices)`` pair as in PyTorch; with a tensor,
    the elementwise ``maximum``.

    NOTE: as in PyTorch, ``max()`` (and ``amax``) split the gradient among tied maxima, while
    ``max(dim).values`` sends it to the returned index alone.
    """
    if dim is None:
        return amax(input)
    if isinstance(dim, engine_state.Tensor):
        return maximum(input, dim)
    indices = argmax(input, dim, keepdim)
    values = values_at(input, indices, dim, keepdim) if input.ndim else amax(input, dim, keepdim)
    return values_indices(values, indices)


def min(input, dim=None, keepdim=False):
    """Smallest element; see ``max`` (the same forms and gradient rules)."""
    if dim is None:
        return amin(input)
    if isinstance(dim, engine_state.Tensor):
        return minimum(input, dim)
    indices = argmin(input, dim, keepdim)
    values = values_at(input, indices, dim, keepdim) if input.ndim else amin(input, dim, keepdim)
    return values_indices(values, indices)


def argmax(input, dim=None, keepdim=False):
    """Index of the largest element (flattened when ``dim`` is None). Not differentiable."""
    x = as_tensor(input)
    axis = reduce_axis(x, dim)
    _nonempty(x, axis, "argmax")
    return x._make(x.data.argmax(axis=axis, keepdims=keepdim), None)


def argmin(input, dim=None, keepdim=False):
    """Index of the smallest element (flattened when ``dim`` is None). Not differentiable."""
    x = as_tensor(input)
    axis = reduce_axis(x, dim)
    _nonempty(x, axis, "argmin")
    return x._make(x.data.argmin(axis=axis, keepdims=keepdim), None)


def logsumexp(input, dim=None, keepdim=False):
    """log Σ exp(x) over ``dim``, computed stably (the max subtracted first)."""
    return reduce.LogSumExp.apply(input, axis=reduce_axis(input, dim), keepdims=keepdim)


class ReductionMixin:
    """Tensor methods for the reductions above; each is the same function as ``glassgrad.<name>``
    (``x.var(0)`` is ``glassgrad.var(x, 0)``)."""

    __slots__ = ()
    sum, mean, var, std = sum, mean, var, std
    amax, amin, max, min = amax, amin, max, min
    argmax, argmin, logsumexp = argmax, argmin, logsumexp

    def any(self):
        """True if any element is nonzero (a bool 0-d tensor, no graph)."""
        return self._make(self.data.any(), None)

    def all(self):
        """True if every element is nonzero (a bool 0-d tensor, no graph)."""
        return self._make(self.data.all(), None)
