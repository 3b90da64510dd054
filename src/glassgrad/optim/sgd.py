"""Stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay."""

from __future__ import annotations

from ..backend import get_array_module
from .optimizer import Optimizer, _check_nonneg

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Stochastic gradient descent (PyTorch's ``torch.optim.SGD``, same semantics).

    For each parameter θ with gradient g = ∂E/∂θ, at step t::

        g ← -g                                   if maximize
        g ← g + λ θ                              if weight_decay λ ≠ 0   (L2 penalty)
        b_1 = g,   b_t = μ b_{t-1} + (1 - τ) g   if momentum μ ≠ 0       (τ: dampening)
        g ← g + μ b_t   (nesterov)   or   g ← b_t
        θ ← θ - η g                                                      (η: lr)

    Args:
        params: iterable of Tensors or of parameter-group dicts.
        lr: learning rate η (default 1e-3).
        momentum: μ ≥ 0 (default 0: plain SGD).
        dampening: τ, the share of the new gradient removed from the momentum sum (default 0).
        weight_decay: λ, L2 penalty added to the gradient (default 0).
        nesterov: Nesterov momentum (needs momentum > 0 and dampening = 0).
        maximize: ascend the objective instead of descending it.

    Example::

        opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
        opt.zero_grad(); loss.backward(); opt.step()
    """

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                 nesterov=False, *, maximize=False):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def _validate(self, group):
        super()._validate(group)
        _check_nonneg(self, group, "momentum", "momentum")
        _check_nonneg(self, group, "weight_decay", "weight decay")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"SGD: Nesterov momentum requires momentum > 0 and dampening = 0, got "
                f"momentum={group['momentum']}, dampening={group['dampening']}.")

    def _step_group(self, params, hyper):
        if hyper["momentum"] or hyper["weight_decay"] or hyper["maximize"]:
            super()._step_group(params, hyper)
            return
        # NOTE: plain SGD, θ ← θ − η g, inline: no per-parameter dispatch for the overhead-
        # bound small models that use it most. η as a 0-d array of the gradient's dtype takes
        # NumPy's same-dtype fast path (a Python float costs more per call), same bits.
        lr, eta = hyper["lr"], None
        for p in params:
            grad = p.grad
            if grad is not None and p.requires_grad:
                g = grad.data
                if eta is None or eta.dtype != g.dtype or type(eta) is not type(g):
                    eta = get_array_module(g).asarray(lr, dtype=g.dtype)
                p.data -= eta * g

    def _update(self, p, g, state, group):
        lr, mu = group["lr"], group["momentum"]
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p.data
        if mu != 0:
            b = state.get("momentum_buffer")
            if b is None:
                # b_1 = g (no dampening on step 1). NOTE: xp.array, not g.copy(): NumPy math
                # on 0-d arrays gives scalars, and the buffer must be an array updated in place.
                b = state["momentum_buffer"] = get_array_module(g).array(g)
            else:  # b_t = μ b_{t-1} + (1 − τ) g, in place: two passes over b, no temporaries
                b *= mu
                b += g if group["dampening"] == 0 else (1 - group["dampening"]) * g
            g = g + mu * b if group["nesterov"] else b  # Nesterov: g + μ b_t
        p.data -= lr * g  # θ ← θ − η g
