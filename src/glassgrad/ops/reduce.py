"""Reductions. ``Mean`` is an op for speed (``Tensor.mean`` and the losses use it); ``var``,
``std`` and ``min`` are composites in functional.py."""

from ..autograd import Function
from ..backend import get_array_module

AXIS_HINT = "each dim must lie in [-ndim, ndim) of the input (dim=-1 is the last one)."


def _keep(gy, axis, keepdims, ndim):
    """Re-insert the reduced axes into ``gy`` so it broadcasts against the input."""
    if axis is None:
        return gy.reshape((1,) * ndim)
    if keepdims:
        return gy
    axes = (axis,) if isinstance(axis, int) else axis
    return get_array_module(gy).expand_dims(gy, tuple(a % ndim for a in axes))


class Sum(Function):
    hint = AXIS_HINT

    def forward(self, a, axis=None, keepdims=False):
        self.shape, self.axis, self.keepdims, self.size = a.shape, axis, keepdims, a.size
        return a.sum(axis=axis, keepdims=keepdims)

    def backward(self, gy):
        if self.axis is not None:  # NOTE: a full reduction's gy broadcasts as it is
            gy = _keep(gy, self.axis, self.keepdims, len(self.shape))
        xp = get_array_module(gy)
        if self.size > 4096:
            return xp.broadcast_to(gy, self.shape)  # a read-only view: no memory, no writes
        # NOTE: for small inputs a filled array is cheaper than broadcast_to's Python checks.
        out = xp.empty(self.shape, dtype=gy.dtype)
        out[...] = gy
        return out


class Mean(Sum):
    """The sum times 1/n, n the number of elements reduced (as ``sum(x) * (1 / n)``)."""

    # NOTE: one op instead of Sum then Mul: every loss ends in a mean, once per training step.
    def forward(self, a, axis=None, keepdims=False):
        out = super().forward(a, axis, keepdims)
        n = a.size // out.size if out.size else 0
        self.scale = 1.0 / n if n else float("nan")  # the mean of nothing is NaN (as torch)
        return out * self.scale

    def backward(self, gy):
        return super().backward(gy * self.scale)


class Max(Function):
    hint = AXIS_HINT

    # NOTE: ties share the gradient equally (the subgradient PyTorch's amax uses).
    def forward(self, a, axis=None, keepdims=False):
        self.a, self.axis, self.keepdims = a, axis, keepdims
        self.out = a.max(axis=axis, keepdims=keepdims)
        return self.out

    def backward(self, gy):
        ndim = self.a.ndim
        mask = self.a == _keep(self.out, self.axis, self.keepdims, ndim)
        count = mask.sum(axis=self.axis, keepdims=True)
        return mask * (_keep(gy, self.axis, self.keepdims, ndim) / count)


class LogSumExp(Function):
    hint = AXIS_HINT

    # NOTE: fused for stability: shifting by the max keeps exp from overflowing.
    def forward(self, a, axis=None, keepdims=False):
        xp = get_array_module(a)
        self.a, self.axis, self.keepdims = a, axis, keepdims
        if a.size == 0:  # NOTE: log Σ of nothing is log 0 = −inf (as PyTorch)
            out = xp.full(a.sum(axis=axis, keepdims=True).shape, -xp.inf, dtype=a.dtype)
        else:
            m = a.max(axis=axis, keepdims=True)
            m = xp.where(xp.isfinite(m), m, 0)
            out = xp.log(xp.exp(a - m).sum(axis=axis, keepdims=True)) + m
        self.out = out
        return out if keepdims else (out.reshape(()) if axis is None else out.squeeze(axis))

    def backward(self, gy):
        xp = get_array_module(gy)
        gy = _keep(gy, self.axis, self.keepdims, self.a.ndim)
        return gy * xp.exp(self.a - self.out)


class Prod(Function):
    """The product of the elements, over all of them or along ``axis``.

    The gradient is the product of the *other* elements of the slice, as ``torch.prod``'s: a
    zero-free slice gives ``out / a``; a slice with one zero gives, at the zero, the product of
    the rest (and 0 elsewhere); a slice with two or more zeros gives 0. No division by zero.
    """

    hint = AXIS_HINT

    def forward(self, a, axis=None, keepdims=False):
        self.a, self.axis, self.keepdims = a, axis, keepdims
        self.out = a.prod(axis=axis, keepdims=keepdims)
        return self.out

    def backward(self, gy):
        a, axis, xp = self.a, self.axis, get_array_module(gy)
        gy = _keep(gy, axis, self.keepdims, a.ndim)
        out = _keep(self.out, axis, self.keepdims, a.ndim)
        zero = a == 0
        if not zero.any():
            return gy * (out / a)
        zeros = zero.sum(axis=axis, keepdims=True)  # zeros per slice
        safe = xp.where(zero, 1, a)
        others = safe.prod(axis=axis, keepdims=True)  # the product of the nonzero elements
        g = xp.where(zeros == 0, out / safe, xp.where(zero & (zeros == 1), others, 0))
        return gy * g
