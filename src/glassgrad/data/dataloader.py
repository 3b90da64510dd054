"""``DataLoader``: batches of Tensors from a dataset, reshuffled every epoch from one generator."""

from __future__ import annotations

import math

import numpy as np

from ..backend import check_device, get_array_module, to_device
from ..tensor import Tensor
from ._util import default_float, make_rng
from .dataset import Subset, TensorDataset


def _to_tensor(array, device: str) -> Tensor:
    if isinstance(array, Tensor):
        array = array.data
    xp = get_array_module(array)
    if xp is np:
        array = default_float(np.asarray(array))
    return Tensor._make(to_device(array, device), None)


def default_collate(samples: list):
    """Stack a list of samples into one batch: tuples field by field, dicts key by key.

    ``[(x0, y0), (x1, y1)]`` -> ``(stack([x0, x1]), stack([y0, y1]))`` as NumPy arrays.
    """
    first = samples[0]
    if isinstance(first, tuple | list):
        return tuple(default_collate([s[i] for s in samples]) for i in range(len(first)))
    if isinstance(first, dict):
        return {k: default_collate([s[k] for s in samples]) for k in first}
    if isinstance(first, Tensor):
        xp = get_array_module(first.data)
        return xp.stack([s.data for s in samples])
    xp = get_array_module(first)
    return xp.stack([xp.asarray(s) for s in samples])


def _batch_fetcher(dataset):
    """A function ``indices -> batch of arrays`` that indexes whole arrays at once, or None.

    Covers ``TensorDataset``, ``Subset`` s of one (what ``random_split`` returns) and any dataset
    defining ``_take(indices)``.
    """
    if isinstance(dataset, Subset):
        inner = _batch_fetcher(dataset.dataset)
        if inner is None:
            return None
        return lambda idx, inner=inner, base=dataset.indices: inner(base[idx])
    if isinstance(dataset, TensorDataset) or hasattr(dataset, "_take"):
        return dataset._take
    return None


def _move(batch, device: str):
    if isinstance(batch, tuple | list):
        return tuple(_move(b, device) for b in batch)
    if isinstance(batch, dict):
        return {k: _move(v, device) for k, v in batch.items()}
    return _to_tensor(batch, device)


class DataLoader:
    """Iterate over a dataset in batches of Tensors.

    Args:
        dataset: a ``Dataset`` (anything with ``__len__`` and ``__getitem__``).
        batch_size: samples per batch. ``None`` (or ``len(dataset)``) gives full-batch gradient
            descent (one batch per epoch); 1 gives online / stochastic gradient descent.
        shuffle: draw a new random order at the start of every epoch (every ``for`` loop).
        drop_last: drop the last batch if it is smaller than ``batch_size``.
        seed: seeds this loader's own generator, created once, so the sequence of epoch orders
            is reproducible; None draws from glassgrad's global generator (``manual_seed``).
        generator: a ``numpy.random.Generator`` to draw from instead (overrides ``seed``).
        device: "cpu" or "cuda": each batch is moved there once.
        collate_fn: turns a list of samples into a batch (default: ``default_collate``). Given,
            it also disables the vectorised fast path for ``TensorDataset``.

    Yields:
        For a ``TensorDataset(X, y)``: tuples ``(xb, yb)`` of Tensors with shapes
        ``(B, *X.shape[1:])`` and ``(B, *y.shape[1:])``. Samples that are single arrays give a
        single Tensor per batch; dict samples give dicts of Tensors.

    Example:
        >>> loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True, seed=0)
        >>> for epoch in range(10):
        ...     for xb, yb in loader:   # a fresh, reshuffled pass each epoch
        ...         ...
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, seed=None,
                 device="cpu", collate_fn=None, generator=None):
        n = len(dataset)
        if batch_size is not None and (isinstance(batch_size, bool)
                                       or not isinstance(batch_size, int | np.integer)
                                       or batch_size < 1):
            raise ValueError(f"DataLoader: batch_size must be a positive int or None (full "
                             f"batch), got {batch_size!r}.")
        if n == 0:
            raise ValueError("DataLoader: the dataset is empty (len(dataset) == 0).")
        if drop_last and batch_size is not None and batch_size > n:
            raise ValueError(f"DataLoader: drop_last=True with batch_size={batch_size} larger "
                             f"than the dataset ({n} samples) would yield no batches at all. Use "
                             "a smaller batch_size or drop_last=False.")
        self.dataset = dataset
        self.batch_size = n if batch_size is None else int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.device = check_device(device)
        self.collate_fn = collate_fn
        self.seed = seed
        # NOTE: the generator is made once, here: every epoch draws the next permutation from it,
        # so epochs differ from each other but two loaders with the same seed agree.
        own = seed is not None or generator is not None
        self._rng = make_rng(seed, generator) if own else None
        self._fetch = None if collate_fn is not None else _batch_fetcher(dataset)

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _order(self) -> np.ndarray:
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        rng = self._rng if self._rng is not None else make_rng(None)
        return rng.permutation(n)

    def batch_indices(self):
        """The index arrays of one epoch's batches (draws a new order when shuffling)."""
        order = self._order()
        bs = self.batch_size
        stop = len(self) * bs
        for start in range(0, min(stop, len(order)), bs):
            yield order[start:start + bs]

    def __iter__(self):
        collate = self.collate_fn or default_collate
        for idx in self.batch_indices():
            if self._fetch is not None:
                batch = self._fetch(idx)
            else:
                batch = collate([self.dataset[int(i)] for i in idx])
            yield _move(batch, self.device)

    def __repr__(self) -> str:
        return (f"DataLoader(n={len(self.dataset)}, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last}, batches={len(self)}, "
                f"device={self.device!r})")
