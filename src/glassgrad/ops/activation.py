"""Activation ops beyond the elementwise basics (ReLU, Sigmoid, Tanh, LeakyReLU live in
elementwise.py), and the classic non-differentiable neurons (Step, Sign, Threshold,
StochasticBinary), which are for forward use and teaching: backprop through them raises."""

import math

from ..autograd import Function
from ..backend import default_generator, get_array_module
from .elementwise import masked_grad, sigmoid_stable

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


# W. J. Cody's rational Chebyshev approximations (netlib specfun CALERF, Math. Comp. 1969):
# relative error below 1e-16 in float64 on each of three ranges of |x|.
_ERF_A = (3.16112374387056560, 113.864154151050156, 377.485237685302021, 3209.37758913846947,
          0.185777706184603153)
_ERF_B = (23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062)
_ERF_C = (0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131,
          881.952221241769090, 1712.04761263407058, 2051.07837782607147, 1230.33935479799725,
          2.15311535474403846e-8)
_ERF_D = (15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019,
          3290.79923573345963, 4362.61909014324716, 3439.36767414372164, 1230.33935480374942)
_ERF_P = (0.305326634961232344, 0.360344899949804439, 0.125781726111229246,
          0.0160837851487422766, 6.58749161529837803e-4, 0.0163153871373020978)
_ERF_Q = (2.56852019228982242, 1.87295284992346047, 0.527905102951428412,
          0.0605183413124413191, 0.00233520497626869185)
_SQRT_1_OVER_PI = 1.0 / math.sqrt(math.pi)


def _rational(y, num, den):
    """(num[-1]·yⁿ + num[0]·yⁿ⁻¹ + ... + num[n-1]) / (yⁿ + den[0]·yⁿ⁻¹ + ... + den[n-1]), in
    Cody's Horner order: ``num`` holds one more coefficient than ``den``, its leading one last."""
    xnum, xden = num[-1] * y, y
    for a, b in zip(num[:-2], den[:-1]):
        xnum = (xnum + a) * y
        xden = (xden + b) * y
    return (xnum + num[-2]) / (xden + den[-1])


def _erf_small(x, xp):
    """erf(x) on |x| <= 0.46875 (x is clipped to that range)."""
    x = xp.clip(x, -0.46875, 0.46875)
    return x * _rational(x * x, _ERF_A, _ERF_B)


def _erfc_large(y, xp):
    """erfc(y) on y >= 0.46875 (y is clipped to that range); 0 from y = 26.543 on, where the
    float64 result underflows (Cody's XBIG)."""
    y = xp.clip(y, 0.46875, 26.543)  # NOTE: keeps every branch finite: no warnings to silence
    mid = _rational(xp.minimum(y, 4.0), _ERF_C, _ERF_D)
    far_y = xp.maximum(y, 4.0)
    inv = 1.0 / (far_y * far_y)
    far = (_SQRT_1_OVER_PI - inv * _rational(inv, _ERF_P, _ERF_Q)) / far_y
    # e^{-y²} as e^{-s²}·e^{-(y-s)(y+s)} with s = y rounded down to 1/16: no rounding error of
    # y² gets amplified (Cody's trick).
    s = xp.trunc(y * 16.0) / 16.0
    r = xp.where(y > 4.0, far, mid) * xp.exp(-s * s) * xp.exp(-(y - s) * (y + s))
    return xp.where(y >= 26.543, 0.0, r)


def erfc(z):
    """Complementary error function 1 − erf(z) to float64 accuracy (relative error < 1e-15;
    NumPy has none): Cody's rational approximations. Works on NumPy and CuPy arrays."""
    xp = get_array_module(z)
    y = abs(z)
    r = xp.where(y <= 0.46875, 1.0 - _erf_small(z, xp), _erfc_large(y, xp))
    return xp.where(z < -0.46875, 2.0 - r, r)


def erf(z):
    """Error function to float64 accuracy (see ``erfc``), computed directly near 0."""
    xp = get_array_module(z)
    big = 1.0 - _erfc_large(abs(z), xp)
    return xp.where(abs(z) <= 0.46875, _erf_small(z, xp), xp.where(z < 0, -big, big))


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
        # d softplus / dx = σ(βx)
        return get_array_module(gy).where(self.linear, gy, gy * sigmoid_stable(self.bx))


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
        u = default_generator(xp).random(a.shape)
        return (u < sigmoid_stable(a)).astype(a.dtype)
