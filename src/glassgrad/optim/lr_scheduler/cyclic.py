"""Cyclical schedules: CyclicLR (stepped once per BATCH) and CosineAnnealingWarmRestarts
(SGDR; per epoch, or per batch with a fractional ``step(epoch)``).

CyclicLR and OneCycleLR also cycle the momentum, inversely to the lr (``cycle_momentum``):
SGD's/RMSprop's ``momentum``, or β₁ of Adam's/AdamW's ``betas`` (helpers here).
"""

from __future__ import annotations

import math
from numbers import Real

from .base import LRScheduler, _callable_state, _check_optimizer, _per_group

__all__ = ["CyclicLR", "CosineAnnealingWarmRestarts"]


def _momentum_key(owner: str, optimizer) -> bool:
    """True when the optimizer's momentum is β₁ of ``betas``, False for ``momentum``."""
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ValueError(f"{owner}: cycle_momentum=True needs an optimizer with momentum (SGD, "
                         f"RMSprop) or betas (Adam, AdamW); {type(optimizer).__name__} has "
                         "neither. Pass cycle_momentum=False.")
    return "betas" in optimizer.defaults


def _set_momentum(group: dict, use_beta1: bool, value: float) -> None:
    if use_beta1:
        group["betas"] = (value, *group["betas"][1:])
    else:
        group["momentum"] = value


def _init_momentum(sched, owner, optimizer, base_momentum, max_momentum, last_epoch) -> None:
    """Store the momentum bounds on the scheduler and in each group; start at max_momentum."""
    sched.use_beta1 = _momentum_key(owner, optimizer)
    sched.base_momentums = _per_group(owner, "base_momentum", optimizer, base_momentum)
    sched.max_momentums = _per_group(owner, "max_momentum", optimizer, max_momentum)
    if last_epoch == -1:
        for hi, lo, group in zip(sched.max_momentums, sched.base_momentums,
                                 optimizer.param_groups):
            _set_momentum(group, sched.use_beta1, hi)
            group["max_momentum"], group["base_momentum"] = hi, lo


class CyclicLR(LRScheduler):
    """Cyclical learning rates (Smith 2017): the lr goes from ``base_lr`` up to ``max_lr`` in
    ``step_size_up`` steps and back down in ``step_size_down``, scaled per cycle::

        c = ⌊1 + t / S⌋ (the cycle, from 1),  x = 1 + t / S − c ∈ [0, 1),  S = up + down
        h = x / r if x ≤ r else (x − 1) / (r − 1)   (r = up / S; h rises 0 → 1 → 0)
        η_t = η_base + (η_max − η_base) · h · scale

    with scale = 1 (``triangular``), 1 / 2^(c−1) (``triangular2``), γ^t (``exp_range``) or
    ``scale_fn(c)`` / ``scale_fn(t)`` (``scale_mode`` "cycle" / "iterations"). With
    ``cycle_momentum`` the momentum goes the other way: m_t = m_max − (m_max − m_base) · h · scale.

    Args:
        optimizer: the Optimizer (its lrs are overwritten by base_lr).
        base_lr, max_lr: lower and upper lr, one number or one per group.
        step_size_up: steps of the rising half (default 2000).
        step_size_down: steps of the falling half (default: step_size_up).
        mode: "triangular", "triangular2" or "exp_range" (ignored with scale_fn).
        gamma: γ of exp_range (default 1.0).
        scale_fn: a custom scale, 0 ≤ scale_fn(x) ≤ 1 (then ``mode`` is ignored).
        scale_mode: what scale_fn is applied to: "cycle" (c) or "iterations" (t).
        cycle_momentum: cycle the momentum / β₁ (default True).
        base_momentum, max_momentum: its bounds (defaults 0.8, 0.9).
        last_epoch: index of the last BATCH (this schedule is stepped per batch).
    """

    def __init__(self, optimizer, base_lr, max_lr, step_size_up: int = 2000,
                 step_size_down: int | None = None, mode: str = "triangular",
                 gamma: float = 1.0, scale_fn=None, scale_mode: str = "cycle",
                 cycle_momentum: bool = True, base_momentum=0.8, max_momentum=0.9,
                 last_epoch: int = -1):
        _check_optimizer("CyclicLR", optimizer)
        self.optimizer = optimizer
        base_lrs = _per_group("CyclicLR", "base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                group["lr"] = lr
        self.max_lrs = _per_group("CyclicLR", "max_lr", optimizer, max_lr)
        down = step_size_up if step_size_down is None else step_size_down
        for name, value, low in (("step_size_up", step_size_up, 1), ("step_size_down", down, 0)):
            if isinstance(value, bool) or not isinstance(value, Real) or not value >= low:
                raise ValueError(f"CyclicLR: {name} must be a number of steps >= {low}, got "
                                 f"{value!r}.")
        self.total_size = float(step_size_up) + float(down)
        self.step_ratio = float(step_size_up) / self.total_size
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError(f"CyclicLR: mode must be 'triangular', 'triangular2' or "
                             f"'exp_range' (or give scale_fn), got {mode!r}.")
        if scale_fn is not None and scale_mode not in ("cycle", "iterations"):
            raise ValueError(f"CyclicLR: scale_mode must be 'cycle' or 'iterations', got "
                             f"{scale_mode!r}.")
        self.mode, self.gamma = mode, gamma
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode if scale_fn is not None else (
            "iterations" if mode == "exp_range" else "cycle")
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            _init_momentum(self, "CyclicLR", optimizer, base_momentum, max_momentum, last_epoch)
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def scale_fn(self, x) -> float:
        """The amplitude's scale at x (the cycle c, or the step t for exp_range)."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma ** x

    def get_lr(self):
        t = self.last_epoch
        cycle = math.floor(1 + t / self.total_size)
        x = 1.0 + t / self.total_size - cycle
        if x <= self.step_ratio:
            height = x / self.step_ratio
        else:
            height = (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else t)
        lrs = [lo + (hi - lo) * height * scale for lo, hi in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for group, lo, hi in zip(self.optimizer.param_groups, self.base_momentums,
                                     self.max_momentums):
                _set_momentum(group, self.use_beta1, hi - (hi - lo) * height * scale)
        return lrs

    def state_dict(self):
        out = super().state_dict()  # NOTE: deep-copies _scale_fn_custom first; replaced here
        out["_scale_fn_custom"] = _callable_state(self._scale_fn_custom)
        return out

    def load_state_dict(self, state_dict):
        state_dict = dict(state_dict)
        attrs = state_dict.pop("_scale_fn_custom", None)
        super().load_state_dict(state_dict)
        if attrs is not None and self._scale_fn_custom is not None:
            self._scale_fn_custom.__dict__.update(attrs)


class CosineAnnealingWarmRestarts(LRScheduler):
    """SGDR (Loshchilov & Hutter): cosine annealing restarted every T_i epochs,
    η_t = η_min + ½ (η₀ − η_min)(1 + cos(π T_cur / T_i)), T_cur = epochs since the last
    restart; T_0 = ``T_0``, T_{i+1} = T_mult · T_i.

    ``step()`` advances one epoch; ``step(epoch)`` jumps to ``epoch``, which may be fractional
    (call ``step(epoch + i / iters_per_epoch)`` after each batch for a per-batch cosine).

    Args:
        optimizer: the Optimizer.
        T_0: epochs until the first restart (int ≥ 1).
        T_mult: growth of the period after each restart (int ≥ 1, default 1).
        eta_min: the lowest lr (default 0).
        last_epoch: see ``LRScheduler``.
    """

    def __init__(self, optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0,
                 last_epoch: int = -1):
        if isinstance(T_0, bool) or not isinstance(T_0, int) or T_0 <= 0:
            raise ValueError(f"CosineAnnealingWarmRestarts: T_0 must be a positive int, got "
                             f"{T_0!r}.")
        if isinstance(T_mult, bool) or not isinstance(T_mult, int) or T_mult < 1:
            raise ValueError(f"CosineAnnealingWarmRestarts: T_mult must be an int >= 1, got "
                             f"{T_mult!r}.")
        if isinstance(eta_min, bool) or not isinstance(eta_min, Real):
            raise ValueError(f"CosineAnnealingWarmRestarts: eta_min must be a number, got "
                             f"{eta_min!r} ({type(eta_min).__name__}).")
        self.T_0, self.T_i, self.T_mult, self.eta_min = T_0, T_0, T_mult, eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        lo = self.eta_min
        return [lo + (base - lo) * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
                for base in self.base_lrs]

    def step(self, epoch=None) -> None:
        """One epoch on (``step()``), or to ``epoch`` (a float ≥ 0 is allowed)."""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i *= self.T_mult
        else:
            if not isinstance(epoch, Real) or not epoch >= 0:
                raise ValueError(f"CosineAnnealingWarmRestarts: step(epoch) needs an epoch >= 0, "
                                 f"got {epoch!r}.")
            if epoch >= self.T_0:
                if self.T_mult == 1:
                    self.T_cur = epoch % self.T_0
                else:  # the restart n with T_0 (T_mult^n − 1) / (T_mult − 1) ≤ epoch
                    n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                    self.T_cur = epoch - self.T_0 * (self.T_mult ** n - 1) / (self.T_mult - 1)
                    self.T_i = self.T_0 * self.T_mult ** n
            else:
                self.T_i, self.T_cur = self.T_0, epoch
        self.last_epoch = math.floor(epoch)
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]
