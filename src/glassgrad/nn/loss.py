"""Loss layers: Modules wrapping the loss functions of ``glassgrad.nn.functional``.

Call them as ``loss_fn(output, target)``. ``reduction`` is "mean", "sum" or "none".
"""

from __future__ import annotations

from . import functional as F
from .module import Module


class _Loss(Module):
    _reductions = ("mean", "sum", "none")

    def __init__(self, reduction: str = "mean"):
        super().__init__()
        if reduction not in self._reductions:
            raise ValueError(f"{type(self).__name__}: reduction must be one of "
                             f"{', '.join(map(repr, self._reductions))}, got {reduction!r}.")
        self.reduction = reduction

    def extra_repr(self):
        return f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """Mean squared error (t − a)²."""

    def forward(self, input, target):
        return F.mse_loss(input, target, self.reduction)


class SSELoss(_Loss):
    """The textbooks' halved sum of squared errors E = ½ Σ (t − a)² (default reduction "sum"),
    whose derivative ∂E/∂a = a − t is the δ of the backprop examples."""

    def __init__(self, reduction: str = "sum"):
        super().__init__(reduction)

    def forward(self, input, target):
        return F.sse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    """Mean absolute error |t − a|."""

    def forward(self, input, target):
        return F.l1_loss(input, target, self.reduction)


class HuberLoss(_Loss):
    """Huber loss: ½(a − t)² where |a − t| ≤ δ, δ·(|a − t| − ½δ) beyond; ``delta`` δ > 0.
    Robust to outliers (their gradient is capped at ±δ). See ``F.huber_loss``."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0):
        super().__init__(reduction)
        if not delta > 0:
            raise ValueError(f"HuberLoss: delta must be > 0, got {delta}.")
        self.delta = delta

    def forward(self, input, target):
        return F.huber_loss(input, target, self.reduction, self.delta)

    def extra_repr(self):
        return f"reduction={self.reduction!r}, delta={self.delta}"


class SmoothL1Loss(_Loss):
    """Smooth L1: ½(a − t)²/β where |a − t| < β, |a − t| − ½β beyond; ``beta`` β ≥ 0, and
    β = 0 is L1Loss. Equals HuberLoss(delta=β)/β. See ``F.smooth_l1_loss``."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0):
        super().__init__(reduction)
        if not beta >= 0:
            raise ValueError(f"SmoothL1Loss: beta must be >= 0, got {beta}.")
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, self.reduction, self.beta)

    def extra_repr(self):
        return f"reduction={self.reduction!r}, beta={self.beta}"


class KLDivLoss(_Loss):
    """KL divergence Σ t·(log t − input), PyTorch's form: ``input`` holds LOG-probabilities
    (``LogSoftmax`` output), ``target`` probabilities (log-probabilities if ``log_target``).
    Keras's KLDivergence takes probabilities for both; here pass log p as the input.

    Use ``reduction="batchmean"`` for the KL divergence per sample; the default "mean" divides
    by every element (batch × classes) and warns, as PyTorch. See ``F.kl_div``.
    """

    _reductions = ("mean", "batchmean", "sum", "none")

    def __init__(self, reduction: str = "mean", log_target: bool = False):
        super().__init__(reduction)
        self.log_target = log_target

    def forward(self, input, target):
        return F.kl_div(input, target, self.reduction, self.log_target)

    def extra_repr(self):
        return f"reduction={self.reduction!r}, log_target={self.log_target}"


class GaussianNLLLoss(_Loss):
    """Gaussian negative log-likelihood ½(log σ² + (a − t)²/σ²), called as
    ``loss_fn(input, target, var)``; ``var`` clamped at ``eps``; ``full`` adds ½log 2π.
    See ``F.gaussian_nll_loss``."""

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean"):
        super().__init__(reduction)
        self.full, self.eps = full, eps

    def forward(self, input, target, var):
        return F.gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)

    def extra_repr(self):
        return f"full={self.full}, eps={self.eps}, reduction={self.reduction!r}"


class BCELoss(_Loss):
    """Binary cross-entropy on probabilities in [0, 1] (log clamped at −100, as PyTorch)."""

    def __init__(self, weight=None, reduction: str = "mean"):
        super().__init__(reduction)
        self.weight = weight

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross-entropy fused, stable for any logit; optional ``pos_weight``."""

    def __init__(self, weight=None, reduction: str = "mean", pos_weight=None):
        super().__init__(reduction)
        self.weight, self.pos_weight = weight, pos_weight

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.weight, self.reduction,
                                                  self.pos_weight)


class CrossEntropyLoss(_Loss):
    """Softmax + negative log-likelihood fused, on logits (N, C, ...); targets are class
    indices (N, ...) or probabilities shaped like the input. See ``F.cross_entropy``."""

    def __init__(self, weight=None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0):
        super().__init__(reduction)
        self.weight, self.ignore_index = weight, ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, self.weight, self.ignore_index, self.reduction,
                               self.label_smoothing)


class NLLLoss(_Loss):
    """Negative log-likelihood on log-probabilities (pair with LogSoftmax)."""

    def __init__(self, weight=None, ignore_index: int = -100, reduction: str = "mean"):
        super().__init__(reduction)
        self.weight, self.ignore_index = weight, ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, self.weight, self.ignore_index, self.reduction)
