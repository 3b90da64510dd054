"""Floor division and remainder, with Python's (and PyTorch's) signs: ``a == (a // b) * b +
a % b`` and ``a % b`` has the sign of ``b``. Integer tensors stay integer (as torch)."""

import numpy as np

from ..autograd import Function
from ..backend import get_array_module
from .elementwise import BROADCAST_HINT


def _check_int_divisor(a, b, name: str):
    xp = get_array_module(a, b)
    kind = xp.result_type(a, b).kind
    if kind in "iub" and bool((xp.asarray(b) == 0).any()):
        raise ZeroDivisionError(f"{name}: integer division by zero (as in PyTorch); floating "
                                "tensors give inf or nan instead (convert with x.float()).")


class FloorDivide(Function):
    """``floor(a / b)``, rounded toward minus infinity (``torch.floor_divide``, ``//``).

    Not differentiable (PyTorch has no derivative for floor_divide either): backpropagating
    through it raises NotDifferentiableError.
    """

    differentiable = False
    hint = BROADCAST_HINT

    @np.errstate(divide="ignore", invalid="ignore")  # NOTE: x // 0.0 is ±inf or nan, as torch
    def forward(self, a, b):
        _check_int_divisor(a, b, "floor_divide")
        return get_array_module(a, b).floor_divide(a, b)


class Remainder(Function):
    """``a - floor(a / b) * b``, the sign of ``b`` (``torch.remainder``, ``%``; NumPy's remainder).

    Gradients as torch's: ``∂/∂a = 1``, ``∂/∂b = -floor(a / b)``.
    """

    hint = BROADCAST_HINT

    @np.errstate(divide="ignore", invalid="ignore")  # NOTE: x % 0.0 is nan, as torch
    def forward(self, a, b):
        _check_int_divisor(a, b, "remainder")
        self.a, self.b = a, b
        return get_array_module(a, b).remainder(a, b)

    def backward(self, gy):
        gb = None
        if self.needs_grad(1):
            xp = get_array_module(gy)
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = -gy * xp.floor_divide(self.a, self.b)
        return gy, gb
