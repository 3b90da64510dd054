"""``state_dict`` / ``load_state_dict``: a module's tensors by dotted name, and loading them
back all-or-nothing."""

from __future__ import annotations

from collections import OrderedDict, namedtuple

import numpy as np

from ..autograd import no_grad
from ..backend import get_array_module, to_device
from ..errors import GlassgradError

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class StateDictError(GlassgradError, KeyError):
    """``load_state_dict`` found missing, unexpected or mis-shaped keys (and applied nothing)."""

    def __str__(self):  # KeyError would quote the message; show it as written
        return str(self.args[0])


def state_dict(module, prefix: str = "", keep_vars: bool = False) -> OrderedDict:
    """Ordered ``dotted_name -> Tensor`` of parameters and persistent buffers (detached,
    sharing memory with the module unless ``keep_vars``)."""
    out = OrderedDict()
    for mod_prefix, mod in module.named_modules(prefix=prefix):
        for name, p in mod._parameters.items():
            if p is not None:
                out[f"{mod_prefix}.{name}" if mod_prefix else name] = (
                    p if keep_vars else p.detach())
        for name, b in mod._buffers.items():
            if b is not None and name not in mod._non_persistent:
                out[f"{mod_prefix}.{name}" if mod_prefix else name] = (
                    b if keep_vars else b.detach())
    return out


def load_state_dict(module, state, strict: bool = True) -> IncompatibleKeys:
    """Copy values from ``state_dict`` into this module's parameters and buffers.

    Everything is checked first: with ``strict`` any missing or unexpected key, and always
    any shape mismatch, raises ``StateDictError`` listing every offending key, and NOTHING
    is changed. Returns ``(missing_keys, unexpected_keys)``.
    """
    own = state_dict(module, keep_vars=True)
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    mismatched = []
    for key, target in own.items():
        if key in state:
            shape = tuple(np.shape(getattr(state[key], "data", state[key])))
            if shape != tuple(target.shape):
                mismatched.append(f"{key}: checkpoint {shape} vs model "
                                  f"{tuple(target.shape)}")
    problems = []
    if strict and missing:
        problems.append(f"missing keys: {missing}")
    if strict and unexpected:
        problems.append(f"unexpected keys: {unexpected}")
    if mismatched:
        problems.append("shape mismatch: " + "; ".join(mismatched))
    if problems:
        raise StateDictError(
            f"load_state_dict into {type(module).__name__} failed, nothing was loaded.\n  "
            + "\n  ".join(problems) + "\n  fix: load into the same architecture, or pass "
            "strict=False to skip missing/unexpected keys (shapes must still match).")
    with no_grad():
        for key, target in own.items():
            if key in state:
                value = getattr(state[key], "data", state[key])
                xp = get_array_module(target.data)
                value = to_device(value, target.device) if hasattr(value, "shape") else value
                target.data = xp.array(value, dtype=target.dtype, copy=True)
    return IncompatibleKeys(missing, unexpected)
