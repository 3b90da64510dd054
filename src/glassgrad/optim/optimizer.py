"""The ``Optimizer`` base class: parameter groups, per-parameter state, ``step`` and checkpoints.

A concrete optimizer writes one method, ``_update(p, g, state, group)``, that applies its
textbook formula to one parameter: ``p`` is the parameter Tensor (its ``p.data`` array is updated
IN PLACE), ``g`` the gradient array (already negated when ``maximize=True``), ``state`` that
parameter's dict of running arrays, ``group`` its hyperparameters. The base class does the
looping, the skipping of frozen parameters and the bookkeeping, under ``no_grad``; an optimizer
with a cheaper form for a whole group may also override ``_step_group`` (plain SGD does).

Rule for every ``_update``: never write into ``g`` or ``p.grad`` (gradient arrays may be shared
between tensors); build new arrays from them instead. State arrays belong to the optimizer and
may be updated in place; they are shaped like their parameter.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from numbers import Real

import numpy as np

from .. import autograd
from ..backend import device_of, get_array_module, to_device
from ..tensor import Tensor

__all__ = ["Optimizer", "required"]


class _Required:
    """Marks a hyperparameter with no default that every parameter group must give."""

    def __repr__(self):
        return "<required parameter>"


required = _Required()


class Optimizer:
    """Base class of every optimizer (PyTorch's constructor and checkpoint format).

    Args:
        params: an iterable of Tensors (the parameters to optimize) or of dicts, each one
            parameter group: ``{"params": [...], "lr": 0.1, ...}``; keys a group omits take the
            value from ``defaults``.
        defaults: the optimizer's hyperparameters (lr, betas, ...) by name.

    Attributes:
        param_groups: list of dicts, each with ``"params"`` (list of Tensors) and hyperparameters.
        state: dict parameter Tensor -> dict of that parameter's running state (``"step"``,
            moment arrays, ...). Tensors hash by identity.
    """

    def __init__(self, params, defaults: dict):
        self.defaults = dict(defaults)
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict] = []
        if isinstance(params, Tensor):
            raise TypeError(
                f"{type(self).__name__}: params must be an iterable of Tensors or of dicts, got "
                "a single Tensor. Pass [tensor] or model.parameters().")
        if isinstance(params, dict):
            params = [params]
        _check_ordered(self, params)
        try:
            groups = list(params)
        except TypeError:
            raise TypeError(f"{type(self).__name__}: params must be an iterable of Tensors or of "
                            f"dicts (model.parameters()), got {type(params).__name__}.") from None
        if not groups:
            raise ValueError(f"{type(self).__name__} got an empty parameter list; pass the "
                             "tensors to optimize (model.parameters()).")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ------------------------------------------------------------ parameter groups
    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own hyperparameters (e.g. a smaller lr for a
        pretrained backbone). Missing hyperparameters come from ``defaults``."""
        if not isinstance(param_group, dict):
            raise TypeError(f"{type(self).__name__}: a parameter group must be a dict, got "
                            f"{type(param_group).__name__}.")
        group = dict(param_group)
        params = group.get("params")
        if params is None:
            raise ValueError(f"{type(self).__name__}: a parameter group needs a 'params' key.")
        _check_ordered(self, params)
        group["params"] = [params] if isinstance(params, Tensor) else list(params)
        for i, p in enumerate(group["params"]):
            _check_param(self, p, i, len(self.param_groups))
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"{type(self).__name__}: parameter group "
                                 f"{len(self.param_groups)} must give '{name}'.")
            group.setdefault(name, default)
        self._validate(group)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        new_ids = [id(p) for p in group["params"]]
        if len(set(new_ids)) != len(new_ids) or seen.intersection(new_ids):
            raise ValueError(
                f"{type(self).__name__}: some parameter appears more than once (within a group or "
                "in two groups). Each tensor may be optimized by one group only; its update "
                "would otherwise be applied twice.")
        self.param_groups.append(group)

    def _validate(self, group: dict) -> None:
        """Check one group's hyperparameters; subclasses extend it. Raises ValueError."""
        _check_nonneg(self, group, "lr", "learning rate")

    # ------------------------------------------------------------ the update loop
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: ``p.grad = None`` (default), or fresh zero arrays.

        NOTE: zeros are new arrays, never written into the old gradient (it may be shared).
        """
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    xp = get_array_module(p.grad.data)
                    p.grad = Tensor._make(xp.zeros_like(p.grad.data), None)

    def step(self, closure=None):
        """Apply one update to every parameter that has a gradient.

        Args:
            closure: optional function that re-evaluates the model and returns the loss (it runs
                with grad enabled, before the update).

        Returns:
            The closure's loss, or None.
        """
        loss = None
        if closure is not None:
            with autograd.enable_grad():
                loss = closure()
        # NOTE: grad mode off by hand, not ``with no_grad()``, and _scalar only where needed:
        # small models are overhead-bound, and this runs every step.
        grad_mode, autograd._state["grad"] = autograd._state["grad"], False
        try:
            for group in self.param_groups:
                self._step_group(group["params"], {
                    k: v if type(v) in _PLAIN else _scalar(v)
                    for k, v in group.items() if k != "params"})
        finally:
            autograd._state["grad"] = grad_mode
        return loss

    def _step_group(self, params: list, hyper: dict) -> None:
        """``_update`` every parameter of one group that has a gradient. An optimizer with a
        cheaper form for a whole group (plain SGD) overrides this."""
        update, state, maximize = self._update, self.state, hyper.get("maximize", False)
        for p in params:
            grad = p.grad
            if grad is None or not p.requires_grad:
                continue  # frozen or unused this step
            update(p, -grad.data if maximize else grad.data, state[p], hyper)

    def _update(self, p: Tensor, g, state: dict, group: dict) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement _update().")

    # ------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict:
        """A checkpoint: ``{"state": {index: {...}}, "param_groups": [{..., "params": [index]}]}``.

        Parameters are replaced by their position across all groups (as in PyTorch), so the
        checkpoint can be loaded into a new optimizer over new copies of the same parameters.
        State arrays are deep copies.
        """
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state = {index[id(p)]: _copy_state(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore a checkpoint from ``state_dict()``. Everything is checked before anything is
        changed: a mismatch raises ValueError and leaves this optimizer as it was."""
        name = type(self).__name__
        saved_groups = state_dict.get("param_groups")
        saved_state = state_dict.get("state")
        if not isinstance(saved_groups, list) or not isinstance(saved_state, dict):
            raise ValueError(f"{name}.load_state_dict: expected a dict with 'state' and "
                             "'param_groups' as returned by Optimizer.state_dict().")
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: the checkpoint has {len(saved_groups)} parameter "
                f"groups but this optimizer has {len(self.param_groups)}.")
        saved_sizes = [len(g["params"]) for g in saved_groups]
        sizes = [len(g["params"]) for g in self.param_groups]
        if saved_sizes != sizes:
            raise ValueError(
                f"{name}.load_state_dict: the checkpoint's groups hold {saved_sizes} parameters "
                f"but this optimizer's hold {sizes}; build the optimizer over the same "
                "parameters, in the same order, as the one that was saved.")
        by_index = {}
        new_groups = []
        for saved, group in zip(saved_groups, self.param_groups):
            new = {k: copy.deepcopy(v) for k, v in saved.items() if k != "params"}
            for k, v in self.defaults.items():
                new.setdefault(k, v)
            new["params"] = group["params"]
            self._validate(new)
            by_index.update(zip(saved["params"], group["params"]))
            new_groups.append(new)
        new_state = defaultdict(dict)
        for i, s in saved_state.items():
            if i not in by_index:
                raise ValueError(f"{name}.load_state_dict: the checkpoint has state for "
                                 f"parameter {i}, which is not in any of its groups.")
            p = by_index[i]
            new_state[p] = {k: _state_value(v, p, k, i, name) for k, v in s.items()}
        self.param_groups = new_groups
        self.state = new_state

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines) + "\n)"


# ---------------------------------------------------------------- helpers

def _check_param(opt, p, i: int, group_index: int) -> None:
    where = f"{type(opt).__name__}: parameter {i} of group {group_index}"
    if not isinstance(p, Tensor):
        hint = (" Pass model.parameters(), not named_parameters()." if isinstance(p, tuple)
                else "")
        raise TypeError(f"{where} is a {type(p).__name__}, not a Tensor. Optimizers take "
                        f"tensors created with requires_grad=True (or model.parameters()).{hint}")
    if not p.is_leaf:
        raise ValueError(f"{where} is not a leaf tensor (it was computed by "
                         f"{type(p.grad_fn).__name__}), so it cannot be optimized. Optimize the "
                         "tensors it was computed from, or use .detach().requires_grad_().")
    if p.dtype.kind != "f":
        raise TypeError(f"{where} has dtype {p.dtype}; only floating tensors can be optimized.")


def _check_ordered(opt, params) -> None:
    if isinstance(params, (set, frozenset)):
        raise TypeError(f"{type(opt).__name__}: parameters must be in an ordered collection "
                        "(list, tuple, generator), not a set: the order of a set changes "
                        "between runs, and checkpoints store parameters by position.")


def _check_nonneg(opt, group: dict, key: str, what: str) -> None:
    value = group[key]
    if not isinstance(value, Real) or not value >= 0:  # `not >=` also rejects NaN
        raise ValueError(f"{type(opt).__name__}: invalid {what} {key}={value!r}; it must be a "
                         "number >= 0.")


_PLAIN = {float, int, bool, str, type(None)}  # hyperparameter types kept as they are


def _scalar(v):
    """NumPy scalars and 0-d arrays -> Python numbers, so updates never upcast float32 arrays."""
    if type(v) in _PLAIN:  # the usual case, checked fast
        return v
    if isinstance(v, (np.generic, np.ndarray)) and np.ndim(v) == 0:
        return v.item()
    if isinstance(v, tuple):
        return tuple(_scalar(x) for x in v)
    return v


def _copy_state(value):
    if isinstance(value, dict):
        return {k: _copy_state(v) for k, v in value.items()}
    if hasattr(value, "shape") and hasattr(value, "copy"):
        return value.copy()
    return copy.deepcopy(value)


def _state_value(v, p: Tensor, key: str, index: int, name: str):
    """A loaded state entry: arrays are copied onto p's device, floats cast to p's dtype."""
    if not hasattr(v, "shape") or isinstance(v, np.generic):
        return copy.deepcopy(v)
    if tuple(v.shape) != tuple(p.shape):
        raise ValueError(f"{name}.load_state_dict: state '{key}' of parameter {index} has shape "
                         f"{tuple(v.shape)} but the parameter has shape {tuple(p.shape)}.")
    arr = to_device(v, p.device) if device_of(v) != p.device else v.copy()
    if arr.dtype.kind == "f" and arr.dtype != p.dtype:
        arr = arr.astype(p.dtype)
    return arr
