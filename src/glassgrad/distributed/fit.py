"""What ``fit(..., distributed=...)`` does on every rank (the loop itself stays in train/fit.py).

Start-up (``DataParallel.setup``, before the first batch, after any resume):

1. ``check_consistency``: same parameter names, shapes and dtypes everywhere, else a clear
   error on every rank (no hang);
2. the batch sizes leave every rank at least one sample of every global batch, else an error;
3. parameters, buffers and optimizer state are broadcast from rank 0;
4. ranks > 0 get their own dropout stream (derived from the shared seed and the rank); rank 0
   keeps the single-process stream, so with one rank nothing changes.

Each step (``reduce``): the gradients and the loss, weighted by this rank's share of the
global batch, are summed in ONE Allreduce; the returned loss is the global batch's, so every
rank's callbacks see the same number and a NaN anywhere stops every rank at the same step.

Each epoch (``end_epoch``, ``merge``): BatchNorm statistics are averaged, the weights are
checked bit-identical, and loss totals are summed and outputs gathered, so train, validation
and test metrics are those of the whole data set, identical on every rank.

Decisions (``stop``): ``model.stop_training`` is OR-ed over the ranks after every batch and
epoch, so one rank never leaves the loop while another waits in the next Allreduce.
"""

from __future__ import annotations

import hashlib

import numpy as np

from ..backend import get_rng_state, set_rng_state
from .comm import DistributedError, get_comm
from .optimizer import GradientReducer
from .sharding import ShardedLoader
from .sync import (
    average_buffers,
    broadcast_optimizer_state,
    broadcast_parameters,
    check_consistency,
    check_identical,
)

__all__ = ["DataParallel", "as_data_parallel"]


class DataParallel:
    """Data parallelism for ``fit``: ``fit(..., distributed=DataParallel())`` (or ``True``).

    Args:
        comm: a Communicator or an mpi4py communicator (default: ``init()``, i.e.
            ``COMM_WORLD`` under ``mpiexec``, a size-1 communicator otherwise).
        check_every_epoch: compare a digest of the weights across ranks after every epoch
            (cheap: one hash of the parameters).

    Attributes:
        comm, rank, size: the communicator and this process's place in it.
        resyncs: epochs after which the weights had drifted apart and were re-broadcast from
            rank 0 (expected to stay 0; see ``end_epoch``).
    """

    def __init__(self, comm=None, check_every_epoch: bool = True):
        self.comm = get_comm(comm)
        self.rank, self.size = self.comm.rank, self.comm.size
        self.check_every_epoch = check_every_epoch
        self.reducer = self.loader = None
        self.sum_loss, self.resyncs = False, 0

    def __repr__(self) -> str:
        return f"DataParallel(rank={self.rank}, size={self.size})"

    # ------------------------------------------------------------ start-up
    def setup(self, model, optimizer, loss, loader, val_loader=None):
        """Check, broadcast and shard; returns ``(train_loader, val_loader)`` for this rank."""
        check_consistency(model, optimizer, self.comm)
        self.loader = self._shard(loader, "training", skip_empty=False)
        if val_loader is not None:
            val_loader = self._shard(val_loader, "validation", skip_empty=True)
        broadcast_parameters(model, 0, self.comm)
        broadcast_optimizer_state(optimizer, 0, self.comm)
        self.reducer = GradientReducer([p for g in optimizer.param_groups for p in g["params"]],
                                       self.comm)
        self.sum_loss = getattr(loss, "reduction", "mean") == "sum"
        self._split_rng()
        return self.loader, val_loader

    def _split_rng(self) -> None:
        """Ranks > 0 draw dropout masks from their own stream (rank 0 keeps the shared one)."""
        state = get_rng_state()
        base = self.comm.bcast(int(hashlib.sha256(repr(state).encode()).hexdigest()[:16], 16))
        if self.rank > 0:
            own = np.random.default_rng([base, self.rank]).bit_generator.state
            set_rng_state({"seed": state["seed"], "numpy": own})

    def shard_eval(self, loader):
        """``loader`` (evaluation data) as this rank's shard."""
        return self._shard(loader, "evaluation", skip_empty=True)

    def _shard(self, loader, what: str, skip_empty: bool):
        from ..data import DataLoader

        if not isinstance(loader, DataLoader):
            raise TypeError(f"distributed: the {what} data must be an (X, y) pair, a Dataset or "
                            f"a DataLoader (to shard its global batches), got "
                            f"{type(loader).__name__}.")
        return ShardedLoader(loader, self.comm, skip_empty=skip_empty)

    # ------------------------------------------------------------ every step
    def reduce(self, local_loss: float) -> float:
        """Sum the weighted gradients (and loss) over the ranks; returns the global loss."""
        ld = self.loader
        weight = 1.0 if self.sum_loss else ld.local / ld.total
        value = self.reducer(weight, local_loss)
        expected = float(self.size) if self.sum_loss else 1.0
        if abs(self.reducer.total_weight - expected) > 1e-3 * expected:
            raise DistributedError(
                f"the ranks' gradient weights sum to {self.reducer.total_weight}, not "
                f"{expected}: they are not stepping through the same global batch (different "
                "data sizes or batch sizes on different ranks?).")
        return value

    def stop(self, model) -> bool:
        """``model.stop_training`` OR-ed over all ranks (set on every rank)."""
        model.stop_training = self.comm.any(model.stop_training)
        return model.stop_training

    # ------------------------------------------------------------ every epoch
    def end_epoch(self, model) -> None:
        """Average BatchNorm statistics; make sure every rank holds the same weights."""
        average_buffers(model, self.comm)
        if self.check_every_epoch and not check_identical(model, self.comm):
            # NOTE: the ranks apply the same reduced gradient to the same weights, so this only
            # happens if MPI's sum rounded differently on some rank; rank 0's weights win.
            self.resyncs += 1
            broadcast_parameters(model, 0, self.comm)

    def merge(self, total: float, n: int, outs: list, targets: list, gather: bool):
        """One pass's loss total, sample count and (if ``gather``: metrics are wanted) outputs
        and targets, over ALL ranks, in rank order. Every rank must pass the same ``gather``."""
        buf = np.array([total, n], dtype=np.float64)
        self.comm.allreduce_(buf, "sum")
        if gather:
            outs = self.comm.allgather_arrays(np.concatenate(outs) if outs else None)
            targets = self.comm.allgather_arrays(np.concatenate(targets) if targets else None)
        return float(buf[0]), int(buf[1]), outs, targets


def as_data_parallel(distributed) -> DataParallel:
    """``fit``'s ``distributed=`` argument as a DataParallel: True (``init()``'s communicator),
    a DataParallel, a Communicator or an mpi4py communicator."""
    if isinstance(distributed, DataParallel):
        return distributed
    return DataParallel(None if distributed is True else distributed)
