"""More ``Tensor`` methods, attached to the class here: in-place arithmetic (``+=`` and friends,
and the methods ``add_``/``sub_``/``mul_``/``div_``/``fill_``/``zero_``/``copy_``/``clamp_``),
``register_hook``, and the selection composites (``gather``, ``masked_fill``, ``repeat``, ...).

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

from . import arith as A
from . import autograd, hooks, versions
from . import functional as F
from .backend import get_array_module
from .errors import GraphError, ShapeError
from .tensor import Tensor


def _check_leaf(self, what: str) -> None:
    if self.requires_grad and self._ctx is None and autograd.is_grad_enabled():
        raise GraphError(
            f"{what}: a leaf tensor that requires grad cannot be changed in place while "
            "gradients are recorded. Update it under glassgrad.no_grad() (as an optimizer step "
            "does), or compute a new tensor (x = x + ...) for a new node.")


def _fit(self, result: Tensor, what: str, cast: str = "same_kind") -> Tensor:
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
            result = Tensor._make(result.data.astype(dtype), None)  # ints carry no gradient
    if result.shape != self.data.shape:
        raise ShapeError(f"{what}: the result has shape {tuple(result.shape)}, but x has "
                         f"{tuple(self.shape)}; in place, the other operand must broadcast to "
                         "x's shape.")
    return result


def _inplace(name: str, symbol: str):
    op = getattr(Tensor, name)
    what = f"x {symbol}= ..."

    def method(self, other):
        return _update(self, what, lambda x: op(x, other))

    method.__name__ = f"__i{name.strip('_')}__"
    return method


for _name, _symbol in (("__add__", "+"), ("__sub__", "-"), ("__mul__", "*"),
                       ("__truediv__", "/"), ("__pow__", "**"), ("__matmul__", "@")):
    setattr(Tensor, f"__i{_name[2:]}", _inplace(_name, _symbol))


# ---------------------------------------------------------------- in-place methods (x.add_(y))

def _update(self, what: str, compute, cast: str = "same_kind") -> Tensor:
    """Give ``self`` the value ``compute(x)``, where x is self's current value; returns self.

    Outside the graph the array is replaced (identity, dtype and shape kept). In the graph the
    result is an ordinary out-of-place node, and ``self`` becomes that node (unlike ``x += y``,
    a method call cannot rebind the caller's name): the old value moves to a new Tensor object,
    the node's input, with any hooks registered before the change (PyTorch's behaviour).
    """
    _check_leaf(self, what)
    stamp = versions.stamp()  # NOTE: drawn first: the new node below comes after the change
    old = Tensor._make(self.data, self._ctx)
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


def add_(self, other, alpha=1) -> Tensor:
    """In place: self += alpha * other (other broadcasts to self's shape). Returns self."""
    _no_float_alpha(self, alpha, "add_()")
    return _update(self, "add_()", lambda x: x + _scaled(other, alpha))


def sub_(self, other, alpha=1) -> Tensor:
    """In place: self -= alpha * other (other broadcasts to self's shape). Returns self."""
    _no_float_alpha(self, alpha, "sub_()")
    return _update(self, "sub_()", lambda x: x - _scaled(other, alpha))


def _fill_like(x: Tensor, value) -> Tensor:
    """``value`` everywhere in x's shape, as a node whose gradient to x is zero (PyTorch's)."""
    mask = get_array_module(x.data).zeros(x.shape, dtype=bool)
    return F.where(mask, x, value)


def fill_(self, value) -> Tensor:
    """In place: every element set to ``value`` (a number or a 0-d tensor), cast to self's dtype.
    """
    if isinstance(value, Tensor) and value.ndim != 0:
        raise ShapeError(f"fill_(): the value must be a number or a 0-d tensor, got a tensor "
                         f"of shape {tuple(value.shape)}; use copy_() to copy a tensor.")
    return _update(self, "fill_()", lambda x: _fill_like(x, value), cast="unsafe")


def copy_(self, src) -> Tensor:
    """In place: self's elements set to ``src``'s, broadcast to self's shape and cast to its
    dtype (floats into an integer tensor are truncated, as in PyTorch). Returns self."""
    if not isinstance(src, Tensor):
        src = Tensor(src)
    try:
        fits = np.broadcast_shapes(src.shape, self.shape) == self.shape
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(f"copy_(): src of shape {tuple(src.shape)} cannot be broadcast to "
                         f"this tensor's shape {tuple(self.shape)}.")
    return _update(self, "copy_()", lambda x: _fill_like(x, src), cast="unsafe")


def clamp_(self, min=None, max=None) -> Tensor:
    """In place: self limited to [min, max] (numbers or tensors). Returns self."""
    if min is None and max is None:
        raise ValueError("clamp_(): give at least one of min and max.")
    return _update(self, "clamp_()", lambda x: F.clamp(x, min, max))


Tensor.zero_ = lambda self: _update(self, "zero_()", lambda x: _fill_like(x, 0), cast="unsafe")
Tensor.zero_.__doc__ = "In place: every element set to 0. Returns self."
Tensor.fill_, Tensor.copy_, Tensor.clamp_ = fill_, copy_, clamp_
Tensor.clip_ = clamp_
Tensor.add_, Tensor.sub_ = add_, sub_
Tensor.mul_ = lambda self, other: _update(self, "mul_()", lambda x: x * other)
Tensor.div_ = lambda self, other: _update(self, "div_()", lambda x: x / other)
Tensor.register_hook = hooks.register_hook
Tensor.retain_grad = hooks.retain_grad
hooks.Tensor = Tensor


def _mT(self) -> Tensor:
    """The last two dims swapped (a batch of matrices transposed), as ``torch.Tensor.mT``."""
    if self.ndim < 2:
        raise ShapeError(f"mT needs at least 2 dims, this tensor has shape {tuple(self.shape)}.")
    return F.transpose(self, -2, -1)


Tensor.mT = property(_mT)
Tensor.gather = lambda self, dim, index: F.gather(self, dim, index)
Tensor.take_along_dim = lambda self, indices, dim: F.take_along_dim(self, indices, dim)
Tensor.masked_fill = lambda self, mask, value: F.masked_fill(self, mask, value)
Tensor.repeat = lambda self, *sizes: F.repeat(self, *sizes)

# products, scans and integer division (glassgrad/arith.py)
Tensor.prod = lambda self, dim=None, keepdim=False, *, dtype=None: A.prod(self, dim, keepdim,
                                                                          dtype=dtype)
Tensor.cumsum = lambda self, dim, *, dtype=None: A.cumsum(self, dim, dtype=dtype)
Tensor.cumprod = lambda self, dim, *, dtype=None: A.cumprod(self, dim, dtype=dtype)
Tensor.floor_divide = lambda self, other: A.floor_divide(self, other)
Tensor.remainder = lambda self, other: A.remainder(self, other)
Tensor.__floordiv__ = lambda self, other: A.floor_divide(self, other)
Tensor.__rfloordiv__ = lambda self, other: A.floor_divide(other, self)
Tensor.__mod__ = lambda self, other: A.remainder(self, other)
Tensor.__rmod__ = lambda self, other: A.remainder(other, self)
for _name, _symbol in (("__floordiv__", "//"), ("__mod__", "%")):
    setattr(Tensor, f"__i{_name[2:]}", _inplace(_name, _symbol))
