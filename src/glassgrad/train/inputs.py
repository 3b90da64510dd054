"""Turn what users pass to ``fit``/``evaluate``/``predict`` into batches, with clear errors.

Accepted forms: a ``DataLoader`` (used as is), a ``Dataset`` (batched with ``DataLoader``), an
``(X, y)`` pair of arrays or Tensors (checked: same length, no NaN/inf, at least one sample), or
any re-iterable of ``(xb, yb)`` batches.
"""

from __future__ import annotations

import math

import numpy as np

from ..backend import to_numpy
from ..errors import ShapeError
from ..tensor import Tensor

DEFAULT_BATCH_SIZE = 32


def _array(a, what: str, where: str):
    if isinstance(a, Tensor):
        return a.data
    arr = np.asarray(a)
    if arr.dtype == object:
        raise TypeError(f"{where}: {what} must be a numeric array or Tensor (got ragged or "
                        f"non-numeric data of type {type(a).__name__}).")
    return arr


def check_finite(arr, what: str, where: str) -> None:
    """Raise ValueError naming the first row with NaN/inf in a floating array."""
    a = to_numpy(arr)
    if a.dtype.kind in "fc" and not np.isfinite(a).all():
        bad = ~np.isfinite(a.reshape(len(a), -1)).all(axis=1) if a.ndim else np.array([True])
        rows = np.flatnonzero(bad)
        raise ValueError(f"{where}: {what} contains NaN or infinite values in {len(rows)} "
                         f"row(s) (first: row {int(rows[0])}); drop or impute them first.")


def check_arrays(X, y, where: str = "fit"):
    """Validate an ``(X, y)`` pair; return them as arrays (Tensors unwrapped)."""
    X, y = _array(X, "X", where), _array(y, "y", where)
    if X.ndim == 0 or y.ndim == 0:
        raise ShapeError(f"{where}: X and y need a leading sample axis, got shapes "
                         f"{X.shape} and {y.shape}.")
    if len(X) != len(y):
        raise ShapeError(f"{where}: X has {len(X)} samples but y has {len(y)}; they must have "
                         "the same length (one target per input row).")
    if len(X) == 0:
        raise ValueError(f"{where}: the data is empty (0 samples).")
    check_finite(X, "X", where)
    check_finite(y, "y", where)
    return X, y


def is_pair(data) -> bool:
    return isinstance(data, (tuple, list)) and len(data) == 2 and not isinstance(
        data[0], (int, float))


def split_validation(X, y, validation_split: float):
    """Keras's ``validation_split``: the LAST fraction of the samples (before any shuffling)
    becomes the validation set. Shuffle your data first if it is ordered (e.g. by class).

    The training part is ``floor(N * (1 - validation_split))`` samples, exactly Keras's
    ``train_validation_split`` (10 samples, 0.25 -> 7 + 3; 0.05 -> 9 + 1)."""
    if not 0.0 < validation_split < 1.0:
        raise ValueError(f"validation_split must be between 0 and 1 (exclusive), got "
                         f"{validation_split!r}.")
    n = len(X)
    n_val = n - int(math.floor(n * (1.0 - validation_split)))
    if n_val < 1 or n_val >= n:
        raise ValueError(f"validation_split={validation_split} of {n} samples leaves "
                         f"{n - n_val} for training and {n_val} for validation; both need at "
                         "least one sample.")
    cut = n - n_val
    return (X[:cut], y[:cut]), (X[cut:], y[cut:])


def to_loader(data, batch_size=None, shuffle=False, seed=None, device="cpu", where="fit",
              name="train"):
    """A re-iterable of batches for ``data`` (see the module docstring)."""
    from ..data import DataLoader, Dataset, TensorDataset

    if isinstance(data, DataLoader):
        if batch_size is not None and batch_size != data.batch_size:
            raise ValueError(f"{where}: {name} is a DataLoader with batch_size="
                             f"{data.batch_size}; do not pass batch_size={batch_size} too.")
        return data
    bs = DEFAULT_BATCH_SIZE if batch_size is None else batch_size
    if is_pair(data):
        X, y = check_arrays(*data, where=where)
        return DataLoader(TensorDataset(X, y), batch_size=bs, shuffle=shuffle, seed=seed,
                          device=device)
    if isinstance(data, Dataset) or (hasattr(data, "__getitem__") and hasattr(data, "__len__")
                                     and not isinstance(data, (tuple, list, np.ndarray))):
        if len(data) == 0:
            raise ValueError(f"{where}: the {name} dataset is empty.")
        return DataLoader(data, batch_size=bs, shuffle=shuffle, seed=seed, device=device)
    if hasattr(data, "__iter__") and not isinstance(data, (tuple, list, np.ndarray, Tensor)):
        return data
    raise TypeError(f"{where}: {name} must be a DataLoader, a Dataset or an (X, y) pair of "
                    f"arrays, got {type(data).__name__}.")


def model_device(model) -> str:
    for p in model.parameters():
        return p.device
    return "cpu"


def _nonfinite_rows(a) -> np.ndarray:
    a = to_numpy(getattr(a, "data", a))
    if a.dtype.kind not in "fc" or a.ndim == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(~np.isfinite(a.reshape(len(a), -1)).all(axis=1))


def _dataset_index(loader, which: int, row) -> int | None:
    """The index of the dataset sample equal to ``row`` (input or target ``which``), searched
    among the dataset's non-finite samples; None when the data cannot be searched."""
    dataset = getattr(loader, "dataset", None)
    if dataset is None or not hasattr(dataset, "__len__") or len(dataset) > 10**6:
        return None
    tensors = getattr(dataset, "tensors", None) or getattr(dataset, "arrays", None)
    if tensors is not None and len(tensors) > which:
        candidates = _nonfinite_rows(tensors[which])
        get = (lambda i: tensors[which][i])  # noqa: E731
    else:
        candidates = range(len(dataset))
        get = (lambda i: dataset[i][which])  # noqa: E731
    row = to_numpy(getattr(row, "data", row))
    for i in candidates:
        cand = to_numpy(getattr(get(int(i)), "data", get(int(i))))
        if cand.shape == row.shape and np.array_equal(cand, row, equal_nan=True):
            return int(i)
    return None


def locate_nonfinite(xb, yb, loader=None) -> str | None:
    """Where a batch holds NaN/Inf: ``"inputs hold NaN/Inf in row 3 of the batch (sample 41
    of the dataset)"``, or None when inputs and targets are finite."""
    for which, (name, arr) in enumerate((("inputs", xb), ("targets", yb))):
        rows = _nonfinite_rows(arr)
        if len(rows):
            r = int(rows[0])
            idx = _dataset_index(loader, which, to_numpy(getattr(arr, "data", arr))[r])
            sample = f" (sample {idx} of the dataset)" if idx is not None else ""
            return (f"the {name} hold NaN/Inf in {len(rows)} row(s) of the batch, first row "
                    f"{r}{sample}; drop or impute them")
    return None
