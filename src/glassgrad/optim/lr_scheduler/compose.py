"""Warmups and compositions: LinearLR, ConstantLR, SequentialLR, ChainedScheduler.

A typical warmup then decay (PyTorch's recipe)::

    warmup = LinearLR(opt, start_factor=0.1, total_iters=5)
    decay = CosineAnnealingLR(opt, T_max=95)
    sched = SequentialLR(opt, schedulers=[warmup, decay], milestones=[5])
"""

from __future__ import annotations

import copy
from bisect import bisect_right
from numbers import Real

from .base import LRScheduler, _check_optimizer, _group_lrs
from .decay import _check_iters
from .plateau import ReduceLROnPlateau

__all__ = ["LinearLR", "ConstantLR", "SequentialLR", "ChainedScheduler"]


def _check_factor(owner: str, name: str, value, low_open: bool = False) -> None:
    ok = isinstance(value, Real) and not isinstance(value, bool) and (
        0 < value <= 1 if low_open else 0 <= value <= 1)
    if not ok:
        interval = "(0, 1]" if low_open else "[0, 1]"
        raise ValueError(f"{owner}: {name} must be in {interval} (it multiplies the lr), got "
                         f"{value!r}. For a factor above 1, raise the optimizer's lr instead.")


class LinearLR(LRScheduler):
    """η_t = η₀ · (s + (e − s) · min(t, T) / T): the factor goes linearly from s =
    ``start_factor`` to e = ``end_factor`` over T = ``total_iters`` epochs, then stays. The usual
    linear warmup is s = 0.1, e = 1. Computed recursively, as PyTorch does
    (η_t = η_{t-1} · (1 + (e − s) / (T s + (t − 1)(e − s)))), so it composes with other schedules.

    Args:
        optimizer: the Optimizer.
        start_factor: s in (0, 1] (default 1/3).
        end_factor: e in [0, 1] (default 1.0).
        total_iters: T, steps to go from s to e (default 5).
        last_epoch: see ``LRScheduler``.
    """

    def __init__(self, optimizer, start_factor: float = 1.0 / 3, end_factor: float = 1.0,
                 total_iters: int = 5, last_epoch: int = -1):
        _check_factor("LinearLR", "start_factor", start_factor, low_open=True)
        _check_factor("LinearLR", "end_factor", end_factor)
        _check_iters("LinearLR", total_iters)
        self.start_factor, self.end_factor = start_factor, end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        t, s, e, T = self.last_epoch, self.start_factor, self.end_factor, self.total_iters
        if t == 0:
            return [lr * s for lr in _group_lrs(self.optimizer)]
        if self._is_initial or t > T:
            return _group_lrs(self.optimizer)
        factor = 1.0 + (e - s) / (T * s + (t - 1) * (e - s))
        return [lr * factor for lr in _group_lrs(self.optimizer)]

    def _get_closed_form_lr(self):
        s, e, T = self.start_factor, self.end_factor, self.total_iters
        return [base * (s + (e - s) * min(T, self.last_epoch) / T) for base in self.base_lrs]


class ConstantLR(LRScheduler):
    """η_t = η₀ · f for t < T, then η₀: a constant warmup (f = ``factor``, T = ``total_iters``).
    Recursive, as in PyTorch: multiply by f at epoch 0 and by 1/f at epoch T.

    Args:
        optimizer: the Optimizer.
        factor: f in [0, 1] (default 1/3); f = 0 freezes training for T epochs.
        total_iters: T (default 5).
        last_epoch: see ``LRScheduler``.
    """

    def __init__(self, optimizer, factor: float = 1.0 / 3, total_iters: int = 5,
                 last_epoch: int = -1):
        _check_factor("ConstantLR", "factor", factor)
        _check_iters("ConstantLR", total_iters)
        self.factor, self.total_iters = factor, total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0:
            return [lr * self.factor for lr in _group_lrs(self.optimizer)]
        if self.last_epoch != self.total_iters:
            return _group_lrs(self.optimizer)
        if self.factor == 0:  # NOTE: PyTorch divides by zero here
            raise ValueError("ConstantLR: factor=0 cannot be undone at epoch total_iters="
                             f"{self.total_iters} (lr / 0). Use a small factor such as 1e-8, or "
                             "LambdaLR(opt, lambda t: 0.0 if t < T else 1.0).")
        return [lr * (1.0 / self.factor) for lr in _group_lrs(self.optimizer)]

    def _get_closed_form_lr(self):
        f = self.factor + (self.last_epoch >= self.total_iters) * (1 - self.factor)
        return [base * f for base in self.base_lrs]


def _check_schedulers(owner: str, optimizer, schedulers) -> list:
    schedulers = list(schedulers)
    if not schedulers:
        raise ValueError(f"{owner}: expected at least one scheduler, got none.")
    for i, s in enumerate(schedulers):
        if not hasattr(s, "optimizer"):
            raise TypeError(f"{owner}: schedulers[{i}] is a {type(s).__name__}, not a scheduler "
                            "(it has no .optimizer).")
        if isinstance(s, ReduceLROnPlateau):
            raise ValueError(f"{owner}: schedulers[{i}] is a ReduceLROnPlateau, whose step() "
                             "needs the metric; step it yourself, next to this one.")
        if s.optimizer is not optimizer:
            raise ValueError(f"{owner}: schedulers[{i}] ({type(s).__name__}) belongs to another "
                             "optimizer; build every scheduler on the same optimizer.")
    return schedulers


class _Composite(LRScheduler):
    """state_dict / load_state_dict of a scheduler made of schedulers: theirs, nested."""

    def state_dict(self):
        out = {k: copy.deepcopy(v) for k, v in self.__dict__.items()
               if k not in ("optimizer", "_schedulers")}
        out["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return out

    def load_state_dict(self, state_dict):
        state_dict = dict(state_dict)
        saved = state_dict.pop("_schedulers")
        if len(saved) != len(self._schedulers):
            raise ValueError(f"{type(self).__name__}.load_state_dict: the checkpoint has "
                             f"{len(saved)} schedulers, this one {len(self._schedulers)}.")
        self.__dict__.update(copy.deepcopy(state_dict))
        for s, sd in zip(self._schedulers, saved):
            s.load_state_dict(sd)


class SequentialLR(_Composite):
    """One scheduler after another: schedulers[i] runs from milestones[i-1] on, restarting
    from its epoch 0 there (η_t = schedule_i(t − m_{i−1}) with the groups' initial lrs).

    Args:
        optimizer: the Optimizer all the schedulers were built on.
        schedulers: list of n ≥ 1 schedulers (not ReduceLROnPlateau).
        milestones: n − 1 epochs at which to switch to the next scheduler.
        last_epoch: see ``LRScheduler``.
    """

    def __init__(self, optimizer, schedulers, milestones, last_epoch: int = -1):
        _check_optimizer("SequentialLR", optimizer)
        schedulers = _check_schedulers("SequentialLR", optimizer, schedulers)
        milestones = list(milestones)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"SequentialLR: expected {len(schedulers) - 1} milestones (one "
                             f"fewer than the {len(schedulers)} schedulers), got "
                             f"{len(milestones)}: {milestones}.")
        self._schedulers, self._milestones = schedulers, milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:  # back to the initial lrs ...
            group["lr"] = group["initial_lr"]
        self._recursive_undo()  # ... and undo the first step every scheduler took when built
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def _recursive_undo(self, sched=None) -> None:
        sched = self if sched is None else sched
        if hasattr(sched, "_schedulers"):
            for s in sched._schedulers:
                self._recursive_undo(s)
        elif hasattr(sched, "last_epoch"):
            sched.last_epoch -= 1

    def step(self) -> None:
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)  # restart it at its epoch 0 (closed form where it has one)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()


class ChainedScheduler(_Composite):
    """Several schedulers at once: each ``step()`` steps them all in order, so their factors
    multiply (e.g. ConstantLR warmup × ExponentialLR decay: η_t = η₀ · f_t · γ^t).

    Args:
        schedulers: the schedulers (not ReduceLROnPlateau), all on one optimizer.
        optimizer: that optimizer (default: the first scheduler's).
    """

    def __init__(self, schedulers, optimizer=None):
        schedulers = list(schedulers)
        if not schedulers:
            raise ValueError("ChainedScheduler: expected at least one scheduler, got none.")
        optimizer = getattr(schedulers[0], "optimizer", None) if optimizer is None else optimizer
        _check_optimizer("ChainedScheduler", optimizer)
        self._schedulers = _check_schedulers("ChainedScheduler", optimizer, schedulers)
        self.optimizer = optimizer
        self._last_lr = _group_lrs(optimizer)

    def step(self) -> None:
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = _group_lrs(self.optimizer)
