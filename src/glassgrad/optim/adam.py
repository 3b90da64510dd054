"""Adam and AdamW: momentum plus a per-coordinate RMS scale, with bias correction."""

from __future__ import annotations

from numbers import Real

from ..backend import get_array_module
from .optimizer import Optimizer, _check_nonneg

__all__ = ["Adam", "AdamW", "adam_step", "adam_step_fused"]


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015), PyTorch's ``torch.optim.Adam`` semantics.

    For each parameter θ with gradient g, at step t = 1, 2, ...::

        g ← g + λ θ                            if weight_decay λ ≠ 0 (L2; not decoupled)
        θ ← θ (1 - η λ)                        if decoupled_weight_decay (this is AdamW)
        m_t = β₁ m_{t-1} + (1 - β₁) g          (first moment, m_0 = 0)
        v_t = β₂ v_{t-1} + (1 - β₂) g ⊙ g      (second moment, v_0 = 0)
        m̂_t = m_t / (1 - β₁ᵗ),   v̂_t = v_t / (1 - β₂ᵗ)       (bias correction)
        amsgrad:  v̂_t = max(v̂_max, v_t) / (1 - β₂ᵗ)         (running max of v_t)
        θ ← θ - η m̂_t / (√v̂_t + ε)

    Args:
        params: iterable of Tensors or of parameter-group dicts.
        lr: η (default 1e-3).
        betas: (β₁, β₂), decay rates of the two moments (default (0.9, 0.999)).
        eps: ε (default 1e-8).
        weight_decay: λ (default 0).
        amsgrad: use the running maximum of v_t (Reddi et al., 2018).
        maximize: ascend instead of descend.
        decoupled_weight_decay: shrink θ directly instead of adding λθ to g (AdamW).
        fused: ``False`` runs the reference update (``adam_step``, the formula as written);
            ``True`` the in-place kernel ``adam_step_fused`` (equal to rounding); ``None``
            (default) picks the kernel, measured faster (bench/RESULTS.md §13).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 amsgrad=False, *, maximize=False, decoupled_weight_decay=False, fused=None):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize,
                        decoupled_weight_decay=decoupled_weight_decay, fused=fused)
        super().__init__(params, defaults)

    def _validate(self, group):
        super()._validate(group)
        _check_nonneg(self, group, "eps", "epsilon")
        _check_nonneg(self, group, "weight_decay", "weight decay")
        betas = group["betas"]
        if (not isinstance(betas, (tuple, list)) or len(betas) != 2
                or not all(isinstance(b, Real) and 0 <= b < 1 for b in betas)):
            raise ValueError(f"{type(self).__name__}: invalid betas={betas!r}; expected a pair "
                             "(β₁, β₂) with 0 <= β < 1, e.g. (0.9, 0.999).")
        group["betas"] = tuple(betas)
        if group.get("fused") not in (None, True, False):
            raise ValueError(f"{type(self).__name__}: fused must be None, True or False, got "
                             f"{group['fused']!r}.")

    def _update(self, p, g, state, group):
        xp = get_array_module(p.data)
        lr, wd = group["lr"], group["weight_decay"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = xp.zeros_like(p.data)
            state["exp_avg_sq"] = xp.zeros_like(p.data)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = xp.zeros_like(p.data)
        state["step"] += 1
        if wd != 0:
            if group["decoupled_weight_decay"]:
                p.data *= 1 - lr * wd
            else:
                g = g + wd * p.data
        fused = group.get("fused")
        (adam_step if fused is False else adam_step_fused)(p.data, g, state, group)


def adam_step(p, g, state, group):
    """The reference Adam update of array ``p`` (in place) by gradient ``g``, as the paper
    writes it; ``state`` holds m, v (and the running max of v for amsgrad) and the step t."""
    beta1, beta2 = group["betas"]
    lr, eps, t = group["lr"], group["eps"], state["step"]
    m, v = state["exp_avg"], state["exp_avg_sq"]
    m[...] = beta1 * m + (1 - beta1) * g                 # m_t = β₁ m_{t-1} + (1 − β₁) g
    v[...] = beta2 * v + (1 - beta2) * g * g             # v_t = β₂ v_{t-1} + (1 − β₂) g²
    if group["amsgrad"]:
        v_max = state.setdefault("max_exp_avg_sq", get_array_module(p).zeros_like(p))
        v_max[...] = get_array_module(p).maximum(v_max, v)  # v̂ uses max(v_1, ..., v_t)
        v = v_max
    m_hat = m / (1 - beta1 ** t)                         # bias corrections
    v_hat = v / (1 - beta2 ** t)
    p -= lr * m_hat / (get_array_module(p).sqrt(v_hat) + eps)  # θ ← θ − η m̂ / (√v̂ + ε)


def adam_step_fused(p, g, state, group):
    """``adam_step`` rewritten in place with one scratch array: the same update, equal to
    rounding (the bias corrections are folded into two scalars).

    Why: Adam is memory-bound, and each temporary of a (256, 784) weight is another pass
    over memory; the default (``Adam(fused=None)``) by the W2 measurement in bench/RESULTS.md §13.
    """
    xp = get_array_module(p)
    beta1, beta2 = group["betas"]
    lr, eps, t = group["lr"], group["eps"], state["step"]
    m, v = state["exp_avg"], state["exp_avg_sq"]
    m *= beta1
    m += (1 - beta1) * g
    v *= beta2
    tmp = xp.multiply(g, g, out=xp.empty_like(v))  # NOTE: out=: 0-d math gives scalars
    tmp *= 1 - beta2
    v += tmp
    if group["amsgrad"]:
        v_max = state.setdefault("max_exp_avg_sq", xp.zeros_like(p))
        xp.maximum(v_max, v, out=v_max)
        v = v_max
    denom = xp.sqrt(v, out=tmp)
    denom *= 1 / (1 - beta2 ** t) ** 0.5
    denom += eps
    step = xp.divide(m, denom, out=denom)
    step *= lr / (1 - beta1 ** t)
    p -= step


class AdamW(Adam):
    r"""AdamW (Loshchilov & Hutter, 2019): Adam with decoupled weight decay.

    Instead of adding λθ to the gradient (which Adam then rescales per coordinate), the
    parameter is shrunk directly before the Adam step::

        θ ← θ (1 - η λ)
        θ ← θ - η m̂_t / (√v̂_t + ε)          (the Adam step, with g not decayed)

    Args: as ``Adam``, with weight_decay defaulting to 1e-2.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, fused=None):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize, decoupled_weight_decay=True,
                         fused=fused)
