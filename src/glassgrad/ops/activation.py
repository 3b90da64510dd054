"""Activation ops beyond the elementwise basics (ReLU, Sigmoid, Tanh, LeakyReLU live in
elementwise.py), and the classic non-differentiable neurons (Step, Sign, Threshold,
StochasticBinary), which are for forward use and teaching: backprop through them raises."""

import math

from ..autograd import Function
from ..backend import default_generator, get_array_module
from .elementwise import masked_grad

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def erfc(z):
    """Complementary error function, |error| < 1e-7 everywhere (NumPy has no erf).

    Chebyshev-fitted rational form (Numerical Recipes, ``erfcc``): fractional error < 1.2e-7,
    measured absolute error < 8.4e-8 against ``math.erfc``. Works on NumPy and CuPy arrays.
    """
    xp = get_array_module(z)
    a = abs(z)
    t = 1.0 / (1.0 + 0.5 * a)
    poly = (-1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (
        -0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (
            -0.82215223 + t * 0.17087277)))))))))
    r = t * xp.exp(-a * a + poly)
    return xp.where(z >= 0, r, 2.0 - r)


def erf(z):
    """Error function, |error| < 1e-7 (see ``erfc``)."""
    return 1.0 - erfc(z)


class ELU(Function):
    # NOTE: fused: composing where(x > 0, x, α(eˣ − 1)) overflows exp in the unused branch for
    # large x, and 0 · inf = NaN in its backward.
    def forward(self, a, alpha=1.0):
        xp = get_array_module(a)
        self.pos = a > 0
        neg = xp.minimum(a, 0)
        self.neg = alpha * xp.exp(neg)  # the derivative on the negative side
        return xp.where(self.pos, a, alpha * xp.expm1(neg)).astype(a.dtype)

    def backward(self, gy):
        return get_array_module(gy).where(self.pos, gy, gy * self.neg)


class GELU(Function):
    """x·Φ(x) (exact, via erfc) or the tanh approximation (``approximate="tanh"``)."""

    # NOTE: one op so the derivative Φ(x) + x·φ(x) is exact instead of differentiated through
    # the erfc polynomial.
    def forward(self, a, approximate="none"):
        xp = get_array_module(a)
        self.a, self.approximate = a, approximate
        if approximate == "tanh":
            self.t = xp.tanh(_SQRT_2_OVER_PI * (a + 0.044715 * a * a * a))
            return (0.5 * a * (1 + self.t)).astype(a.dtype)
        if approximate != "none":
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}.")
        self.cdf = 0.5 * erfc(-a * _SQRT_HALF)
        return (a * self.cdf).astype(a.dtype)

    def backward(self, gy):
        xp = get_array_module(gy)
        a = self.a
        if self.approximate == "tanh":
            inner = _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * a * a)
            return gy * (0.5 * (1 + self.t) + 0.5 * a * (1 - self.t * self.t) * inner)
        with xp.errstate(over="ignore"):
            pdf = _INV_SQRT_2PI * xp.exp(-0.5 * a * a)
        return gy * (self.cdf + a * pdf)


class Softplus(Function):
    # NOTE: fused for stability: log(1 + e^{βx}) overflows for large βx; this form never does.
    def forward(self, a, beta=1.0, threshold=20.0):
        xp = get_array_module(a)
        bx = beta * a
        self.linear = bx > threshold
        self.bx = bx
        soft = (xp.log1p(xp.exp(-abs(bx))) + xp.maximum(bx, 0)) / beta
        return xp.where(self.linear, a, soft).astype(a.dtype)

    def backward(self, gy):
        xp = get_array_module(gy)
        e = xp.exp(-abs(self.bx))
        sig = xp.where(self.bx >= 0, 1 / (1 + e), e / (1 + e))
        return xp.where(self.linear, gy, gy * sig)


class Hardtanh(Function):
    """clip(x, min_val, max_val) with a zero gradient AT the corners, as PyTorch's hardtanh,
    relu6 and hardsigmoid (``Clamp`` passes the gradient at the corners, as torch.clamp)."""

    def forward(self, a, min_val=-1.0, max_val=1.0):
        self.mask = (a > min_val) & (a < max_val)
        return get_array_module(a).clip(a, min_val, max_val)

    def backward(self, gy):
        return masked_grad(gy, self.mask)


# ---------------------------------------------------------------- non-differentiable neurons

class Step(Function):
    """Heaviside step: 1 for z > 0, 0 for z < 0, 0.5 at z = 0 (the perceptron's neuron)."""

    differentiable = False

    def forward(self, a):
        return get_array_module(a).heaviside(a, 0.5).astype(a.dtype)


class Sign(Function):
    """sign(z): −1, 0 or +1."""

    differentiable = False

    def forward(self, a):
        return get_array_module(a).sign(a)


class Threshold(Function):
    """McCulloch–Pitts threshold unit: 1 where z ≥ θ, else 0 (NOT ``torch.nn.Threshold``)."""

    differentiable = False

    def forward(self, a, threshold=0.0):
        return (a >= threshold).astype(a.dtype if a.dtype.kind == "f" else "float32")


class StochasticBinary(Function):
    """Stochastic binary neuron (Boltzmann machines): 1 with probability σ(z), else 0."""

    differentiable = False

    def forward(self, a):
        xp = get_array_module(a)
        e = xp.exp(-abs(a))
        p = xp.where(a >= 0, 1 / (1 + e), e / (1 + e))
        u = default_generator(xp).random(a.shape)
        return (u < p).astype(a.dtype)
