"""Per-coordinate adaptive learning rates: Adagrad and RMSprop."""

from __future__ import annotations

from ..backend import get_array_module
from .optimizer import Optimizer, _check_nonneg

__all__ = ["Adagrad", "RMSprop"]


class Adagrad(Optimizer):
    r"""Adagrad (Duchi et al., 2011), PyTorch's ``torch.optim.Adagrad`` semantics.

    Each coordinate's step shrinks with the sum of its squared gradients so far::

        g ← g + λ θ                              if weight_decay λ ≠ 0
        η_t = η / (1 + (t - 1) δ)                (δ: lr_decay)
        G_t = G_{t-1} + g ⊙ g                    (G_0 = initial_accumulator_value)
        θ ← θ - η_t g / (√G_t + ε)

    Args:
        params: iterable of Tensors or of parameter-group dicts.
        lr: η (default 1e-2).
        lr_decay: δ (default 0).
        weight_decay: λ, L2 penalty (default 0).
        initial_accumulator_value: G_0 (default 0).
        eps: ε, added to the denominator (default 1e-10).
        maximize: ascend instead of descend.
    """

    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                 initial_accumulator_value=0.0, eps=1e-10, *, maximize=False):
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _validate(self, group):
        super()._validate(group)
        _check_nonneg(self, group, "lr_decay", "learning-rate decay")
        _check_nonneg(self, group, "weight_decay", "weight decay")
        _check_nonneg(self, group, "initial_accumulator_value", "initial accumulator value")
        _check_nonneg(self, group, "eps", "epsilon")

    def _update(self, p, g, state, group):
        xp = get_array_module(p.data)
        if not state:
            state["step"] = 0
            state["sum"] = xp.full_like(p.data, group["initial_accumulator_value"])
        state["step"] += 1
        t = state["step"]
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p.data
        lr_t = group["lr"] / (1 + (t - 1) * group["lr_decay"])
        G = state["sum"]
        G += g * g  # G_t = G_{t-1} + g²
        p.data -= lr_t * g / (xp.sqrt(G) + group["eps"])  # θ ← θ − η_t g / (√G_t + ε)


class RMSprop(Optimizer):
    r"""RMSprop (Hinton, 2012), PyTorch's ``torch.optim.RMSprop`` semantics.

    Divides the gradient by a running root-mean-square of recent gradients::

        g ← g + λ θ                              if weight_decay λ ≠ 0
        v_t = α v_{t-1} + (1 - α) g ⊙ g          (v_0 = 0)
        centered:  ḡ_t = α ḡ_{t-1} + (1 - α) g,   d = √(v_t - ḡ_t ⊙ ḡ_t) + ε
        else:      d = √v_t + ε
        momentum μ > 0:  b_t = μ b_{t-1} + g / d,   θ ← θ - η b_t      (b_0 = 0)
        else:            θ ← θ - η g / d

    Args:
        params: iterable of Tensors or of parameter-group dicts.
        lr: η (default 1e-2).
        alpha: α, smoothing constant of the squared-gradient average (default 0.99).
        eps: ε (default 1e-8).
        weight_decay: λ, L2 penalty (default 0).
        momentum: μ (default 0).
        centered: normalise by the estimated variance of the gradient instead of its
            uncentered second moment.
        maximize: ascend instead of descend.
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                 centered=False, *, maximize=False):
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                        momentum=momentum, centered=centered, maximize=maximize)
        super().__init__(params, defaults)

    def _validate(self, group):
        super()._validate(group)
        _check_nonneg(self, group, "alpha", "smoothing constant")
        _check_nonneg(self, group, "eps", "epsilon")
        _check_nonneg(self, group, "momentum", "momentum")
        _check_nonneg(self, group, "weight_decay", "weight decay")

    def _update(self, p, g, state, group):
        xp = get_array_module(p.data)
        alpha, mu = group["alpha"], group["momentum"]
        if not state:
            state["step"] = 0
            state["square_avg"] = xp.zeros_like(p.data)
        state["step"] += 1
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p.data
        v = state["square_avg"]
        v[...] = alpha * v + (1 - alpha) * g * g  # v_t = α v_{t-1} + (1 − α) g²
        if group["centered"]:
            g_avg = state.setdefault("grad_avg", xp.zeros_like(p.data))
            g_avg += (1 - alpha) * (g - g_avg)  # = α ḡ + (1 - α) g
            d = xp.sqrt(v - g_avg * g_avg) + group["eps"]
        else:
            d = xp.sqrt(v) + group["eps"]
        if mu > 0:
            b = state.setdefault("momentum_buffer", xp.zeros_like(p.data))
            b[...] = mu * b + g / d  # b_t = μ b_{t-1} + g / d
            p.data -= group["lr"] * b  # θ ← θ − η b_t
        else:
            p.data -= group["lr"] * g / d  # θ ← θ − η g / d
