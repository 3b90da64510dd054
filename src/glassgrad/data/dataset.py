"""Datasets with PyTorch's names: ``Dataset``, ``TensorDataset``, ``Subset``, ``ConcatDataset`` and
``random_split``."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..backend import get_array_module
from ..errors import ShapeError
from ..tensor import Tensor
from ._util import default_float, make_rng


class Dataset:
    """A sized collection of samples: subclasses define ``__len__`` and ``__getitem__(i)``.

    ``__getitem__`` returns one sample, usually a tuple ``(x, y)`` of arrays or numbers; the
    ``DataLoader`` stacks samples into batches.
    """

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__.")

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__.")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class TensorDataset(Dataset):
    """Samples are rows of equally long arrays: ``ds[i] == (X[i], y[i])``.

    Args:
        *tensors: arrays, Tensors or nested lists, all with the same first dimension N. NumPy
            float64 arrays become the default float dtype (float32) once, here, not per batch;
            Tensors keep their dtype and device.

    Example:
        >>> ds = TensorDataset(X, y)   # X: (N, F), y: (N,)
        >>> x0, y0 = ds[0]             # x0: (F,), y0: ()
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one array, e.g. TensorDataset(X, y).")
        arrays = []
        for t in tensors:
            if isinstance(t, Tensor):
                arrays.append(t.data)
            else:
                try:
                    arr = t if get_array_module(t) is not np else np.asarray(t)
                except ValueError:  # NOTE: NumPy refuses ragged nested lists this way
                    arr = None
                if arr is None or arr.dtype == object or arr.dtype.kind not in "biufc":
                    raise TypeError("TensorDataset: cannot make a numeric array from "
                                    f"{type(t).__name__} (ragged rows or non-numbers?); give "
                                    "arrays or rectangular nested lists of numbers.")
                arrays.append(default_float(arr))
        for i, a in enumerate(arrays):
            if a.ndim == 0:
                raise ShapeError(f"TensorDataset: array {i} is a scalar; every array needs a first "
                                 "(sample) dimension.")
        lengths = [len(a) for a in arrays]
        if len(set(lengths)) > 1:
            shown = ", ".join(f"array {i} has {n}" for i, n in enumerate(lengths))
            raise ShapeError(f"TensorDataset: arrays have different lengths ({shown} samples). "
                             "X and y must have one row per sample.")
        self.tensors = tuple(arrays)

    def __len__(self) -> int:
        return len(self.tensors[0])

    def __getitem__(self, index):
        return tuple(a[index] for a in self.tensors)

    def _take(self, indices: np.ndarray) -> tuple:
        """A whole batch at once: each array indexed by the index array (no Python loop)."""
        out = []
        for a in self.tensors:
            xp = get_array_module(a)
            out.append(a[indices if xp is np else xp.asarray(indices)])
        return tuple(out)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices`` (in that order)."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64).reshape(-1)
        n = len(dataset)
        if len(self.indices) and (self.indices.max() >= n or self.indices.min() < -n):
            raise IndexError(f"Subset: index {int(self.indices.max())} out of range for a dataset "
                             f"of {n} samples.")

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index):
        if isinstance(index, (list, np.ndarray)):
            return [self.dataset[int(i)] for i in self.indices[index]]
        return self.dataset[int(self.indices[index])]


class ConcatDataset(Dataset):
    """Several datasets one after the other."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset needs at least one dataset.")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self) -> int:
        return self.cumulative_sizes[-1] if self.cumulative_sizes else 0

    def __getitem__(self, index):
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(f"ConcatDataset: index {index} out of range for {n} samples.")
        d = int(np.searchsorted(self.cumulative_sizes, index, side="right"))
        start = 0 if d == 0 else self.cumulative_sizes[d - 1]
        return self.datasets[d][index - start]


def _split_lengths(lengths: Sequence, n: int) -> list[int]:
    lengths = list(lengths)
    if not lengths:
        raise ValueError("random_split: lengths is empty.")
    if any(v < 0 for v in lengths):
        raise ValueError(f"random_split: lengths must be non-negative, got {lengths}.")
    if all(isinstance(v, (int, np.integer)) for v in lengths):
        if sum(lengths) != n:
            raise ValueError(f"random_split: lengths {lengths} sum to {sum(lengths)}, but the "
                             f"dataset has {n} samples.")
        return [int(v) for v in lengths]
    if not math.isclose(sum(lengths), 1.0, abs_tol=1e-6):
        raise ValueError(f"random_split: fractions {lengths} must sum to 1 (they sum to "
                         f"{sum(lengths):g}); or pass integer lengths summing to {n}.")
    sizes = [int(math.floor(n * f)) for f in lengths]
    for i in range(n - sum(sizes)):  # the remainder goes round-robin, as in PyTorch
        sizes[i % len(sizes)] += 1
    return sizes


def random_split(dataset, lengths, seed=None, generator=None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random ``Subset`` s.

    Args:
        dataset: any sized dataset.
        lengths: integer lengths summing to ``len(dataset)``, or fractions summing to 1
            (e.g. ``[0.8, 0.2]``; leftover samples go round-robin to the first subsets).
        seed: int for a reproducible split; None uses glassgrad's global generator.
        generator: a ``numpy.random.Generator`` to draw from (overrides ``seed``).
    """
    n = len(dataset)
    sizes = _split_lengths(lengths, n)
    perm = make_rng(seed, generator).permutation(n)
    bounds = np.cumsum([0] + sizes)
    return [Subset(dataset, perm[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
