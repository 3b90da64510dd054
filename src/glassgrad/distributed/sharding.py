"""Sharding: each rank takes its contiguous part of every GLOBAL batch.

The global batches are exactly those of the single-process run: the wrapped ``DataLoader``
draws the epoch's order (same seed, same order) and rank 0's order is broadcast, so every rank
slices the same global batch even if their generators drifted apart. A global batch of B
samples splits like ``numpy.array_split``: rank r gets ``[r·B//N + min(r, B%N) ...)``, i.e. the
first ``B % N`` ranks get one sample more, in order, and no sample is used twice or skipped.
"""

from __future__ import annotations

import numpy as np

from ..data import DataLoader
from .comm import get_comm

__all__ = ["shard_range", "ShardedLoader", "check_batches"]


def shard_range(n: int, rank: int, size: int) -> tuple[int, int]:
    """``(start, stop)`` of rank ``rank``'s contiguous share of ``n`` items (array_split rule)."""
    q, r = divmod(n, size)
    start = rank * q + min(rank, r)
    return start, start + q + (1 if rank < r else 0)


def check_batches(n: int, batch_size: int, drop_last: bool, size: int, where: str) -> None:
    """Refuse splits that would leave a rank with no sample of some global batch.

    Every rank must take part in every optimizer step (the allreduce is collective), and a
    rank with zero samples has no loss to differentiate, so each global batch needs at least
    ``size`` samples.
    """
    if size == 1:
        return
    sizes = {min(batch_size, n)}
    last = n % batch_size
    if last and not drop_last and n > batch_size:
        sizes.add(last)
    small = min(sizes)
    if small < size:
        what = ("the last batch of each epoch holds" if small == last and small != batch_size
                else "each batch holds")
        raise ValueError(
            f"{where}: {what} {small} sample(s) ({n} samples, batch_size {batch_size}) but "
            f"there are {size} ranks; every rank needs at least one sample of every global "
            f"batch. Use a batch_size for which {n} % batch_size is 0 or >= {size}, "
            "drop_last=True, or fewer ranks.")


class ShardedLoader(DataLoader):
    """A ``DataLoader`` that yields this rank's contiguous share of every global batch.

    Args:
        loader: a ``glassgrad.data.DataLoader``; its ``batch_size`` is the GLOBAL batch size and
            its shuffling (seed) gives the global order. The sharded loader shares its state
            (dataset, generator), so drawing from one advances the other.
        comm: a Communicator (default: ``glassgrad.distributed.init()``).
        skip_empty: for evaluation only: skip local shares with no samples instead of refusing
            (evaluation has no per-batch collective, so ranks may see different batch counts).

    Attributes:
        local, total: after each yielded batch, its number of samples here and in the global
            batch (``fit`` weights this rank's gradient by ``local / total``, which makes the sum
            over ranks the global-batch mean gradient).

    Example:
        >>> loader = ShardedLoader(DataLoader(TensorDataset(X, y), batch_size=128,
        ...                                   shuffle=True, seed=0))
        >>> for xb, yb in loader:      # this rank's 64 of each global 128 (with 2 ranks)
        ...     ...
    """

    def __init__(self, loader, comm=None, skip_empty: bool = False):
        if not isinstance(loader, DataLoader):
            raise TypeError(f"ShardedLoader: needs a glassgrad.data.DataLoader (it shards the "
                            f"loader's global batches), got {type(loader).__name__}.")
        # NOTE: the same attributes (not copies): one generator draws the global order, and
        # checkpoints that save this loader's generator save the wrapped loader's.
        self.__dict__.update(loader.__dict__)
        self.comm, self.skip_empty = get_comm(comm), skip_empty
        if self.comm.size > 1:  # NOTE: different data would desynchronize every collective
            self.comm.check_same(
                ("samples", len(self.dataset), "batch_size", self.batch_size, "drop_last",
                 self.drop_last),
                "ShardedLoader: every rank must load the same data set with the same batch_size "
                "(same config, same files).")
        if not skip_empty:
            check_batches(len(self.dataset), self.batch_size, self.drop_last, self.comm.size,
                          "ShardedLoader")
        self.local = self.total = 0

    def batch_indices(self):
        """This rank's index arrays for one epoch (draws the next global order)."""
        batches = list(super().batch_indices())
        order = np.ascontiguousarray(np.concatenate(batches) if batches else [], dtype=np.int64)
        # NOTE: rank 0's order wins: generators can drift (seed=None draws from the global
        # generator, which dropout also draws from, differently on each rank).
        self.comm.broadcast_(order, root=0)
        bs = self.batch_size
        for start in range(0, len(order), bs):
            batch = order[start:start + bs]
            lo, hi = shard_range(len(batch), self.comm.rank, self.comm.size)
            if hi == lo and self.skip_empty:
                continue
            self.local, self.total = hi - lo, len(batch)
            yield batch[lo:hi]

    def __repr__(self) -> str:
        return (f"ShardedLoader(n={len(self.dataset)}, global batch_size={self.batch_size}, "
                f"rank={self.comm.rank}, size={self.comm.size})")
