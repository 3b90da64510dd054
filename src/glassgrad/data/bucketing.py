"""Batching variable-length sequences by similar length, so little of each batch is padding.

Usage:

    loader = BucketLoader(seqs, labels, batch_size=32, shuffle=True, seed=0)
    for x, lengths, y in loader:          # x (T, B, *) padded with 0, lengths (B,) ints
        out, h = lstm(x, lengths=lengths)
"""

from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor
from ._util import make_rng


class BucketBatchSampler:
    """Index batches of similar-length sequences.

    Sequences are shuffled, grouped into pools of ``pool_size`` batches, sorted by length inside
    each pool and cut into batches; the batch order is shuffled again. Without ``shuffle`` the
    whole set is sorted by length (deterministic). Every index appears exactly once per epoch.

    Args:
        lengths: length of every sequence.
        batch_size: sequences per batch.
        pool_size: batches per sorting pool (larger: less padding, less randomness).
    """

    def __init__(self, lengths, batch_size: int, shuffle: bool = True, drop_last: bool = False,
                 pool_size: int = 50, seed=None):
        self.lengths = np.asarray(lengths)
        if batch_size < 1 or pool_size < 1:
            raise ValueError(f"BucketBatchSampler: batch_size and pool_size must be positive, "
                             f"got {batch_size} and {pool_size}.")
        if self.lengths.ndim != 1 or len(self.lengths) == 0:
            raise ValueError("BucketBatchSampler: lengths must be a non-empty 1-D list.")
        self.batch_size, self.pool_size = int(batch_size), int(pool_size)
        self.shuffle, self.drop_last = shuffle, drop_last
        self._rng = make_rng(seed)

    def __len__(self) -> int:
        f = math.floor if self.drop_last else math.ceil
        return f(len(self.lengths) / self.batch_size)

    def __iter__(self):
        n, bs = len(self.lengths), self.batch_size
        if not self.shuffle:
            order = np.argsort(self.lengths, kind="stable")
        else:
            order = self._rng.permutation(n)
            pool = bs * self.pool_size
            order = np.concatenate([
                chunk[np.argsort(self.lengths[chunk], kind="stable")]
                for chunk in (order[i:i + pool] for i in range(0, n, pool))])
        batches = [order[i:i + bs] for i in range(0, n, bs)]
        if self.drop_last and len(batches[-1]) < bs:
            batches.pop()
        if self.shuffle:
            batches = [batches[i] for i in self._rng.permutation(len(batches))]
        yield from batches


def pad_batch(sequences, padding_value=0, batch_first: bool = False):
    """(list of (L_i, *) arrays) → padded (T, B, *) array and lengths (B,) int64."""
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)
    first = np.asarray(sequences[0])
    out = np.full((len(sequences), int(lengths.max()), *first.shape[1:]), padding_value,
                  dtype=first.dtype)
    for b, s in enumerate(sequences):
        out[b, :len(s)] = s
    return (out if batch_first else np.ascontiguousarray(np.swapaxes(out, 0, 1))), lengths


class BucketLoader:
    """Padded batches of similar-length sequences: yields ``(x, lengths, y)``.

    Args:
        sequences: list of (L_i, *) arrays (token ids or features).
        targets: one per sequence: a label/array (stacked into y (B, …)), or, when every
            target is as long as its sequence, per-step targets (padded like x into y (T, B, …));
            None yields ``(x, lengths)``.
        padding_value / target_padding: what fills the padded steps of x / of per-step targets.
        batch_first: x (and per-step y) as (B, T, *).
        Other args as ``BucketBatchSampler``.
    """

    def __init__(self, sequences, targets=None, batch_size: int = 32, shuffle: bool = True,
                 drop_last: bool = False, pool_size: int = 50, seed=None, padding_value=0,
                 target_padding=0, batch_first: bool = False):
        self.sequences = [np.asarray(s) for s in sequences]
        if targets is not None and len(targets) != len(self.sequences):
            raise ValueError(f"BucketLoader: {len(self.sequences)} sequences but "
                             f"{len(targets)} targets.")
        self.targets = None if targets is None else [np.asarray(t) for t in targets]
        # per-step targets (many-to-many) when every target is as long as its sequence
        self.per_step = self.targets is not None and all(
            t.ndim >= 1 and len(t) == len(s) for t, s in zip(self.targets, self.sequences))
        self.sampler = BucketBatchSampler([len(s) for s in self.sequences], batch_size, shuffle,
                                          drop_last, pool_size, seed)
        self.padding_value, self.target_padding = padding_value, target_padding
        self.batch_first = batch_first

    def __len__(self) -> int:
        return len(self.sampler)

    def __iter__(self):
        for idx in self.sampler:
            x, lengths = pad_batch([self.sequences[i] for i in idx], self.padding_value,
                                   self.batch_first)
            if self.targets is None:
                yield Tensor(x), lengths
                continue
            ts = [self.targets[i] for i in idx]
            y = (pad_batch(ts, self.target_padding, self.batch_first)[0] if self.per_step
                 else np.stack(ts))
            yield Tensor(x), lengths, Tensor(y)
