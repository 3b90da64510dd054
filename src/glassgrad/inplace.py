"""In-place changes of a Tensor, the ``InPlaceMixin`` the class lists: ``+=`` and friends, and
the methods ``add_``/``sub_``/``mul_``/``div_``/``fill_``/``zero_``/``copy_``/``clamp_``.

In-place rules (PyTorch's):

- a leaf that requires grad cannot be modified in place while grad mode is on (GraphError);
  update parameters under ``glassgrad.no_grad()``, as in ``w -= lr * w.grad``;
- a tensor in the graph (a non-leaf that requires grad, or any tensor meeting an operand that
  requires grad) keeps its identity and becomes the node of the change (``x += y`` and
  ``x.add_(y)`` alike), so every name for it sees the new value;
- otherwise the tensor itself is updated and keeps its identity, dtype and shape;
- every change raises the tensor's version (``x._version``): backward refuses to use a value an
  op saved if it was changed in place afterwards, and routes earlier uses to the old node
  (versions.py). The array is replaced, never written into, so views and ``detach()`` keep the
  old value; only ``x[...] = v`` writes memory (tracked per buffer, see versions.py).
"""

from __future__ import annotations

import numpy as np

from . import engine_state, hooks, versions
from .backend import get_array_module
from .errors import GraphError, ShapeError
from .selection import clamp, where


def _check_leaf(self, what: str) -> None:
    if self.requires_grad and self._ctx is None and engine_state.state["grad"]:
        raise GraphError(
            f"{what}: a leaf tensor that requires grad cannot be changed in place while "
            "gradients are recorded. Update it under glassgrad.no_grad() (as an optimizer step "
            "does), or compute a new tensor (x = x + ...) for a new node.")


def _fit(self, result, what: str, cast: str = "same_kind"):
    """``result`` cast to self's dtype and checked against self's shape, for storing in place.
    ``cast``: "same_kind" for arithmetic (no float into int), "unsafe" for copy_/fill_."""
    dtype = self.data.dtype
    if result.dtype != dtype:
        if cast == "same_kind" and not np.can_cast(result.dtype, dtype, "same_kind"):
            raise TypeError(f"{what}: the result type {result.dtype} cannot be stored in this "
                            f"{dtype} tensor in place; compute a new tensor instead, or convert "
                            "x first (x.float()).")
        if dtype.kind in "fc":
            result = result.to(dtype)  # differentiable: a Cast node
        else:
            result = self._make(result.data.astype(dtype), None)  # ints carry no gradient
    if result.shape != self.data.shape:
        raise ShapeError(f"{what}: the result has shape {tuple(result.shape)}, but x has "
                         f"{tuple(self.shape)}; in place, the other operand must broadcast to "
                         "x's shape.")
    return result


# ---------------------------------------------------------------- in-place methods (x.add_(y))

def _update(self, what: str, compute, cast: str = "same_kind"):
    """Give ``self`` the value ``compute(x)``, where x is self's current value; returns self.

    Outside the graph the array is replaced (identity, dtype and shape kept). In the graph the
    result is an ordinary out-of-place node, and ``self`` becomes that node (unlike ``x += y``,
    a method call cannot rebind the caller's name): the old value moves to a new Tensor object,
    the node's input, with any hooks registered before the change (PyTorch's behaviour).
    """
    _check_leaf(self, what)
    stamp = versions.stamp()  # NOTE: drawn first: the new node below comes after the change
    old = self._make(self.data, self._ctx)
    old.requires_grad = self.requires_grad
    result = _fit(self, compute(old), what, cast)
    if not result.requires_grad:  # no graph: grad mode off, or nothing requires grad
        versions.bump(self, what, stamp, self.data)
        self.data = result.data  # NOTE: replaced, not written into (see the module docstring)
        return self
    s = self._retain
    if isinstance(s, hooks._Special):
        old._retain = hooks._Special()
        old._retain.hooks = s.hooks
    retain = s is True or (isinstance(s, hooks._Special) and s.retain)
    # NOTE: ops that used the old value through this object follow their edge to ``old``
    # (or refuse, where they saved it): versions.check in the backward engine.
    versions.bump(self, what, stamp, self.data, old)
    self.data, self._ctx, self.requires_grad, self._retain = (
        result.data, result._ctx, True, retain)
    return self


def _no_float_alpha(self, alpha, what: str) -> None:
    if self.dtype.kind in "iub" and isinstance(alpha, float):
        raise TypeError(f"{what}: for an integer tensor, alpha must not be a float "
                        f"(got {alpha}); convert the tensor first (x.float()).")


def _scaled(other, alpha):
    return other if alpha == 1 else other * alpha


def _fill_like(x, value):
    """``value`` everywhere in x's shape, as a node whose gradient to x is zero (PyTorch's)."""
    mask = get_array_module(x.data).zeros(x.shape, dtype=bool)
    return where(mask, x, value)


class InPlaceMixin:
    """Tensor methods that change the tensor in place (the rules in this module's docstring)."""

    __slots__ = ()

    def __iadd__(self, other):
        return _update(self, "x += ...", lambda x: x + other)

    def __isub__(self, other):
        return _update(self, "x -= ...", lambda x: x - other)

    def __imul__(self, other):
        return _update(self, "x *= ...", lambda x: x * other)

    def __itruediv__(self, other):
        return _update(self, "x /= ...", lambda x: x / other)

    def __ipow__(self, other):
        return _update(self, "x **= ...", lambda x: x ** other)

    def __imatmul__(self, other):
        return _update(self, "x @= ...", lambda x: x @ other)

    def __ifloordiv__(self, other):
        return _update(self, "x //= ...", lambda x: x // other)

    def __imod__(self, other):
        return _update(self, "x %= ...", lambda x: x % other)

    def add_(self, other, alpha=1):
        """In place: self += alpha * other (other broadcasts to self's shape). Returns self."""
        _no_float_alpha(self, alpha, "add_()")
        return _update(self, "add_()", lambda x: x + _scaled(other, alpha))

    def sub_(self, other, alpha=1):
        """In place: self -= alpha * other (other broadcasts to self's shape). Returns self."""
        _no_float_alpha(self, alpha, "sub_()")
        return _update(self, "sub_()", lambda x: x - _scaled(other, alpha))

    def mul_(self, other):
        """In place: self *= other (other broadcasts to self's shape). Returns self."""
        return _update(self, "mul_()", lambda x: x * other)

    def div_(self, other):
        """In place: self /= other (other broadcasts to self's shape). Returns self."""
        return _update(self, "div_()", lambda x: x / other)

    def zero_(self):
        """In place: every element set to 0. Returns self."""
        return _update(self, "zero_()", lambda x: _fill_like(x, 0), cast="unsafe")

    def fill_(self, value):
        """In place: every element set to ``value`` (a number or a 0-d tensor), cast to self's
        dtype. Returns self."""
        if isinstance(value, engine_state.Tensor) and value.ndim != 0:
            raise ShapeError(f"fill_(): the value must be a number or a 0-d tensor, got a "
                             f"tensor of shape {tuple(value.shape)}; use copy_() to copy a "
                             "tensor.")
        return _update(self, "fill_()", lambda x: _fill_like(x, value), cast="unsafe")

    def copy_(self, src):
        """In place: self's elements set to ``src``'s, broadcast to self's shape and cast to its
        dtype (floats into an integer tensor are truncated, as in PyTorch). Returns self."""
        if not isinstance(src, engine_state.Tensor):
            src = engine_state.Tensor(src)
        try:
            fits = np.broadcast_shapes(src.shape, self.shape) == self.shape
        except ValueError:
            fits = False
        if not fits:
            raise ShapeError(f"copy_(): src of shape {tuple(src.shape)} cannot be broadcast to "
                             f"this tensor's shape {tuple(self.shape)}.")
        return _update(self, "copy_()", lambda x: _fill_like(x, src), cast="unsafe")

    def clamp_(self, min=None, max=None):
        """In place: self limited to [min, max] (numbers or tensors). Returns self."""
        if min is None and max is None:
            raise ValueError("clamp_(): give at least one of min and max.")
        return _update(self, "clamp_()", lambda x: clamp(x, min, max))

    clip_ = clamp_
