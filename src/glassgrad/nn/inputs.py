"""What glassgrad's layers and losses accept as input: one rule, applied in one place.

Input rule (every layer and loss of ``glassgrad.nn``; ``Module.__call__`` applies it to the
first argument, the loss functions to ``input`` and ``target``):

- a glassgrad ``Tensor`` is used as it is (see the dtype rule);
- NumPy arrays, nested lists/tuples of numbers and Python numbers are converted, as data
  without a dtype of its own: to the layer's parameter dtype (float32 unless the model was
  converted, e.g. ``model.double()``) for layers with floating parameters, otherwise as
  ``glassgrad.tensor`` does (floats to the default float dtype);
- anything else (strings, None, dicts, objects, ragged lists) raises ``TypeError`` naming the
  layer and the accepted types.

Dtype rule (every layer with floating parameters; PyTorch's): a Tensor input must have the
parameters' dtype. A float64 Tensor into a float32 layer, or an integer/bool Tensor into any
float layer, raises ``TypeError`` naming the layer, both dtypes and the fix (``x.float()`` /
``x.to(dtype)``, or ``model.double()``): a silent cast would hide a precision the user chose,
and a silent float64 result would hide a slow path. Only data without a dtype of its own
(arrays and lists, above) is converted. Embedding takes integer indices instead.

``Sequential`` converts by the rule of its first layer with parameters (an Embedding's: integer
ids); ``Identity`` passes anything through; a user's own Module subclass converts nothing (its
forward may take any object), unless it subclasses a glassgrad layer.
"""

from __future__ import annotations

import numpy as np

from ..convert import _as_array
from ..tensor import Tensor

ACCEPTED = "a glassgrad Tensor, a NumPy array, or a (nested) list of numbers"


def check_sizes(owner: str, **sizes) -> None:
    """Constructor sizes (in_features=..., hidden_size=...) must be positive ints: a clear
    error naming the layer and the argument, not Python's comparison error."""
    for name, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{owner}: {name} must be a positive int, got "
                            f"{type(value).__name__} {value!r}.")
        if value <= 0:
            raise ValueError(f"{owner}: {name} must be positive, got {value}.")


def check_probability(owner: str, name: str, p) -> None:
    """A probability argument (Dropout's p): a number in [0, 1]."""
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise TypeError(f"{owner}: {name} must be a number in [0, 1], got {type(p).__name__}.")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{owner}: {name} must be in [0, 1], got {p}.")


def param_dtype(layer):
    """The dtype of the layer's first floating parameter, or None (a layer without any)."""
    for p in layer._parameters.values():
        if p is not None and p.data.dtype.kind == "f":
            return p.data.dtype
    return None


def as_input(owner: str, x, dtype=None, what: str = "input") -> Tensor:
    """``x`` as a Tensor under the input rule; ``owner`` names the layer or loss in errors.

    Args:
        dtype: the dtype arrays and lists of numbers are converted to (None: glassgrad.tensor's
            default: floats to the default float dtype, integers stay integers).
    """
    if isinstance(x, Tensor):
        return x
    if x is None or isinstance(x, (str, bytes, dict, set)) or not (
            isinstance(x, (list, tuple, int, float, bool, np.ndarray, np.generic))
            or hasattr(x, "__array__") or hasattr(x, "__cuda_array_interface__")):
        raise TypeError(f"{owner}: the {what} must be {ACCEPTED}; got {type(x).__name__}.")
    try:
        arr = _as_array(x)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"it holds {arr.dtype}, not numbers.")
        if dtype is not None and arr.dtype != dtype:
            arr = _as_array(x, dtype)  # NOTE: from x, not arr: arr may have been rounded
    except (TypeError, ValueError) as err:
        raise TypeError(f"{owner}: cannot use this {type(x).__name__} as the {what}: {err} "
                        f"Give {ACCEPTED} (rectangular, numeric).") from None
    return Tensor._make(arr, None)


def layer_name(layer) -> str:
    """``Linear(in_features=4, ...)``: the layer on one line, without its children."""
    extra = layer.extra_repr() if hasattr(layer, "extra_repr") else ""
    return f"{type(layer).__name__}({extra})" if extra else type(layer).__name__


def layer_input(layer, x) -> Tensor:
    """A layer's first argument under the input rule (``Module.__call__``, non-Tensors only).

    A container (Sequential) converts by the rule of the first layer, in order, that has
    floating parameters or takes integer ids (Embedding): its inner layers are called
    directly. Parameter-free layers before it keep a Tensor's dtype, so that is the one."""
    dtype = None
    for m in layer.modules():
        if getattr(m, "_index_input", False):  # Embedding: integer ids, not its dtype
            break
        dtype = param_dtype(m)
        if dtype is not None:
            break
    return as_input(layer_name(layer), x, dtype)


def dtype_error(layer, x, dtype) -> TypeError:
    """The dtype rule's error: ``x`` (a Tensor) does not have the layer's dtype ``dtype``."""
    got, layer = x.data.dtype, layer_name(layer)
    name = {"float32": "x.float()", "float64": "x.double()"}.get(str(dtype), f"x.to({dtype})")
    if got.kind in "fc":
        model = {"float32": "model.float()", "float64": "model.double()"}.get(str(got))
        other = f", or convert the model to {got} ({model})" if model else ""
        return TypeError(f"{layer}: the input is a {got} tensor but the layer's parameters "
                         f"are {dtype}. Convert the input ({name}){other}; glassgrad does "
                         "not mix float dtypes silently.")
    return TypeError(f"{layer}: the input is a {got} tensor but the layer's parameters are "
                     f"{dtype}; an integer or bool tensor is not cast silently. Convert the "
                     f"input: {name}.")


def check_dtype(layer, x, weight) -> None:
    """Raise the dtype rule's error when Tensor ``x`` does not have ``weight``'s dtype."""
    if x.data.dtype is not weight.data.dtype and x.data.dtype != weight.data.dtype:
        raise dtype_error(layer, x, weight.data.dtype)
