"""The ``LRScheduler`` base class and the helpers every schedule shares."""

from __future__ import annotations

import copy
import types
import warnings

from ..optimizer import Optimizer

__all__ = ["LRScheduler"]


def _group_lrs(optimizer) -> list:
    return [group["lr"] for group in optimizer.param_groups]


def _check_optimizer(owner: str, optimizer) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{owner}: expected an Optimizer (e.g. glassgrad.optim.SGD(...)), got "
                        f"{type(optimizer).__name__}.")


def _per_group(owner: str, name: str, optimizer, value) -> list:
    """One value per parameter group: a list/tuple of that length, or one value for all."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"{owner}: {name} has {len(value)} values but the optimizer has {n} "
                             f"parameter groups; give one {name} per group, or a single number.")
        return list(value)
    return [value] * n


def _callable_state(fn):
    """What ``state_dict`` keeps of a user function: a callable object's attributes; nothing
    of a plain function or lambda (it is code, as in PyTorch)."""
    return None if fn is None or isinstance(fn, types.FunctionType) else copy.deepcopy(
        fn.__dict__)


class LRScheduler:
    """Base class: subclasses write ``get_lr()``, the groups' learning rates at ``last_epoch``.

    Args:
        optimizer: the Optimizer whose learning rates to schedule.
        last_epoch: index of the last epoch done; -1 (default) starts fresh. When resuming
            with last_epoch >= 0, each group must already hold an ``"initial_lr"``.
    """

    def __init__(self, optimizer, last_epoch: int = -1):
        _check_optimizer(type(self).__name__, optimizer)
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
        self._initial_step()

    def _initial_step(self) -> None:
        """Step once in 'initial' mode: the groups get epoch 0's lrs (SequentialLR re-runs it)."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list:
        raise NotImplementedError(f"{type(self).__name__} must implement get_lr().")

    def get_last_lr(self) -> list:
        """The learning rates the last ``step()`` set, one per parameter group."""
        return self._last_lr

    def step(self, epoch=None) -> None:
        """Advance one epoch and write the new learning rates into the optimizer.

        ``step(epoch)`` (deprecated in PyTorch, kept for its scripts) jumps to ``epoch``, using
        the closed form where the schedule has one.
        """
        self._step_count += 1
        if epoch is not None:
            warnings.warn(f"{type(self).__name__}.step(epoch) is deprecated, as in PyTorch: call "
                          "step() once per epoch (it uses the closed form where there is one).",
                          UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch=None) -> None:
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed = getattr(self, "_get_closed_form_lr", None)
            values = closed() if closed is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = _group_lrs(self.optimizer)

    def state_dict(self) -> dict:
        """Everything but the optimizer (deep copies)."""
        return {k: copy.deepcopy(v) for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict) -> None:
        self.__dict__.update(copy.deepcopy(state_dict))
