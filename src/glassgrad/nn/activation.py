"""Activation layers. Each wraps the function of the same name in ``glassgrad.nn.functional``.

Differentiable: Sigmoid, Tanh, ReLU, ReLU6, LeakyReLU, PReLU, ELU, GELU, Softplus, Softmax,
LogSoftmax, HardSigmoid. For forward use and teaching only (backprop raises
``NotDifferentiableError``): Step, Sign, Threshold, StochasticBinary.
"""

from __future__ import annotations

from ..creation import empty
from ..ops import elementwise as E
from . import functional as F
from . import init
from .inputs import check_dtype
from .linear import Identity  # noqa: F401  (re-exported: nn.Identity)
from .module import Module
from .parameter import Parameter


class _Elementwise(Module):
    # NOTE: the function applied; Sigmoid, Tanh and ReLU name their op's ``apply`` directly
    # (what F.sigmoid etc. call), one Python call less per layer per step.
    _fn = None

    def forward(self, x):
        return type(self)._fn(x)


class Sigmoid(_Elementwise):
    """Logistic σ(z) = 1/(1 + e^{−z}); σ'(z) = σ(z)(1 − σ(z))."""

    _fn = staticmethod(E.Sigmoid.apply)


class Tanh(_Elementwise):
    _fn = staticmethod(E.Tanh.apply)


class ReLU(_Elementwise):
    _fn = staticmethod(E.ReLU.apply)


class ReLU6(_Elementwise):
    _fn = staticmethod(F.relu6)


class HardSigmoid(_Elementwise):
    """relu6(x + 3)/6, PyTorch's piecewise-linear sigmoid."""

    _fn = staticmethod(F.hardsigmoid)


class Step(_Elementwise):
    """Heaviside step neuron (1 if z > 0, 0 if z < 0, 0.5 at 0). Not differentiable."""

    _fn = staticmethod(F.step)


class Sign(_Elementwise):
    """sign(z) in {−1, 0, 1}. Not differentiable."""

    _fn = staticmethod(F.sign)


class StochasticBinary(_Elementwise):
    """Fires 1 with probability σ(z) (seeded generator), else 0. Not differentiable."""

    _fn = staticmethod(F.stochastic_binary)


class Threshold(Module):
    """Threshold logic unit (McCulloch–Pitts): 1 where z ≥ θ, else 0. Not differentiable.

    NOTE: ``torch.nn.Threshold(threshold, value)`` is a different thing (it replaces inputs
    below the threshold by ``value``); this one is the classic neuron.
    """

    def __init__(self, theta: float = 0.0):
        super().__init__()
        self.theta = theta

    def forward(self, x):
        return F.threshold(x, self.theta)

    def extra_repr(self):
        return f"theta={self.theta}"


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class PReLU(Module):
    """Leaky ReLU with a learnable slope: one shared (``num_parameters=1``) or one per channel
    (dim 1). Default init: every slope = ``init`` = 0.25, as PyTorch."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, dtype=None):
        super().__init__()
        self.num_parameters, self.init = num_parameters, init
        self.weight = Parameter(empty(num_parameters, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self):
        init.constant_(self.weight, self.init)

    def forward(self, x):
        check_dtype(self, x, self.weight)
        return F.prelu(x, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class ELU(Module):
    def __init__(self, alpha: float = 1.0):
        super().__init__()
        self.alpha = alpha

    def forward(self, x):
        return F.elu(x, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}"


class GELU(Module):
    """x·Φ(x): exact (erf) by default, ``approximate="tanh"`` for the tanh form."""

    def __init__(self, approximate: str = "none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}.")
        self.approximate = approximate

    def forward(self, x):
        return F.gelu(x, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmax(Module):
    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return F.softmax(x, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    def forward(self, x):
        return F.log_softmax(x, self.dim)
