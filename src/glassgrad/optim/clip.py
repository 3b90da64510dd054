"""Gradient clipping (PyTorch's ``torch.nn.utils.clip_grad_norm_`` / ``clip_grad_value_``).

Both rebind each gradient's array (``p.grad.data = new``) and never write into the old one:
gradient arrays may be shared between tensors.
"""

from __future__ import annotations

import math

from ..backend import get_array_module
from ..tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(parameters) -> list[Tensor]:
    """The distinct gradient Tensors of ``parameters`` (a Tensor or an iterable of them)."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    grads, seen = [], set()
    for p in parameters:
        if not isinstance(p, Tensor):
            raise TypeError(f"clip: expected Tensors, got {type(p).__name__}.")
        if p.grad is not None and id(p.grad) not in seen:
            seen.add(id(p.grad))
            grads.append(p.grad)
    return grads


def _norm(a, p: float):
    """‖a‖_p over all elements, in a's dtype (0-d array)."""
    xp = get_array_module(a)
    a = xp.abs(a.ravel())
    if p == math.inf:
        return a.max() if a.size else xp.zeros((), a.dtype)
    if p == -math.inf:
        return a.min() if a.size else xp.zeros((), a.dtype)
    if p == 0:
        return xp.asarray(xp.count_nonzero(a), dtype=a.dtype)
    if p == 2:
        return xp.sqrt(xp.sum(a * a))
    return xp.sum(a ** p) ** (1.0 / p)


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> Tensor:
    """Scale all gradients together so their joint norm is at most ``max_norm``.

    ``total = ‖(‖g₁‖_p, ‖g₂‖_p, ...)‖_p`` (the p-norm of all gradients as one vector); then every
    gradient is multiplied by ``min(1, max_norm / (total + 1e-6))``.

    Args:
        parameters: a Tensor or an iterable of Tensors (those without a grad are skipped).
        max_norm: the largest allowed norm.
        norm_type: p (2.0 by default; ``float("inf")`` for the largest absolute value).
        error_if_nonfinite: raise if the total norm is NaN or infinite (instead of scaling
            every gradient into NaN).

    Returns:
        The total norm of the gradients before clipping, as a 0-d Tensor.
    """
    grads = _grads(parameters)
    p = float(norm_type)
    if not grads:
        return Tensor(0.0)
    xp = get_array_module(grads[0].data)
    dtype = xp.result_type(*[g.dtype for g in grads])
    norms = xp.stack([_norm(g.data, p).astype(dtype) for g in grads])
    total = _norm(norms, p)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(
            f"clip_grad_norm_: the total {p}-norm of the gradients is {float(total)}, so they "
            "cannot be clipped. Find the NaN/Inf with glassgrad.detect_anomaly(), or pass "
            "error_if_nonfinite=False to proceed anyway.")
    coef = xp.minimum(max_norm / (total + 1e-6), 1.0)
    for g in grads:
        # NOTE: coef is cast so a float64 0-d array never upcasts a float32 gradient
        g.data = g.data * coef.astype(g.dtype)
    return Tensor._make(total, None)


def clip_grad_value_(parameters, clip_value: float) -> None:
    """Clamp every gradient element into ``[-clip_value, clip_value]``.

    Args:
        parameters: a Tensor or an iterable of Tensors (those without a grad are skipped).
        clip_value: the largest allowed absolute value.
    """
    clip_value = float(clip_value)
    for g in _grads(parameters):
        xp = get_array_module(g.data)
        g.data = xp.clip(g.data, -clip_value, clip_value)
