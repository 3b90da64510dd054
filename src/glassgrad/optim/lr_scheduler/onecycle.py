"""OneCycleLR: the 1cycle policy, stepped once per BATCH (fastai's two phases, or the
paper's three), with the momentum / β₁ cycled the other way."""

from __future__ import annotations

import math
from numbers import Real

from .base import LRScheduler, _check_optimizer, _per_group
from .cyclic import _init_momentum, _set_momentum

__all__ = ["OneCycleLR"]


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin 2018), stepped once per batch for ``total_steps``:
    the lr anneals from η_init = max_lr / div_factor up to max_lr over the first
    ``pct_start`` of the steps, then down to η_min = η_init / final_div_factor. Each phase
    anneals from a to b as p goes 0 → 1 (p = the fraction of the phase done):
    ``cos``: b + (a − b)(1 + cos(π p)) / 2;  ``linear``: a + (b − a) p.
    ``three_phase``: up, back down to η_init symmetrically, then down to η_min. The momentum
    (``cycle_momentum``) moves the other way, between max_momentum and base_momentum.

    Args:
        optimizer: the Optimizer.
        max_lr: the peak lr, one number or one per group.
        total_steps: steps in the cycle; or give ``epochs`` and ``steps_per_epoch``.
        epochs, steps_per_epoch: total_steps = epochs × steps_per_epoch.
        pct_start: fraction of the steps spent increasing the lr (default 0.3).
        anneal_strategy: "cos" (default) or "linear".
        cycle_momentum: cycle the momentum / β₁ (default True).
        base_momentum, max_momentum: its bounds (defaults 0.85, 0.95).
        div_factor: η_init = max_lr / div_factor (default 25).
        final_div_factor: η_min = η_init / final_div_factor (default 1e4).
        three_phase: the paper's three phases instead of fastai's two (default False).
        last_epoch: index of the last BATCH (to resume).

    Raises:
        ValueError: from ``step()`` past ``total_steps`` (the schedule is over).
    """

    def __init__(self, optimizer, max_lr, total_steps: int | None = None,
                 epochs: int | None = None, steps_per_epoch: int | None = None,
                 pct_start: float = 0.3, anneal_strategy: str = "cos",
                 cycle_momentum: bool = True, base_momentum=0.85, max_momentum=0.95,
                 div_factor: float = 25.0, final_div_factor: float = 1e4,
                 three_phase: bool = False, last_epoch: int = -1):
        _check_optimizer("OneCycleLR", optimizer)
        self.optimizer = optimizer
        self.total_steps = _total_steps(total_steps, epochs, steps_per_epoch)
        if isinstance(pct_start, bool) or not isinstance(pct_start, Real) or \
                not 0 <= pct_start <= 1:
            raise ValueError(f"OneCycleLR: pct_start must be a fraction in [0, 1], got "
                             f"{pct_start!r}.")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"OneCycleLR: anneal_strategy must be 'cos' or 'linear', got "
                             f"{anneal_strategy!r}.")
        self.anneal_strategy = anneal_strategy
        up, n = float(pct_start * self.total_steps) - 1, self.total_steps - 1
        # (end step, start lr, end lr, start momentum, end momentum) per phase
        self._schedule_phases = [
            (up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
            (float(2 * pct_start * self.total_steps) - 2, "max_lr", "initial_lr",
             "base_momentum", "max_momentum"),
            (n, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
        ] if three_phase else [
            (up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
            (n, "max_lr", "min_lr", "base_momentum", "max_momentum"),
        ]
        max_lrs = _per_group("OneCycleLR", "max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for group, hi in zip(optimizer.param_groups, max_lrs):
                group["initial_lr"] = hi / div_factor
                group["max_lr"] = hi
                group["min_lr"] = group["initial_lr"] / final_div_factor
        elif any("max_lr" not in g for g in optimizer.param_groups):
            raise KeyError("OneCycleLR: the parameter groups have no 'max_lr', needed to resume "
                           "with last_epoch >= 0. Load the optimizer's state_dict first.")
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            _init_momentum(self, "OneCycleLR", optimizer, base_momentum, max_momentum,
                           last_epoch)
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start, end, pct):
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self):
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(
                f"OneCycleLR: tried to step {step} times, but total_steps is {self.total_steps} "
                "(the cycle is over). Count every batch in total_steps (or epochs × "
                "steps_per_epoch = the batches per epoch), and call step() once per batch.")
        lrs = []
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, (end, lr_a, lr_b, m_a, m_b) in enumerate(self._schedule_phases):
                if step <= end or i == len(self._schedule_phases) - 1:
                    pct = (step - start) / (end - start)
                    lrs.append(self._anneal(group[lr_a], group[lr_b], pct))
                    if self.cycle_momentum:
                        _set_momentum(group, self.use_beta1,
                                      self._anneal(group[m_a], group[m_b], pct))
                    break
                start = end
        return lrs


def _total_steps(total_steps, epochs, steps_per_epoch) -> int:
    def positive_int(name, value):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"OneCycleLR: {name} must be a positive int, got {value!r}.")
        return value

    if total_steps is not None:
        return positive_int("total_steps", total_steps)
    if epochs is not None and steps_per_epoch is not None:
        return positive_int("epochs", epochs) * positive_int("steps_per_epoch", steps_per_epoch)
    raise ValueError("OneCycleLR: give total_steps, or both epochs and steps_per_epoch (got "
                     f"epochs={epochs!r}, steps_per_epoch={steps_per_epoch!r}); e.g. "
                     "OneCycleLR(opt, max_lr=0.1, epochs=10, steps_per_epoch=len(loader)).")
