"""Scans (running reductions along one dim): ``CumSum`` and ``CumProd``."""

from ..autograd import Function
from ..backend import get_array_module

AXIS_HINT = "dim must lie in [-ndim, ndim) of the input (dim=-1 is the last one)."


def reverse_cumsum(a, axis):
    """``out[k] = sum(a[k:])`` along ``axis``: the transpose of a cumulative sum."""
    xp = get_array_module(a)
    return xp.flip(xp.cumsum(xp.flip(a, axis), axis=axis), axis)


class CumSum(Function):
    hint = AXIS_HINT

    def forward(self, a, axis=0):
        self.axis = axis
        return get_array_module(a).cumsum(a, axis=axis)

    def backward(self, gy):
        return reverse_cumsum(gy, self.axis)


class CumProd(Function):
    """Running product along ``axis``; the gradient is exact with zeros in the input.

    ``∂out_i/∂a_k = prod(a_j for j <= i, j != k)`` for ``k <= i``. Along one slice, with z the
    position of its first zero (none: z = n):

    - ``k < z``: ``a_k != 0``, so ``grad_k = sum_{i>=k} gy_i out_i / a_k`` (as torch);
    - ``k == z``: ``grad_z = sum_{i>=z} gy_i c_i`` with ``c`` the cumprod of ``a`` with
      ``a_z`` set to 1 (the product without the zero, no division);
    - ``k > z``: every term holds the factor ``a_z = 0``, so ``grad_k = 0``.
    """

    hint = AXIS_HINT

    def forward(self, a, axis=0):
        self.a, self.axis = a, axis
        self.out = get_array_module(a).cumprod(a, axis=axis)
        return self.out

    def backward(self, gy):
        a, axis, xp = self.a, self.axis, get_array_module(gy)
        zero = a == 0
        if not zero.any():
            return reverse_cumsum(gy * self.out, axis) / a
        n = a.shape[axis]
        shape = [1] * a.ndim
        shape[axis] = n
        k = xp.arange(n).reshape(shape)  # each element's position along the axis
        first = xp.where(zero.any(axis=axis, keepdims=True),
                         xp.argmax(zero, axis=axis, keepdims=True), n)
        before, at = k < first, k == first
        c = xp.cumprod(xp.where(at, 1, a), axis=axis)
        g_before = reverse_cumsum(gy * self.out, axis) / xp.where(before, a, 1)
        g_at = reverse_cumsum(gy * c, axis)
        return xp.where(before, g_before, xp.where(at, g_at, 0))
