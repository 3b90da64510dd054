"""More ``Tensor`` methods, attached to the class here: in-place arithmetic (``+=`` and friends)
and the selection composites (``gather``, ``masked_fill``, ``repeat``, ``mT``, ...).

In-place rules (PyTorch's, where they can be kept without version counters):

- a leaf that requires grad cannot be modified in place while grad mode is on (GraphError);
  update parameters under ``glassgrad.no_grad()``, as in ``w -= lr * w.grad``;
- a tensor in the graph (a non-leaf that requires grad, or any tensor meeting an operand that
  requires grad) gets the ordinary out-of-place result: the name now points at the new node;
- otherwise the tensor itself is updated and keeps its identity, dtype and shape.
"""

from __future__ import annotations

import numpy as np

from . import arith as A
from . import autograd
from . import functional as F
from .errors import GraphError, ShapeError
from .tensor import Tensor


def _inplace(name: str, symbol: str):
    op = getattr(Tensor, name)

    def method(self, other):
        grad_mode = autograd.is_grad_enabled()
        if grad_mode and self.requires_grad and self._ctx is None:
            raise GraphError(
                f"x {symbol}= ...: a leaf tensor that requires grad cannot be changed in place "
                "while gradients are recorded. Update it under glassgrad.no_grad() (as an "
                "optimizer step does), or write x = x " + symbol + " ... for a new node.")
        if grad_mode and (self.requires_grad or getattr(other, "requires_grad", False)):
            return op(self, other)
        with autograd.no_grad():
            result = op(self, other).data
        if result.dtype != self.data.dtype:
            if not np.can_cast(result.dtype, self.data.dtype, "same_kind"):
                raise TypeError(f"x {symbol}= ...: the result type {result.dtype} cannot be "
                                f"stored in this {self.data.dtype} tensor in place; write "
                                f"x = x {symbol} ... or convert x first (x.float()).")
            result = result.astype(self.data.dtype)
        if result.shape != self.data.shape:
            raise ShapeError(f"x {symbol}= ...: the result has shape {tuple(result.shape)}, but "
                             f"x has {tuple(self.shape)}; in place, the other operand must "
                             "broadcast to x's shape.")
        # NOTE: the array is replaced, not written into: it may be shared with a gradient, a
        # detached tensor or an op's saved inputs, which must not change under them.
        self.data = result
        return self

    method.__name__ = f"__i{name.strip('_')}__"
    return method


for _name, _symbol in (("__add__", "+"), ("__sub__", "-"), ("__mul__", "*"),
                       ("__truediv__", "/"), ("__pow__", "**"), ("__matmul__", "@")):
    setattr(Tensor, f"__i{_name[2:]}", _inplace(_name, _symbol))


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
