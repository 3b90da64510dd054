"""Metrics: plain functions on arrays or Tensors, ``metric(y_true, y_pred) -> float``.

The argument order is scikit-learn's and Keras's: targets first, predictions second. Predictions
may be probabilities, logits or labels; ``to_labels`` explains how each is read:

* shape ``(N,)`` or ``(N, 1)`` of floats: binary scores, class 1 where ``score > threshold``
  (``threshold=0.5`` for probabilities; with ``from_logits=True`` the logit of the threshold, so
  0 for 0.5). Strictly greater, as Keras's ``binary_accuracy``/``Precision``, torchmetrics and
  scikit-learn's ``predict``: a score of exactly 0.5 (e.g. an untrained zero-weight model) is
  class 0;
* shape ``(N, C)`` with ``C > 1``: class scores (probabilities or logits), label = argmax;
* integers: labels already.

String names usable in ``fit(metrics=[...])``: see ``METRICS`` (``"accuracy"``, ``"precision"``,
``"recall"``, ``"f1"``, ``"mse"``, ``"mae"``, ``"r2"``, plus macro variants).
"""

from __future__ import annotations

import math

import numpy as np

from ..backend import to_numpy
from ..errors import ShapeError

__all__ = ["to_labels", "accuracy", "binary_accuracy", "precision", "recall", "f1_score",
           "confusion_matrix", "mean_squared_error", "mean_absolute_error", "r2_score",
           "get_metric", "METRICS"]


def _np(x) -> np.ndarray:
    return to_numpy(getattr(x, "data", x))


def to_labels(y, threshold: float = 0.5, from_logits: bool = False) -> np.ndarray:
    """Class labels ``(N,)`` from binary scores, class scores, one-hot rows or labels."""
    y = _np(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return y.argmax(axis=1)
    y = y.reshape(len(y)) if y.ndim == 2 else y
    if y.ndim != 1:
        raise ShapeError(f"to_labels: expected shape (N,), (N, 1) or (N, C), got {y.shape}.")
    if y.dtype.kind in "iub":
        return y.astype(np.int64)
    if from_logits:
        cut = -math.inf if threshold <= 0 else math.inf if threshold >= 1 else \
            math.log(threshold / (1 - threshold))
    else:
        cut = threshold
    return (y > cut).astype(np.int64)


def _true_labels(y) -> np.ndarray:
    """Targets as labels: one-hot rows -> argmax; integer-valued floats (0., 1., 2.) -> ints."""
    y = _np(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.reshape(len(y))
    if y.ndim == 1 and y.dtype.kind == "f" and np.all(y == np.round(y)):
        return y.astype(np.int64)
    return to_labels(y)


def _pair(y_true, y_pred, threshold, from_logits, name):
    t = _true_labels(y_true)
    p = to_labels(y_pred, threshold, from_logits)
    if t.shape != p.shape:
        raise ShapeError(f"{name}: {len(t)} targets but {len(p)} predictions.")
    return t, p


def accuracy(y_true, y_pred, threshold: float = 0.5, from_logits: bool = False) -> float:
    """Fraction of samples whose predicted class equals the target class.

    Args:
        y_true: labels ``(N,)``, binary targets ``(N, 1)`` of 0/1, or one-hot ``(N, C)``.
        y_pred: probabilities/logits ``(N,)``/``(N, 1)`` (binary) or scores ``(N, C)``, or labels.
        threshold: binary decision threshold on probabilities.
        from_logits: binary scores are logits (threshold applied to the logit scale).
    """
    t, p = _pair(y_true, y_pred, threshold, from_logits, "accuracy")
    return float((t == p).mean()) if len(t) else math.nan


def binary_accuracy(y_true, y_pred, threshold: float = 0.5, from_logits: bool = False) -> float:
    """Keras's ``binary_accuracy``: the fraction of ELEMENTS whose score, thresholded as in
    ``to_labels`` (``score > threshold``), equals the 0/1 target.

    For one output column it equals ``accuracy``; for multi-label outputs ``(N, C)`` (C
    independent sigmoids, ``BCELoss``) every one of the N·C labels counts, where ``accuracy``
    would compare argmaxes (``fit`` with a BCE loss flattens its outputs the same way).
    """
    t, p = _np(y_true), _np(y_pred)
    if t.size != p.size or len(t) != len(p):
        raise ShapeError(f"binary_accuracy: targets have shape {t.shape} but predictions "
                         f"{p.shape}.")
    if not t.size:
        return math.nan
    return float((to_labels(p.reshape(-1), threshold, from_logits) == (t.reshape(-1) > 0.5))
                 .mean())


def confusion_matrix(y_true, y_pred, num_classes: int | None = None, threshold: float = 0.5,
                     from_logits: bool = False) -> np.ndarray:
    """``C[i, j]`` = number of samples of true class ``i`` predicted as class ``j``.

    Returns:
        int64 array ``(K, K)``, ``K = num_classes`` or 1 + the largest label seen.
    """
    t, p = _pair(y_true, y_pred, threshold, from_logits, "confusion_matrix")
    k = num_classes if num_classes is not None else int(max(t.max(initial=0), p.max(initial=0))) + 1
    cm = np.zeros((k, k), dtype=np.int64)
    np.add.at(cm, (t, p), 1)
    return cm


def _ratio(num, den) -> np.ndarray:
    num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    # NOTE: 0/0 is defined as 0 (scikit-learn's zero_division=0), e.g. precision of a class
    # that is never predicted.
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def _prf(y_true, y_pred, average, pos_label, threshold, from_logits, num_classes):
    if average not in ("binary", "macro", "micro"):
        raise ValueError(f"average must be 'binary', 'macro' or 'micro', got {average!r}.")
    k = None if num_classes is None else num_classes
    cm = confusion_matrix(y_true, y_pred, k, threshold, from_logits)
    k = max(cm.shape[0], pos_label + 1)
    if cm.shape[0] < k:
        cm = np.pad(cm, (0, k - cm.shape[0]))
    tp = np.diag(cm)
    pred, true = cm.sum(axis=0), cm.sum(axis=1)
    if average == "macro" and num_classes is None:
        # NOTE: as scikit-learn, average over the labels present in y_true or y_pred only, so
        # a label id that never occurs (classes {0, 2}) does not count as a 0 score
        seen = (pred > 0) | (true > 0)
        tp, pred, true = tp[seen], pred[seen], true[seen]
    if average == "micro":
        tp, pred, true = tp.sum(), pred.sum(), true.sum()
    elif average == "binary":
        tp, pred, true = tp[pos_label], pred[pos_label], true[pos_label]
    prec, rec = _ratio(tp, pred), _ratio(tp, true)
    f1 = _ratio(2 * prec * rec, prec + rec)
    return prec, rec, f1


def precision(y_true, y_pred, average: str = "binary", pos_label: int = 1,
              threshold: float = 0.5, from_logits: bool = False,
              num_classes: int | None = None) -> float:
    """TP / (TP + FP): of the samples predicted positive, the fraction that are.

    ``average="binary"`` scores class ``pos_label``; ``"macro"`` is the unweighted mean over
    classes (those in ``range(num_classes)``, or else the labels present in y_true or y_pred,
    as scikit-learn); ``"micro"`` pools all classes (equals accuracy for single-label problems).
    A ratio with a zero denominator counts as 0 (scikit-learn's ``zero_division=0``).
    """
    return float(np.mean(_prf(y_true, y_pred, average, pos_label, threshold, from_logits,
                              num_classes)[0]))


def recall(y_true, y_pred, average: str = "binary", pos_label: int = 1,
           threshold: float = 0.5, from_logits: bool = False,
           num_classes: int | None = None) -> float:
    """TP / (TP + FN): of the positive samples, the fraction found. ``average`` as ``precision``."""
    return float(np.mean(_prf(y_true, y_pred, average, pos_label, threshold, from_logits,
                              num_classes)[1]))


def f1_score(y_true, y_pred, average: str = "binary", pos_label: int = 1,
             threshold: float = 0.5, from_logits: bool = False,
             num_classes: int | None = None) -> float:
    """Harmonic mean of precision and recall, 2PR / (P + R). Macro: mean of per-class F1."""
    return float(np.mean(_prf(y_true, y_pred, average, pos_label, threshold, from_logits,
                              num_classes)[2]))


def _reg(y_true, y_pred, name):
    t = _np(y_true).astype(np.float64)
    p = _np(y_pred).astype(np.float64)
    if t.size != p.size or len(t) != len(p):
        raise ShapeError(f"{name}: targets have shape {t.shape} but predictions {p.shape}.")
    return t.reshape(p.shape), p


def mean_squared_error(y_true, y_pred) -> float:
    """mean((y - ŷ)²) over all elements."""
    t, p = _reg(y_true, y_pred, "mean_squared_error")
    return float(np.mean((t - p) ** 2))


def mean_absolute_error(y_true, y_pred) -> float:
    """mean(|y - ŷ|) over all elements."""
    t, p = _reg(y_true, y_pred, "mean_absolute_error")
    return float(np.mean(np.abs(t - p)))


def r2_score(y_true, y_pred) -> float:
    """Coefficient of determination 1 - SS_res / SS_tot (per output column, then averaged).

    1 is a perfect fit, 0 is no better than predicting the mean. A constant target column
    scores 1 if predicted exactly and 0 otherwise (scikit-learn's ``force_finite=True``), so
    the metric never turns into NaN or −inf in the logs.
    """
    t, p = _reg(y_true, y_pred, "r2_score")
    t2, p2 = t.reshape(len(t), -1), p.reshape(len(p), -1)
    ss_res = ((t2 - p2) ** 2).sum(axis=0)
    ss_tot = ((t2 - t2.mean(axis=0)) ** 2).sum(axis=0)
    flat = ss_tot == 0
    r2 = 1.0 - ss_res / np.where(flat, 1.0, ss_tot)
    r2[flat] = np.where(ss_res[flat] == 0, 1.0, 0.0)
    return float(np.mean(r2))


# name -> (function, takes threshold/from_logits, fixed keyword arguments)
METRICS = {
    "accuracy": (accuracy, True, {}),
    "binary_accuracy": (binary_accuracy, True, {}),
    "precision": (precision, True, {}),
    "recall": (recall, True, {}),
    "f1": (f1_score, True, {}),
    "precision_macro": (precision, True, {"average": "macro"}),
    "recall_macro": (recall, True, {"average": "macro"}),
    "f1_macro": (f1_score, True, {"average": "macro"}),
    "mse": (mean_squared_error, False, {}),
    "mae": (mean_absolute_error, False, {}),
    "r2": (r2_score, False, {}),
}
_ALIASES = {"acc": "accuracy", "f1_score": "f1", "mean_squared_error": "mse",
            "mean_absolute_error": "mae", "r2_score": "r2"}


def get_metric(metric, from_logits: bool = False, binary: bool = False):
    """Resolve a metric name (see ``METRICS``) or callable to ``(name, fn(y_true, y_pred))``.

    Args:
        metric: a name such as ``"accuracy"`` or any callable ``fn(y_true, y_pred) -> float``
            (its ``__name__`` becomes the log key).
        from_logits: binary scores are logits (``fit`` sets it for ``BCEWithLogitsLoss``).
        binary: the loss is a binary cross entropy (``BCELoss``/``BCEWithLogitsLoss``): every
            output element is then a 0/1 label of its own, so for multi-label outputs (N, C)
            accuracy, precision, recall and F1 pool all N·C labels (micro), as Keras's
            metrics do, instead of comparing argmaxes.
    """
    if callable(metric):
        return getattr(metric, "__name__", type(metric).__name__), metric
    if not isinstance(metric, str):
        raise TypeError(f"metric must be a name or a callable, got {type(metric).__name__}.")
    name = _ALIASES.get(metric.lower(), metric.lower())
    if name not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose from {sorted(METRICS)} or pass a "
                         "callable fn(y_true, y_pred).")
    fn, scores, kwargs = METRICS[name]
    if scores and from_logits:
        kwargs = {**kwargs, "from_logits": True}
    flatten = binary and scores

    def metric_fn(y_true, y_pred):
        if flatten:  # one binary label per element (C independent sigmoids)
            y_true, y_pred = _np(y_true).reshape(-1), _np(y_pred).reshape(-1)
        return fn(y_true, y_pred, **kwargs)

    metric_fn.__name__ = name
    return name, metric_fn
