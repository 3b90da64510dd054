"""Loss functions (functional form). ``reduction`` is "mean", "sum" or "none" throughout."""

from __future__ import annotations

import math

import numpy as np

from ..backend import get_array_module, to_numpy
from ..errors import ShapeError
from ..ops import loss as L
from ..tensor import Tensor, _operand
from .inputs import as_input


def _reduce(loss, reduction: str, name: str):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise _bad_reduction(reduction, name)


def _scale(reduction: str, n: int, name: str):
    """The ``scale`` argument of a loss op: None ("none"), 1/n ("mean"; NaN for n = 0, as
    PyTorch's mean of nothing) or 1 ("sum")."""
    if reduction == "mean":
        return 1.0 / n if n else float("nan")
    if reduction == "sum":
        return 1.0
    if reduction == "none":
        return None
    raise _bad_reduction(reduction, name)


def _bad_reduction(reduction, name: str) -> ValueError:
    return ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}.")


def _input(input, name: str):
    """A loss's ``input`` as a Tensor: arrays and lists converted, junk refused (nn/inputs)."""
    return input if isinstance(input, Tensor) else as_input(name, input)


def _target(target, input, name: str):
    """Target as a Tensor or array of input's dtype, with exactly input's shape."""
    if isinstance(target, (int, float)) and not isinstance(target, bool):
        target = get_array_module(input.data).full(input.shape, target, dtype=input.dtype)
    elif not isinstance(target, Tensor):
        target = as_input(name, target, input.dtype if input.dtype.kind == "f" else None,
                          "target").data
    if tuple(target.shape) != tuple(input.shape):
        raise ShapeError(
            f"{name}: input shape {tuple(input.shape)} and target shape {tuple(target.shape)} "
            "differ. Broadcasting them would silently compute the wrong loss; reshape one "
            "(e.g. target.reshape(-1, 1) or output.squeeze(1)).")
    return target


def mse_loss(input, target, reduction: str = "mean"):
    """Mean squared error (t − a)², averaged over every element by default."""
    input = _input(input, "mse_loss")
    d = input - _target(target, input, "mse_loss")
    return _reduce(d * d, reduction, "mse_loss")


def sse_loss(input, target, reduction: str = "sum"):
    """The textbooks' halved sum of squared errors E = ½ Σ (t − a)² (its derivative is a − t).

    ``reduction="mean"`` averages ½(t − a)² over elements; "none" keeps them.
    """
    input = _input(input, "sse_loss")
    d = input - _target(target, input, "sse_loss")
    return _reduce(d * d * 0.5, reduction, "sse_loss")


def l1_loss(input, target, reduction: str = "mean"):
    """Mean absolute error |t − a|."""
    input = _input(input, "l1_loss")
    return _reduce(abs(input - _target(target, input, "l1_loss")), reduction, "l1_loss")


def binary_cross_entropy(input, target, weight=None, reduction: str = "mean"):
    """−[t·log p + (1−t)·log(1−p)] for probabilities p in [0, 1] (logs clamped at −100).

    Prefer ``binary_cross_entropy_with_logits`` on raw scores: it is stable for any logit.
    """
    input = _input(input, "binary_cross_entropy")
    target = _target(target, input, "binary_cross_entropy")
    _check_probabilities(target, "binary_cross_entropy")
    scale = _scale(reduction, input.data.size, "binary_cross_entropy")
    if weight is None:
        out = L.BinaryCrossEntropy.apply(input, target, scale=scale)
    else:
        out = _reduce(L.BinaryCrossEntropy.apply(input, target) * weight, reduction,
                      "binary_cross_entropy")
    # NOTE: checked after the fact: any p outside [0, 1], or NaN, makes its logs NaN, so a
    # finite mean or sum proves the input valid without two more passes over it (the hot path).
    if reduction == "none" or not math.isfinite(out.data):
        data = input.data
        # NaN fails both comparisons, so two reductions check range and finiteness at once.
        if data.size and not (data.min() >= 0 and data.max() <= 1):
            raise ValueError(
                f"binary_cross_entropy: input must hold probabilities in [0, 1], got values in "
                f"[{float(data.min())}, {float(data.max())}]. Apply sigmoid first, or use "
                "binary_cross_entropy_with_logits on the raw scores.")
    return out


def _check_probabilities(target, name: str) -> None:
    """PyTorch's BCELoss rule: every target in [0, 1] (NaN refused too). Outside it the loss and
    its gradient are finite but meaningless (t = 2 rewards a wrong prediction)."""
    t = target.data if isinstance(target, Tensor) else target
    if not t.size:
        return
    # NOTE: the ufuncs' reduce, not t.min(): less Python per call on the small-batch hot path
    lo, hi = (np.minimum.reduce(t, None), np.maximum.reduce(t, None)) if type(
        t) is np.ndarray else (t.min(), t.max())
    if not (lo >= 0 and hi <= 1):  # NOTE: NaN fails both comparisons
        raise ValueError(
            f"{name}: all elements of target should be between 0 and 1 (probabilities: 0/1 "
            f"labels or soft labels), got values in [{float(lo)}, {float(hi)}]. For class "
            "indices use cross_entropy; rescale other targets to [0, 1].")


def binary_cross_entropy_with_logits(input, target, weight=None, reduction: str = "mean",
                                     pos_weight=None):
    """Sigmoid + binary cross-entropy in one stable op, for raw scores (logits) of any size.

    ``pos_weight`` (broadcast over the last dim, e.g. shape (classes,)) scales the positive
    term: > 1 raises recall on rare positives.
    """
    input = _input(input, "binary_cross_entropy_with_logits")
    target = _target(target, input, "binary_cross_entropy_with_logits")
    scale = _scale(reduction, input.data.size, "binary_cross_entropy_with_logits")
    args = (input, target) if pos_weight is None else (input, target, _operand(pos_weight, input))
    if weight is None:
        return L.BCEWithLogits.apply(*args, scale=scale)
    return _reduce(L.BCEWithLogits.apply(*args) * weight, reduction,
                   "binary_cross_entropy_with_logits")


def _class_targets(input, target, ignore_index, name):
    """Validate class-index targets; return (indices array, valid mask)."""
    xp = get_array_module(input.data)
    idx = target.data if isinstance(target, Tensor) else xp.asarray(target)
    if idx.dtype.kind not in "iu":
        raise TypeError(
            f"{name}: class-index targets must be integers, got dtype {idx.dtype} with shape "
            f"{tuple(idx.shape)}. Use labels.long(); or, for probability targets, give them "
            f"the input's shape {tuple(input.shape)}.")
    expected = (input.shape[0],) + tuple(input.shape[2:])
    if tuple(idx.shape) != expected:
        raise ShapeError(
            f"{name}: input {tuple(input.shape)} (N, C, ...) needs targets of shape {expected}, "
            f"got {tuple(idx.shape)}.")
    n_classes = input.shape[1]
    if idx.size and 0 <= idx.min() and idx.max() < n_classes and not 0 <= ignore_index < n_classes:
        return idx, None  # NOTE: the usual case, checked with two reductions: all valid
    valid = idx != ignore_index
    bad = valid & ((idx < 0) | (idx >= n_classes))
    if bool(bad.any()):
        where = tuple(int(i[0]) for i in np.nonzero(to_numpy(bad)))
        raise ValueError(
            f"{name}: target {int(idx[where])} at position {where} is out of range for "
            f"{n_classes} classes (valid labels are 0..{n_classes - 1}"
            f"{'' if ignore_index < 0 else f', or ignore_index={ignore_index}'}).")
    return idx, valid


def _one_hot(input, idx, valid):
    """(N, C, ...) float one-hot of ``idx``, zero where ``valid`` is False (None: all valid)."""
    xp = get_array_module(input.data)
    if valid is None and input.ndim == 2:  # NOTE: a scatter is cheaper than the comparison
        q = xp.zeros(input.shape, dtype=input.dtype)
        q[xp.arange(len(idx)), idx] = 1
        return q
    if valid is None:
        valid = xp.ones(idx.shape, dtype=bool)
    shape = (1, input.shape[1]) + (1,) * (input.ndim - 2)
    classes = xp.arange(input.shape[1]).reshape(shape)
    return ((xp.expand_dims(idx, 1) == classes) & xp.expand_dims(valid, 1)).astype(input.dtype)


def _class_weights(input, weight):
    if weight is None:
        return None
    w = (weight if isinstance(weight, Tensor) else as_input("class weight", weight)).data
    w = get_array_module(input.data).asarray(w, dtype=input.dtype)
    if w.shape != (input.shape[1],):
        raise ShapeError(f"class weight must have shape ({input.shape[1]},), one per class, "
                         f"got {tuple(w.shape)}.")
    return w.reshape((1, -1) + (1,) * (input.ndim - 2))


def _inverse(denom) -> float:
    """1/denom for the weighted "mean"; NaN when every target is ignored (0/0, as PyTorch)."""
    denom = float(denom)
    return 1.0 / denom if denom else float("nan")


def _unbatched(input, target):
    if input.ndim == 1:  # a single sample (C,)
        input = input.reshape(1, -1)
        target = target.reshape(1, -1) if (
            getattr(target, "ndim", 0) == 1) else get_array_module(input.data).asarray(
                target.data if isinstance(target, Tensor) else target).reshape(1)
    return input, target


def cross_entropy(input, target, weight=None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0):
    """Softmax + negative log-likelihood in one stable op, on raw scores (logits).

    Shapes: input (N, C) or (N, C, d1, ...) or (C,); target either class indices (N, d1, ...)
    of an integer dtype, or class probabilities with the input's shape.
    ``weight`` (C,) rescales classes; with indices, "mean" divides by Σ weight[target] over
    non-ignored samples, as PyTorch. ``label_smoothing`` ε mixes the target with uniform ε/C.
    """
    input = _input(input, "cross_entropy")
    squeeze = input.ndim == 1
    input, target = _unbatched(input, target)
    if input.ndim < 2:
        raise ShapeError(f"cross_entropy: input must be (N, C, ...), got {tuple(input.shape)}.")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got "
                         f"{label_smoothing}.")
    n_classes, w = input.shape[1], _class_weights(input, weight)
    tdata = target.data if isinstance(target, Tensor) else target
    if getattr(tdata, "dtype", np.dtype(int)).kind == "f" and tuple(
            np.shape(tdata)) == tuple(input.shape):
        if ignore_index >= 0:  # NOTE: PyTorch refuses it too; it would silently do nothing
            raise ValueError(
                f"cross_entropy: ignore_index={ignore_index} applies to class-index targets "
                "only, but the targets are probabilities (floats shaped like the input). "
                "Give a zero-weight row instead, or leave ignore_index at its default.")
        q = target if isinstance(target, Tensor) else _operand(tdata, input)
        if label_smoothing:
            q = q * (1 - label_smoothing) + label_smoothing / n_classes
        if w is not None:
            q = q * w
        denom = None
    else:
        idx, valid = _class_targets(input, target, ignore_index, "cross_entropy")
        onehot = q = _one_hot(input, idx, valid)
        if label_smoothing:
            xp = get_array_module(q)
            spread = xp.ones_like(idx, dtype=bool) if valid is None else valid
            q = q * (1 - label_smoothing) + (label_smoothing / n_classes) * xp.expand_dims(
                spread, 1)
        if w is not None:
            q = q * w
        q = q.astype(input.dtype, copy=False)
        if w is not None:
            denom = (onehot * w).sum()
        else:  # all valid: a plain mean; else divide by the count of valid samples
            denom = None if valid is None else valid.sum()
    scale = _scale(reduction, input.data.size // max(n_classes, 1), "cross_entropy")
    if reduction == "mean" and denom is not None:
        scale = _inverse(denom)
    loss = L.SoftmaxCrossEntropy.apply(input, q, axis=1, scale=scale)
    return loss.reshape(()) if squeeze and reduction == "none" else loss


def nll_loss(input, target, weight=None, ignore_index: int = -100, reduction: str = "mean"):
    """Negative log-likelihood −w[y]·input[y] for log-probabilities ``input`` (N, C, ...) and
    class indices ``target`` (N, ...); pair with ``log_softmax`` (or use ``cross_entropy``)."""
    input = _input(input, "nll_loss")
    squeeze = input.ndim == 1
    input, target = _unbatched(input, target)
    idx, valid = _class_targets(input, target, ignore_index, "nll_loss")
    q = _one_hot(input, idx, valid)
    w = _class_weights(input, weight)
    if w is not None:
        q = q * w
    loss = -(input * q).sum(dim=1)
    if squeeze and reduction == "none":
        return loss.reshape(())
    if reduction == "mean":
        return loss.sum() * _inverse(q.sum())
    return _reduce(loss, reduction, "nll_loss")


def l2_penalty(model, lam: float):
    """The L2 weight penalty ½·λ·Σ w² over the model's parameters, biases left out.

    We use the textbook ½λΣw² convention, so its gradient is λ·w (the "weight decay" term).
    A parameter counts as a bias when its name ends in "bias".
    """
    total = None
    for name, p in model.named_parameters():
        if name.split(".")[-1] == "bias":
            continue
        term = (p * p).sum()
        total = term if total is None else total + term
    if total is None:
        return Tensor(0.0)
    return total * (0.5 * lam)
