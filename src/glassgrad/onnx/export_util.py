"""Helpers the converters share: reshapes with a symbolic batch dim, reductions and axes whose
ONNX form changed between opsets."""

from __future__ import annotations

import numpy as np

from ._lib import ExportError


def reshape(b, call, x: str, out_shape) -> str:
    """``Reshape`` of ``x`` to ``out_shape`` (symbolic: None for the batch-dependent dim,
    written as -1; at most one such dim)."""
    if sum(d is None for d in out_shape) > 1:
        raise ExportError(f"{call.what}: a reshape to {out_shape} has more than one "
                          "batch-dependent dim, which ONNX's Reshape cannot infer. Pass "
                          "dynamic_batch=False to glassgrad.onnx.export.")
    target = [-1 if d is None else int(d) for d in out_shape]
    return b.node("Reshape", [x, b.ints(target)])


def reduce(b, op: str, x: str, axes, keepdims: bool) -> str:
    """``ReduceMean``/``ReduceSum``/``ReduceMax``/``ReduceProd`` over ``axes`` (None: all): axes
    are an input from opset 18 (13 for ReduceSum), an attribute before."""
    keep = int(bool(keepdims))
    if axes is None:
        return b.node(op, [x], keepdims=keep)
    axes = [int(a) for a in (axes if isinstance(axes, (tuple, list)) else (axes,))]
    if op == "ReduceSum" or b.opset >= 18:
        return b.node(op, [x, b.ints(axes)], keepdims=keep)
    return b.node(op, [x], axes=axes, keepdims=keep)


def unsqueeze(b, x: str, axes) -> str:
    return b.node("Unsqueeze", [x, b.ints(list(axes))])


def squeeze(b, x: str, axes) -> str:
    return b.node("Squeeze", [x, b.ints(list(axes))])


def operand(b, call, i: int, like=None) -> str:
    """The ONNX name of input ``i`` of ``call``: its value, or a new initializer for a constant
    (Python numbers and integer arrays next to a float tensor take the model's float dtype)."""
    name = call.inputs[i]
    if name is not None:
        return name
    value = call.arrays[i]
    arr = np.asarray(value)
    if like is not None and arr.dtype.kind in "iubf" and np.dtype(like).kind == "f":
        arr = arr.astype(like)
    elif isinstance(value, float):
        arr = arr.astype(b.dtype)
    return b.init(arr, f"{call.name}.const")


def float_dtype(call):
    """The float dtype among the inputs of ``call`` (its arrays), or None."""
    for a in call.arrays:
        dt = getattr(a, "dtype", None)
        if dt is not None and np.dtype(dt).kind == "f":
            return np.dtype(dt)
    return None
