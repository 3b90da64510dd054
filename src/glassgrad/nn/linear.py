"""Fully connected layers: ``Linear``, and ``Identity`` (lives here as the trivial layer)."""

from __future__ import annotations

from ..creation import empty
from ..ops.linalg import Linear as _Linear
from . import init
from .inputs import check_dtype, check_sizes
from .module import Module, check_features
from .parameter import Parameter


class Identity(Module):
    """Returns its input unchanged (a placeholder layer). Extra arguments are ignored."""

    _converts_input = False  # anything passes through, as in PyTorch

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x


class Linear(Module):
    """z = W·a + b for a batch: y = x Wᵀ + b.

    Shapes: input (..., in_features) -> output (..., out_features); weight (out, in); bias (out,).

    Default init (PyTorch's): weight and bias ~ U(−1/√in, 1/√in), from glassgrad's seeded
    generator (``glassgrad.manual_seed``).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype=None):
        super().__init__()
        check_sizes("Linear", in_features=in_features, out_features=out_features)
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.weight = Parameter(empty(out_features, in_features, dtype=dtype))
        self.bias = Parameter(empty(out_features, dtype=dtype)) if bias else None
        if not bias:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.fan_in_uniform_(self.weight)
        if self.bias is not None:
            init.fan_in_uniform_(self.bias, fan_in=self.in_features)

    def forward(self, x):
        """y = x Wᵀ + b: the ``Linear`` op on this layer's weight and bias."""
        weight, bias = self.checked_parameters(x)
        if bias is None:
            return _Linear.apply(x, weight)
        return _Linear.apply(x, weight, bias)

    def checked_parameters(self, x):
        """(weight, bias) for input ``x``, after refusing, naming this layer, an input whose
        last dim is not ``in_features`` or whose dtype is not the weight's."""
        # NOTE: the parameters from their dict and the full check only on a mismatch: this
        # runs once per layer per step, where Module.__getattr__ and the check calls cost a
        # small MLP's step several per cent (bench/RESULTS.md §13).
        weight, bias = self._parameters["weight"], self._parameters["bias"]
        a = x.data
        if a.ndim == 0 or a.shape[-1] != self.in_features or a.dtype is not weight.data.dtype:
            check_features(self, x, self.in_features)
            check_dtype(self, x, weight)
        return weight, bias

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
