"""Elementwise ops. Binary ops broadcast like NumPy; the engine sums gradients back to shape."""

import numpy as np

from ..autograd import Function
from ..backend import device_of, get_array_module, to_device
from .workspace import pooled_like

BROADCAST_HINT = ("shapes broadcast when, compared from the last dim, each pair is equal or one "
                  "of them is 1: reshape or unsqueeze one operand (x.unsqueeze(-1)).")


def masked_grad(gy, mask):
    """``where(mask, gy, 0)``, the gradient of ReLU and clamps, without a branch per element.

    NOTE: ``where`` on a ReLU's ~50 % random mask mispredicts a branch per element (many
    times slower on LeNet's feature maps, bench/RESULTS.md §13). Multiplying the
    gradient's bit pattern (as integers) by the 0/1 mask keeps each value bit for bit, NaN
    included, or gives +0.0: exactly ``where``'s result.
    """
    xp = get_array_module(gy)
    bits = gy.view(xp.dtype(f"int{8 * gy.dtype.itemsize}"))
    return xp.multiply(bits, mask, out=pooled_like(bits)).view(gy.dtype)


class Add(Function):
    hint = BROADCAST_HINT

    def forward(self, a, b):
        return a + b

    def backward(self, gy):
        return gy, gy


class Mul(Function):
    hint = BROADCAST_HINT

    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, gy):
        ga = gy * self.b if self.needs_grad(0) else None
        gb = gy * self.a if self.needs_grad(1) else None
        return ga, gb


class Div(Function):
    hint = BROADCAST_HINT

    # NOTE: a primitive rather than a * b**-1: one op, and exact for the hand-checked examples.
    def forward(self, a, b):
        self.b = b
        self.out = a / b
        return self.out

    def backward(self, gy):
        ga = gy / self.b
        gb = -ga * self.out if self.needs_grad(1) else None
        return ga, gb


class Neg(Function):
    def forward(self, a):
        return -a

    def backward(self, gy):
        return -gy


class Pow(Function):
    hint = "the exponent must be a scalar or broadcast against the base. " + BROADCAST_HINT

    def forward(self, a, b):
        self.a, self.b = a, b
        self.out = a**b
        return self.out

    def backward(self, gy):
        a, b = self.a, self.b
        ga = gy * b * a ** (b - 1) if self.needs_grad(0) else None
        gb = None
        if self.needs_grad(1):
            xp = get_array_module(a, b)
            with xp.errstate(divide="ignore", invalid="ignore"):
                # NOTE: d(a^b)/db = a^b log a; taken as 0 at a == 0, as PyTorch does.
                gb = gy * xp.where(a == 0, 0, self.out * xp.log(xp.where(a == 0, 1, a)))
        return ga, gb


class Exp(Function):
    def forward(self, a):
        self.out = get_array_module(a).exp(a)
        return self.out

    def backward(self, gy):
        return gy * self.out


class Log(Function):
    def forward(self, a):
        self.a = a
        return get_array_module(a).log(a)

    def backward(self, gy):
        return gy / self.a


class Sqrt(Function):
    def forward(self, a):
        self.out = get_array_module(a).sqrt(a)
        return self.out

    def backward(self, gy):
        return gy / (2 * self.out)


class Abs(Function):
    def forward(self, a):
        self.a = a
        return abs(a)

    def backward(self, gy):
        return gy * get_array_module(self.a).sign(self.a)


class Sin(Function):
    def forward(self, a):
        self.a = a
        return get_array_module(a).sin(a)

    def backward(self, gy):
        return gy * get_array_module(self.a).cos(self.a)


class Cos(Function):
    def forward(self, a):
        self.a = a
        return get_array_module(a).cos(a)

    def backward(self, gy):
        return -gy * get_array_module(self.a).sin(self.a)


class Tanh(Function):
    """y = tanh(a); ∂y/∂a = 1 − y², from the saved output."""

    def forward(self, a):
        self.out = get_array_module(a).tanh(a)
        return self.out

    def backward(self, gy):
        y = self.out
        return gy - gy * y * y  # gy · (1 − y²), multiplied out (the bits every test expects)


@np.errstate(over="ignore")
def sigmoid(a):
    """σ(a) = 1 / (1 + e^{−a}), the logistic function: THE definition every sigmoid in glassgrad
    uses (the ``Sigmoid`` op, ``sigmoid_stable`` below, the recurrent kernels' in-place one).

    A few-ulp relative error on both tails; for a below about −88 (float32) e^{−a} overflows to
    inf and σ to 0, as in PyTorch, so the overflow warning is silenced.
    """
    return 1 / (1 + get_array_module(a).exp(-a))


def sigmoid_stable(a):
    """σ(a) for losses and gradients, where the far negative tail counts: ``sigmoid`` on
    a ≥ 0, and σ(a) = e^{a} σ(−a) = e^{a} / (1 + e^{a}) below, which never overflows and keeps
    full relative accuracy where σ(a) is tiny (the plain form gives 0 from a ≈ −88 in float32).
    """
    xp = get_array_module(a)
    e = xp.exp(-abs(a))  # e^{−|a|} ≤ 1: sigmoid(|a|) = 1 / (1 + e)
    return xp.where(a >= 0, 1 / (1 + e), e / (1 + e))


class Sigmoid(Function):
    """y = σ(a) = 1 / (1 + e^{−a}); ∂y/∂a = σ(a)(1 − σ(a)), from the saved output."""

    def forward(self, a):
        self.out = sigmoid(a)
        return self.out

    def backward(self, gy):
        gy_y = gy * self.out
        return gy_y - gy_y * self.out  # gy · σ(1 − σ), multiplied out as in Tanh


class ReLU(Function):
    # NOTE: out= buffers from the workspace pool: a CNN's feature maps are big, and fresh ones
    # page-fault every step (bench/RESULTS.md §14). The formula is the same: max(a, 0).
    def forward(self, a):
        xp = get_array_module(a)
        self.mask = xp.greater(a, 0, out=pooled_like(a, dtype=bool))
        return xp.maximum(a, 0, out=pooled_like(a))

    def backward(self, gy):
        return masked_grad(gy, self.mask)


class LeakyReLU(Function):
    def forward(self, a, negative_slope=0.01):
        xp = get_array_module(a)
        self.slope = xp.where(a > 0, 1, negative_slope).astype(a.dtype)
        return a * self.slope

    def backward(self, gy):
        return gy * self.slope


class Clamp(Function):
    def forward(self, a, min=None, max=None):
        xp = get_array_module(a)
        self.mask = xp.ones(a.shape, dtype=bool)
        if min is not None:
            self.mask &= a >= min
        if max is not None:
            self.mask &= a <= max
        return xp.clip(a, min, max)

    def backward(self, gy):
        return masked_grad(gy, self.mask)


class Maximum(Function):
    hint = BROADCAST_HINT

    def forward(self, a, b):
        xp = get_array_module(a, b)
        # NOTE: ties split the gradient half and half, as PyTorch does.
        out = xp.maximum(a, b)
        self.wa = ((a > b) + 0.5 * (a == b)).astype(out.dtype)
        return out

    def backward(self, gy):
        return gy * self.wa, gy * (1 - self.wa)


class Minimum(Function):
    hint = BROADCAST_HINT

    def forward(self, a, b):
        xp = get_array_module(a, b)
        out = xp.minimum(a, b)
        self.wa = ((a < b) + 0.5 * (a == b)).astype(out.dtype)
        return out

    def backward(self, gy):
        return gy * self.wa, gy * (1 - self.wa)


class Where(Function):
    hint = BROADCAST_HINT

    def forward(self, cond, a, b):
        self.cond = cond
        return get_array_module(a, b).where(cond, a, b)

    def backward(self, gy):
        zero = gy.dtype.type(0)
        xp = get_array_module(gy)
        return None, xp.where(self.cond, gy, zero), xp.where(self.cond, zero, gy)


class Cast(Function):
    def forward(self, a, dtype=None):
        return a.astype(dtype)

    def backward(self, gy):
        return gy  # the engine casts gradients back to each input's dtype


class ToDevice(Function):
    def forward(self, a, device="cpu"):
        self.source = device_of(a)
        return to_device(a, device)

    def backward(self, gy):
        return to_device(gy, self.source)
