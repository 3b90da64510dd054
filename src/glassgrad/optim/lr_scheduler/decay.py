"""Decay schedules: LambdaLR, MultiplicativeLR, StepLR, MultiStepLR, ExponentialLR,
InverseTimeLR, CosineAnnealingLR, PolynomialLR (PyTorch's names and semantics).

A scheduler rewrites ``group["lr"]`` in its optimizer's parameter groups each time ``step()`` is
called (once per epoch, after ``optimizer.step()``). ``last_epoch`` counts those calls
(it is 0 right after construction); ``base_lrs`` are the groups' initial learning rates.

    opt = SGD(params, lr=0.1)
    sched = StepLR(opt, step_size=30, gamma=0.1)
    for epoch in range(100):
        train(...)           # calls opt.step()
        sched.step()
"""

from __future__ import annotations

import copy
import math
from bisect import bisect_right
from collections import Counter
from numbers import Real

from .base import LRScheduler, _callable_state, _check_optimizer, _group_lrs

__all__ = ["LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ExponentialLR",
           "InverseTimeLR", "CosineAnnealingLR", "PolynomialLR"]


class _LambdaScheduler(LRScheduler):
    """LambdaLR's and MultiplicativeLR's ``lr_lambda`` handling and checkpoints: only callable
    objects' attributes are saved by ``state_dict`` (plain functions are code)."""

    def __init__(self, optimizer, lr_lambda, last_epoch: int = -1):
        name = type(self).__name__
        _check_optimizer(name, optimizer)
        n = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n:
                raise ValueError(f"{name}: expected {n} lr_lambdas (one per parameter group), "
                                 f"got {len(lr_lambda)}; or pass one function for all groups.")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * n
        for f in self.lr_lambdas:
            if not callable(f):
                raise TypeError(f"{name}: lr_lambda must be a function of the epoch (or a list "
                                f"of them, one per group), got {type(f).__name__}.")
        super().__init__(optimizer, last_epoch)

    def state_dict(self):
        out = {k: copy.deepcopy(v) for k, v in self.__dict__.items()
               if k not in ("optimizer", "lr_lambdas")}
        out["lr_lambdas"] = [_callable_state(f) for f in self.lr_lambdas]
        return out

    def load_state_dict(self, state_dict):
        state_dict = dict(state_dict)
        saved = state_dict.pop("lr_lambdas")
        self.__dict__.update(copy.deepcopy(state_dict))
        for f, attrs in zip(self.lr_lambdas, saved):
            if attrs is not None:
                f.__dict__.update(copy.deepcopy(attrs))


class LambdaLR(_LambdaScheduler):
    """η_t = η₀ · λ(t), with λ a function of the epoch (one per group, or one for all);
    e.g. a linear warmup over 5 epochs: ``lr_lambda=lambda t: min(1.0, (t + 1) / 5)``."""

    def get_lr(self):
        return [base * f(self.last_epoch) for f, base in zip(self.lr_lambdas, self.base_lrs)]


class MultiplicativeLR(_LambdaScheduler):
    """η_t = η_{t-1} · λ(t) for t ≥ 1 (η₀ unchanged): multiply the current lr by λ(epoch)
    each step, so η_t = η₀ · λ(1) · λ(2) ⋯ λ(t); ``lambda t: 0.95`` is ExponentialLR(0.95)."""

    def get_lr(self):
        if self._is_initial:
            return _group_lrs(self.optimizer)
        return [g["lr"] * f(self.last_epoch)
                for f, g in zip(self.lr_lambdas, self.optimizer.param_groups)]


class StepLR(LRScheduler):
    """η_t = η₀ · γ^⌊t / step_size⌋: multiply the lr by γ every ``step_size`` epochs."""

    def __init__(self, optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1):
        if not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"StepLR: step_size must be a positive int, got {step_size!r}.")
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return _group_lrs(self.optimizer)
        return [lr * self.gamma for lr in _group_lrs(self.optimizer)]

    def _get_closed_form_lr(self):
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    """η_t = η₀ · γ^(number of milestones ≤ t): multiply by γ at each milestone epoch."""

    def __init__(self, optimizer, milestones, gamma: float = 0.1, last_epoch: int = -1):
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch not in self.milestones:
            return _group_lrs(self.optimizer)
        factor = self.gamma ** self.milestones[self.last_epoch]
        return [lr * factor for lr in _group_lrs(self.optimizer)]

    def _get_closed_form_lr(self):
        n = bisect_right(sorted(self.milestones.elements()), self.last_epoch)
        return [base * self.gamma ** n for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """η_t = η₀ · γ^t: multiply the lr by γ every epoch. The textbook η₀ · e^(−k t) is
    γ = e^(−k): ``ExponentialLR(opt, gamma=math.exp(-k))``."""

    def __init__(self, optimizer, gamma: float, last_epoch: int = -1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial:
            return _group_lrs(self.optimizer)
        return [lr * self.gamma for lr in _group_lrs(self.optimizer)]

    def _get_closed_form_lr(self):
        return [base * self.gamma ** self.last_epoch for base in self.base_lrs]


class InverseTimeLR(LRScheduler):
    """Inverse-time decay: η_t = η₀ / (1 + k · t / s)  (not in PyTorch; Keras' InverseTimeDecay).

    Args:
        optimizer: the Optimizer.
        decay_rate: k ≥ 0.
        decay_steps: s > 0, epochs per unit of t (default 1: the textbook η₀ / (1 + k t)).
        staircase: use ⌊t / s⌋, so the lr changes every s epochs only.
    """

    def __init__(self, optimizer, decay_rate: float, decay_steps: int = 1,
                 staircase: bool = False, last_epoch: int = -1):
        if not isinstance(decay_rate, Real) or not decay_rate >= 0:
            raise ValueError(f"InverseTimeLR: decay_rate must be >= 0, got {decay_rate!r}.")
        if not isinstance(decay_steps, Real) or not decay_steps > 0:
            raise ValueError(f"InverseTimeLR: decay_steps must be > 0, got {decay_steps!r}.")
        self.decay_rate, self.decay_steps, self.staircase = decay_rate, decay_steps, staircase
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        t = self.last_epoch / self.decay_steps
        if self.staircase:
            t = math.floor(t)
        return [base / (1 + self.decay_rate * t) for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """η_t = η_min + ½ (η₀ - η_min)(1 + cos(π t / T_max)), computed recursively as PyTorch does
    (so it composes with other changes to the lr), restarting upward after T_max."""

    def __init__(self, optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1):
        if not isinstance(T_max, int) or T_max < 1:
            raise ValueError(f"CosineAnnealingLR: T_max must be a positive int, got {T_max!r}.")
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        t, T, lo = self.last_epoch, self.T_max, self.eta_min
        groups = self.optimizer.param_groups
        if self._is_initial:
            return _group_lrs(self.optimizer)
        if self._step_count == 1 and t > 0:
            return [lo + (base - lo) * (1 + math.cos(t * math.pi / T)) / 2
                    for base in self.base_lrs]
        if (t - 1 - T) % (2 * T) == 0:
            return [g["lr"] + (base - lo) * (1 - math.cos(math.pi / T)) / 2
                    for base, g in zip(self.base_lrs, groups)]
        return [(1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
                * (g["lr"] - lo) + lo for g in groups]

    def _get_closed_form_lr(self):
        lo, t = self.eta_min, self.last_epoch
        return [lo + (base - lo) * (1 + math.cos(math.pi * t / self.T_max)) / 2
                for base in self.base_lrs]


class PolynomialLR(LRScheduler):
    """η_t = η₀ · (1 − min(t, T) / T)^p: decay to 0 over T = ``total_iters`` epochs, then
    stay (p = ``power``; p = 1 is a linear decay). Computed recursively, as PyTorch does:
    η_t = η_{t-1} · ((1 − t/T) / (1 − (t−1)/T))^p, so it composes with other schedules.

    Args:
        optimizer: the Optimizer.
        total_iters: T, the number of steps the lr decays for (default 5).
        power: p (default 1.0).
        last_epoch: see ``LRScheduler``.
    """

    def __init__(self, optimizer, total_iters: int = 5, power: float = 1.0,
                 last_epoch: int = -1):
        _check_iters("PolynomialLR", total_iters)
        self.total_iters, self.power = total_iters, power
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        t, T = self.last_epoch, self.total_iters
        if self._is_initial or t > T:
            return _group_lrs(self.optimizer)
        factor = ((1.0 - t / T) / (1.0 - (t - 1) / T)) ** self.power
        return [lr * factor for lr in _group_lrs(self.optimizer)]

    def _get_closed_form_lr(self):
        T = self.total_iters
        return [base * (1.0 - min(T, self.last_epoch) / T) ** self.power
                for base in self.base_lrs]


def _check_iters(owner: str, total_iters) -> None:
    if isinstance(total_iters, bool) or not isinstance(total_iters, Real) or \
            not total_iters >= 0:
        raise ValueError(f"{owner}: total_iters must be a number of steps >= 0, got "
                         f"{total_iters!r}.")
