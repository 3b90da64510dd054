"""Learning-rate schedules (PyTorch's ``torch.optim.lr_scheduler`` names and semantics).

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
import types
from collections import Counter
from numbers import Real

from .optimizer import Optimizer

__all__ = ["LRScheduler", "LambdaLR", "StepLR", "MultiStepLR", "ExponentialLR",
           "InverseTimeLR", "CosineAnnealingLR", "ReduceLROnPlateau"]


def _group_lrs(optimizer) -> list:
    return [group["lr"] for group in optimizer.param_groups]


class LRScheduler:
    """Base class: subclasses write ``get_lr()``, the groups' learning rates at ``last_epoch``.

    Args:
        optimizer: the Optimizer whose learning rates to schedule.
        last_epoch: index of the last epoch done; -1 (default) starts fresh. When resuming
            with last_epoch >= 0, each group must already hold an ``"initial_lr"``.
    """

    def __init__(self, optimizer, last_epoch: int = -1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an Optimizer, got "
                            f"{type(optimizer).__name__}.")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"{type(self).__name__}: param_groups[{i}] has no 'initial_lr', needed "
                        "to resume with last_epoch >= 0. Load the optimizer's state_dict first "
                        "(or start with last_epoch=-1).")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._is_initial = True
        self.step()  # sets the lrs for epoch 0
        self._is_initial = False

    def get_lr(self) -> list:
        raise NotImplementedError(f"{type(self).__name__} must implement get_lr().")

    def get_last_lr(self) -> list:
        """The learning rates the last ``step()`` set, one per parameter group."""
        return self._last_lr

    def step(self) -> None:
        """Advance one epoch and write the new learning rates into the optimizer."""
        self._step_count += 1
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = _group_lrs(self.optimizer)

    def state_dict(self) -> dict:
        """Everything but the optimizer (deep copies)."""
        return {k: copy.deepcopy(v) for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict) -> None:
        self.__dict__.update(copy.deepcopy(state_dict))


class LambdaLR(LRScheduler):
    """η_t = η₀ · λ(t), with λ a function of the epoch (one per group, or one for all);
    e.g. a linear warmup over 5 epochs: ``lr_lambda=lambda t: min(1.0, (t + 1) / 5)``.

    Only callable objects' attributes are saved by ``state_dict`` (functions are code).
    """

    def __init__(self, optimizer, lr_lambda, last_epoch: int = -1):
        n = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n:
                raise ValueError(f"LambdaLR: expected {n} lr_lambdas (one per parameter group), "
                                 f"got {len(lr_lambda)}.")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * n
        if not all(callable(f) for f in self.lr_lambdas):
            raise TypeError("LambdaLR: lr_lambda must be a function of the epoch (or a list).")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base * f(self.last_epoch) for f, base in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self):
        out = {k: copy.deepcopy(v) for k, v in self.__dict__.items()
               if k not in ("optimizer", "lr_lambdas")}
        out["lr_lambdas"] = [None if isinstance(f, types.FunctionType)
                             else copy.deepcopy(f.__dict__) for f in self.lr_lambdas]
        return out

    def load_state_dict(self, state_dict):
        state_dict = dict(state_dict)
        saved = state_dict.pop("lr_lambdas")
        self.__dict__.update(copy.deepcopy(state_dict))
        for f, attrs in zip(self.lr_lambdas, saved):
            if attrs is not None:
                f.__dict__.update(copy.deepcopy(attrs))


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


class ReduceLROnPlateau(LRScheduler):
    """Divide the lr when a metric stops improving: ``step(metric)`` once per epoch.

    The metric "improves" when it beats the best so far by the threshold (``rel``: by a factor
    1 ∓ threshold; ``abs``: by threshold). After more than ``patience`` epochs without
    improvement, lr ← max(lr · factor, min_lr) (changes smaller than eps are skipped), then
    ``cooldown`` epochs pass before bad epochs count again.

    Args:
        optimizer: the Optimizer.
        mode: "min" (loss) or "max" (accuracy).
        factor: multiplier in [0, 1) (default 0.1).
        patience: bad epochs tolerated before reducing (default 10).
        threshold: significance of an improvement (default 1e-4).
        threshold_mode: "rel" or "abs".
        cooldown: epochs to wait after a reduction (default 0).
        min_lr: floor, one number or one per group (default 0).
        eps: minimal change of lr (default 1e-8).
    """

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4,
                 threshold_mode="rel", cooldown=0, min_lr=0.0, eps=1e-8):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"ReduceLROnPlateau: expected an Optimizer, got "
                            f"{type(optimizer).__name__}.")
        if not 0 <= factor < 1:
            raise ValueError(f"ReduceLROnPlateau: factor must be in [0, 1), got {factor!r}.")
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau: mode must be 'min' or 'max', got {mode!r}.")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError("ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs', got "
                             f"{threshold_mode!r}.")
        if patience < 0 or cooldown < 0:
            raise ValueError("ReduceLROnPlateau: patience and cooldown must be >= 0.")
        self.optimizer = optimizer
        n = len(optimizer.param_groups)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != n:
                raise ValueError(f"ReduceLROnPlateau: expected {n} min_lrs, got {len(min_lr)}.")
            self.default_min_lr, self.min_lrs = None, list(min_lr)
        else:
            self.default_min_lr, self.min_lrs = min_lr, [min_lr] * n
        self.mode, self.factor, self.patience = mode, factor, patience
        self.threshold, self.threshold_mode = threshold, threshold_mode
        self.cooldown, self.eps = cooldown, eps
        self.last_epoch = 0
        self._last_lr = _group_lrs(optimizer)
        self.best = math.inf if mode == "min" else -math.inf
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def step(self, metrics) -> None:  # NOTE: takes the metric, unlike the base step()
        current = float(metrics)
        self.last_epoch += 1
        if self._is_better(current, self.best):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs in cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = _group_lrs(self.optimizer)

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(f"ReduceLROnPlateau: the optimizer now has {len(groups)} "
                                   f"parameter groups but min_lr gave {len(self.min_lrs)}.")
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs):
            old = float(group["lr"])
            new = max(old * self.factor, min_lr)
            if old - new > self.eps:
                group["lr"] = new

    def _is_better(self, a: float, best: float) -> bool:
        if self.mode == "min":
            return a < (best * (1 - self.threshold) if self.threshold_mode == "rel"
                        else best - self.threshold)
        return a > (best * (1 + self.threshold) if self.threshold_mode == "rel"
                    else best + self.threshold)
