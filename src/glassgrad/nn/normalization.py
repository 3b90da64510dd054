"""Batch normalization layers (PyTorch's semantics for buffers, momentum and modes)."""

from __future__ import annotations

import numpy as np

from ..autograd import no_grad
from ..creation import ones, tensor, zeros
from ..errors import ShapeError
from . import functional as F
from . import init
from .inputs import check_dtype
from .module import Module
from .parameter import Parameter


class _BatchNorm(Module):
    _dims: tuple = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, dtype=None):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(ones(num_features, dtype=dtype))
            self.bias = Parameter(zeros(num_features, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", tensor(0, dtype=np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            self.num_batches_tracked.data[...] = 0

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            init.zeros_(self.bias)

    def forward(self, x):
        if x.ndim not in self._dims or x.shape[1] != self.num_features:
            raise ShapeError(
                f"{self!r} expected input of {' or '.join(f'{d}-D' for d in self._dims)} with "
                f"{self.num_features} channels in dim 1, got shape {tuple(x.shape)}.")
        ref = self.weight if self.weight is not None else self.running_mean
        if ref is not None:
            check_dtype(self, x, ref)
        momentum = self.momentum
        if self.training and self.track_running_stats:
            with no_grad():
                self.num_batches_tracked.data = self.num_batches_tracked.data + 1
            if momentum is None:  # cumulative moving average
                momentum = 1.0 / float(self.num_batches_tracked.item())
        # NOTE: without running stats (track_running_stats=False) batch stats are used in eval too.
        return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            self.training, momentum, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm over (N, C) or (N, C, L) inputs, per channel C.

    Training: normalize with the batch mean and (biased) variance, then y = γ·x̂ + β; update
    running_mean/running_var (unbiased variance) with ``momentum`` (None: cumulative average).
    Eval: use the running statistics. Default init: γ = 1, β = 0, running mean 0, var 1.
    """

    _dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch norm over (N, C, H, W) inputs, per channel C (see ``BatchNorm1d``)."""

    _dims = (4,)
