"""Train/validation/test splits (optionally stratified) and k-fold cross-validation indices.

Index-level functions (``split_indices``, ``kfold_indices``, ``stratified_kfold_indices``) return
NumPy int64 index arrays; ``train_test_split`` / ``train_val_test_split`` apply them to arrays.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor
from ._util import as_numpy, make_rng


def _count(size, n: int, name: str) -> int:
    """A split size as a sample count: fractions in (0, 1) are rounded up (as scikit-learn)."""
    if isinstance(size, bool) or not isinstance(size, int | float | np.integer | np.floating):
        raise TypeError(f"{name} must be an int (samples) or a float fraction, got {size!r}.")
    if isinstance(size, float | np.floating):
        if not 0.0 <= size < 1.0:
            raise ValueError(f"{name}={size} as a fraction must be in [0, 1); pass an int for a "
                             "number of samples.")
        return int(math.ceil(size * n))
    if size < 0:
        raise ValueError(f"{name} must be non-negative, got {size}.")
    if size > n:
        raise ValueError(f"{name}={size} is larger than the data ({n} samples).")
    return int(size)


def _labels(stratify, n: int) -> np.ndarray:
    y = as_numpy(stratify)
    if len(y) != n:
        raise ShapeError(f"stratify has {len(y)} labels but the data has {n} samples.")
    if y.ndim > 1:  # one-hot rows -> class ids
        y = y.argmax(axis=1) if y.shape[1] > 1 else y.reshape(-1)
    return np.unique(y, return_inverse=True)[1].reshape(-1)


def _allocate(counts: np.ndarray, sizes: list[int]) -> np.ndarray:
    """How many of each class go to each part: ``(parts, classes)`` with rows summing to
    ``sizes`` and columns to ``counts``, proportional up to rounding (largest remainders)."""
    n = counts.sum()
    out = np.zeros((len(sizes), len(counts)), dtype=np.int64)
    left = counts.copy()
    for p, size in enumerate(sizes[:-1]):
        exact = counts * size / n
        take = np.minimum(np.floor(exact).astype(np.int64), left)
        order = np.argsort(-(exact - take), kind="stable")
        for c in order:
            if take.sum() >= size:
                break
            if take[c] < left[c]:
                take[c] += 1
        out[p] = take
        left = left - take
    out[-1] = left
    return out


def split_indices(n: int, sizes, stratify=None, shuffle=True, seed=None) -> list[np.ndarray]:
    """Index arrays for consecutive parts of ``n`` samples.

    Args:
        n: number of samples.
        sizes: sample counts of every part but the first (which takes the rest), e.g.
            ``[n_val, n_test]``.
        stratify: labels (N,) to keep class proportions equal in every part.
        shuffle: shuffle before splitting (stratified splits always shuffle within a class).
        seed: int or None (global generator).
    """
    rest = n - sum(sizes)
    if rest < 0:
        raise ValueError(f"the requested split sizes {list(sizes)} sum to {sum(sizes)}, more "
                         f"than the data ({n} samples).")
    parts = [rest, *sizes]
    rng = make_rng(seed)
    if stratify is None:
        order = rng.permutation(n) if shuffle else np.arange(n)
        bounds = np.cumsum([0, *parts])
        return [order[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    y = _labels(stratify, n)
    counts = np.bincount(y)
    if counts.min() < 2:
        raise ValueError(f"stratify: class {int(counts.argmin())} has only {counts.min()} "
                         "sample; every class needs at least 2 to be stratified.")
    alloc = _allocate(counts, parts)
    out = [[] for _ in parts]
    for c in range(len(counts)):
        members = rng.permutation(np.flatnonzero(y == c))
        bounds = np.cumsum([0, *alloc[:, c]])
        for p in range(len(parts)):
            out[p].append(members[bounds[p]:bounds[p + 1]])
    return [rng.permutation(np.concatenate(o)).astype(np.int64) for o in out]


def _take(array, idx):
    if isinstance(array, Tensor):
        return Tensor._make(array.data[idx], None)
    if isinstance(array, list | tuple):
        return np.asarray(array)[idx]
    return array[idx]


def _check_lengths(arrays) -> int:
    if not arrays:
        raise ValueError("pass at least one array to split, e.g. train_test_split(X, y).")
    lengths = [len(a) for a in arrays]
    if len(set(lengths)) > 1:
        shown = ", ".join(f"array {i} has {n}" for i, n in enumerate(lengths))
        raise ShapeError(f"arrays to split have different lengths ({shown} samples).")
    return lengths[0]


def train_test_split(*arrays, test_size=0.25, stratify=None, shuffle=True, seed=None):
    """Split arrays into train and test parts (scikit-learn's order of outputs).

    Args:
        *arrays: arrays or Tensors of equal length N (e.g. ``X, y``).
        test_size: fraction in [0, 1) (rounded up) or number of test samples.
        stratify: labels (N,) whose class proportions both parts keep (usually ``y``).
        shuffle: shuffle before splitting.
        seed: int for a reproducible split, None for glassgrad's global generator.

    Returns:
        ``a_train, a_test, b_train, b_test, ...`` for ``arrays = (a, b, ...)``.
    """
    n = _check_lengths(arrays)
    n_test = _count(test_size, n, "test_size")
    if n_test >= n:
        raise ValueError(f"test_size={test_size} leaves no training samples (data has {n}).")
    train, test = split_indices(n, [n_test], stratify, shuffle, seed)
    return [part for a in arrays for part in (_take(a, train), _take(a, test))]


def train_val_test_split(*arrays, val_size=0.15, test_size=0.15, stratify=None, shuffle=True,
                         seed=None):
    """Three-way split: ``a_train, a_val, a_test, b_train, b_val, b_test, ...``.

    ``val_size`` and ``test_size`` are fractions of the whole data (rounded up) or counts.
    """
    n = _check_lengths(arrays)
    n_val = _count(val_size, n, "val_size")
    n_test = _count(test_size, n, "test_size")
    if n_val + n_test >= n:
        raise ValueError(f"val_size={val_size} ({n_val} samples) plus test_size={test_size} "
                         f"({n_test} samples) leaves no training samples: the data has {n}.")
    train, val, test = split_indices(n, [n_val, n_test], stratify, shuffle, seed)
    return [p for a in arrays for p in (_take(a, train), _take(a, val), _take(a, test))]


def _check_k(k: int, n: int) -> None:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 2:
        raise ValueError(f"k-fold: k must be an int >= 2, got {k!r}.")
    if k > n:
        raise ValueError(f"k-fold: k={k} folds is more than the {n} samples.")


def kfold_indices(n: int, k: int = 5, shuffle=False, seed=None) -> list[tuple]:
    """``k`` pairs ``(train_idx, val_idx)``; every index is in exactly one ``val_idx``.

    Fold sizes differ by at most one (the first ``n % k`` folds get the extra sample).
    """
    _check_k(k, n)
    order = make_rng(seed).permutation(n) if shuffle else np.arange(n)
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1
    bounds = np.cumsum([0, *sizes])
    folds = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        val = order[a:b]
        train = np.concatenate([order[:a], order[b:]])
        folds.append((train.astype(np.int64), val.astype(np.int64)))
    return folds


def stratified_kfold_indices(y, k: int = 5, shuffle=False, seed=None) -> list[tuple]:
    """Like ``kfold_indices`` but each validation fold keeps the class proportions of ``y``.

    Samples are grouped by class (shuffled within a class if ``shuffle``) and dealt round-robin
    to the folds, so each fold gets ``floor`` or ``ceil`` of ``count_c / k`` of every class c.
    """
    n = len(y)
    _check_k(k, n)
    labels = _labels(y, n)
    counts = np.bincount(labels)
    if counts.min() < k:
        warnings.warn(f"stratified k-fold: the smallest class has {counts.min()} samples, fewer "
                      f"than k={k}; some folds will miss it.", stacklevel=2)
    rng = make_rng(seed) if shuffle else None
    grouped = []
    for c in range(len(counts)):
        members = np.flatnonzero(labels == c)
        grouped.append(rng.permutation(members) if shuffle else members)
    order = np.concatenate(grouped)
    fold_of = np.empty(n, dtype=np.int64)
    fold_of[order] = np.arange(n) % k
    all_idx = np.arange(n)
    return [(all_idx[fold_of != f], all_idx[fold_of == f]) for f in range(k)]
