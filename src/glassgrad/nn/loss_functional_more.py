"""More loss functions (functional form), with PyTorch's names and semantics: the robust
regression losses ``huber_loss`` and ``smooth_l1_loss``, ``kl_div`` and ``gaussian_nll_loss``.

All are composed from primitive ops (abs, where, log, exp, ...): none needs a fused op for
stability, and the graph stays inspectable node by node.
"""

from __future__ import annotations

import math
import warnings

from ..backend import get_array_module
from ..errors import ShapeError
from ..functional import where
from ..tensor import Tensor
from .inputs import as_input
from .loss_functional import _input, _reduce, _target


def _as_tensor(x):
    """A target that ``_target`` returned as a plain array, wrapped as a constant Tensor."""
    return x if isinstance(x, Tensor) else Tensor._make(x, None)


def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0):
    """Huber loss: ½(a − t)² where |a − t| ≤ δ, δ·(|a − t| − ½δ) beyond (PyTorch's form).

    Quadratic near the target, linear (gradient ±δ) for outliers, so one bad label cannot
    dominate a batch as it does under MSE. Shapes: input and target identical; "none" keeps it.

    Args:
        input: predictions a, any shape.
        target: targets t, the input's shape.
        reduction: "mean", "sum" or "none".
        delta: δ > 0, where the quadratic part turns linear.
    """
    input = _input(input, "huber_loss")
    if not delta > 0:
        raise ValueError(f"huber_loss: delta must be > 0, got {delta} (PyTorch refuses it "
                         "too). For the absolute error use l1_loss; smooth_l1_loss allows beta=0.")
    d = input - _target(target, input, "huber_loss")
    ad = abs(d)
    # NOTE: |d| = δ takes the quadratic side; both sides agree there in value (½δ²) and slope (±δ).
    loss = where(ad.data <= delta, d * d * 0.5, (ad - 0.5 * delta) * delta)
    return _reduce(loss, reduction, "huber_loss")


def smooth_l1_loss(input, target, reduction: str = "mean", beta: float = 1.0):
    """Smooth L1: ½(a − t)²/β where |a − t| < β, |a − t| − ½β beyond (PyTorch's form).

    It equals ``huber_loss(delta=beta) / beta``: the same shape, but the linear part has slope
    ±1 whatever β. ``beta=0`` is exactly ``l1_loss``, as in PyTorch.

    Args:
        input: predictions a, any shape.
        target: targets t, the input's shape.
        reduction: "mean", "sum" or "none".
        beta: β ≥ 0, where the quadratic part turns linear.
    """
    input = _input(input, "smooth_l1_loss")
    if not beta >= 0:
        raise ValueError(f"smooth_l1_loss: beta must be >= 0, got {beta} (PyTorch refuses "
                         "negative beta too).")
    d = input - _target(target, input, "smooth_l1_loss")
    ad = abs(d)
    if beta == 0:
        return _reduce(ad, reduction, "smooth_l1_loss")
    loss = where(ad.data < beta, d * d * (0.5 / beta), ad - 0.5 * beta)
    return _reduce(loss, reduction, "smooth_l1_loss")


_KL_REDUCTIONS = ("mean", "batchmean", "sum", "none")


def kl_div(input, target, reduction: str = "mean", log_target: bool = False):
    """Kullback–Leibler divergence KL(t ‖ p) = Σ t·(log t − log p), PyTorch's ``kl_div``.

    NOTE: as in PyTorch, ``input`` holds LOG-probabilities log p (e.g. ``log_softmax(z, 1)``),
    and ``target`` holds probabilities t (or log t with ``log_target=True``). Keras's
    ``KLDivergence`` takes probabilities for both; pass ``log(p)`` here instead.
    The pointwise loss is t·(log t − input), with 0·log 0 = 0 (a zero target adds nothing);
    with ``log_target`` it is eᵗ·(t − input).

    Args:
        input: log-probabilities, shape (N, *), typically (N, C).
        target: the input's shape; probabilities (≥ 0) or, with ``log_target``, log-probabilities.
        reduction: "batchmean" (sum / N: the true KL divergence per sample, what you want),
            "sum", "none" (pointwise), or "mean" (sum / number of ELEMENTS, i.e. the KL per
            sample divided by C too; PyTorch's default, kept for compatibility, and it warns
            as PyTorch does).
        log_target: whether ``target`` holds log-probabilities.

    NOTE: at t = 0 the target's gradient is −input (the t·log t term contributes 0), where
    PyTorch gives NaN; the input's gradient (−t) matches PyTorch everywhere.
    """
    input = _input(input, "kl_div")
    if reduction not in _KL_REDUCTIONS:
        raise ValueError(f"kl_div: reduction must be one of {', '.join(map(repr, _KL_REDUCTIONS))}"
                         f", got {reduction!r}.")
    target = _as_tensor(_target(target, input, "kl_div"))
    if log_target:
        loss = target.exp() * (target - input)
    else:
        tdata = target.data
        if tdata.size and not tdata.min() >= 0:  # NOTE: NaN fails the comparison too
            raise ValueError(
                f"kl_div: target must hold probabilities (>= 0), got a minimum of "
                f"{float(tdata.min())}. If the target holds log-probabilities, pass "
                "log_target=True.")
        # t·log t with 0·log 0 = 0: log(1) = 0 stands in where t = 0 (and carries no gradient)
        loss = target * where(tdata > 0, target, 1.0).log() - target * input
    if reduction == "mean":
        warnings.warn(
            "kl_div: reduction='mean' divides the summed loss by the number of elements (batch "
            "size × classes), not by the batch size; reduction='batchmean' gives the KL "
            "divergence per sample (PyTorch warns the same and plans to make 'mean' do that).",
            UserWarning, stacklevel=2)
        return loss.mean()
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.ndim else loss.sum()
    return _reduce(loss, reduction, "kl_div")


def gaussian_nll_loss(input, target, var, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean"):
    """Gaussian negative log-likelihood ½(log σ² + (a − t)²/σ²) (+ ½log 2π if ``full``).

    The model predicts a mean ``input`` and a variance ``var`` per target (heteroscedastic),
    or one variance shared over the last dim (homoscedastic). As in PyTorch, ``var`` is
    clamped at ``eps`` for the value only: its gradient flows as if unclamped.

    Shapes: input and target (N, *); var the input's shape, or the input's shape without its
    last dim, or with exactly one dim of size 1 (broadcast); or a float. "none" keeps (N, *).
    """
    input = _input(input, "gaussian_nll_loss")
    target = _target(target, input, "gaussian_nll_loss")
    xp = get_array_module(input.data)
    if isinstance(var, (int, float)):
        var = Tensor._make(xp.full(input.shape, float(var), dtype=input.dtype), None)
    elif not isinstance(var, Tensor):
        var = as_input("gaussian_nll_loss", var, input.dtype, "var")
    shape, vshape = tuple(input.shape), tuple(var.shape)
    if vshape != shape:
        if vshape == shape[:-1]:
            var = var.reshape(vshape + (1,))
        elif not (len(vshape) == len(shape) and sum(
                v for s, v in zip(shape, vshape) if s != v) == 1):
            raise ShapeError(
                f"gaussian_nll_loss: var shape {vshape} does not fit input shape {shape}; give "
                f"var the input's shape, the shape {shape[:-1]} (one variance per sample), or "
                "the input's shape with one dim of size 1.")
    vdata = var.data
    if vdata.size and not vdata.min() >= 0:
        raise ValueError(f"gaussian_nll_loss: var must be >= 0, got a minimum of "
                         f"{float(vdata.min())}. Predict it through softplus or exp.")
    # NOTE: PyTorch clamps under no_grad; adding the clamp's offset as a constant does the same.
    var = var + (xp.maximum(vdata, eps) - vdata)
    d = input - target
    loss = (var.log() + d * d / var) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction, "gaussian_nll_loss")
