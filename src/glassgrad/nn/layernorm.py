"""``LayerNorm``: normalization over each sample's features (PyTorch's names and semantics)."""

from __future__ import annotations

from ..creation import ones, zeros
from . import init
from .attention_functional import layer_norm
from .inputs import check_dtype
from .module import Module
from .parameter import Parameter


class LayerNorm(Module):
    """y = (x − E[x]) / √(Var[x] + ε) · γ + β over the last dims ``normalized_shape`` of each
    sample (the same in training and evaluation: no running statistics).

    Shapes: input (..., *normalized_shape) -> the same; weight γ and bias β
    ``normalized_shape`` (γ = 1, β = 0 at init). ``elementwise_affine=False``: no γ, β;
    ``bias=False``: γ only.
    """

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, dtype=None):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(
            normalized_shape)
        if not shape or any(int(n) <= 0 for n in shape):
            raise ValueError(f"LayerNorm: normalized_shape must be positive sizes, got "
                             f"{normalized_shape!r}.")
        self.normalized_shape = tuple(int(n) for n in shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(ones(*self.normalized_shape, dtype=dtype))
            if bias:
                self.bias = Parameter(zeros(*self.normalized_shape, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, x):
        if self.weight is not None:  # the dtype rule (nn/inputs.py), as Linear's
            check_dtype(self, x, self.weight)
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")
