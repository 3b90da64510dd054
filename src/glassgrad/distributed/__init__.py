"""Data-parallel training on MPI (mpi4py over MPICH: ``pip install 'glassgrad[mpi]'``).

Run any script or the CLI under ``mpiexec -n N``; each of the N processes (ranks) holds the
whole model and trains on its contiguous 1/N of every global batch::

    mpiexec -n 2 glassgrad train run.toml          # the CLI: batch_size is the GLOBAL batch

    import glassgrad.distributed as dist           # your own script, run with mpiexec
    history = train.fit(model, loss, opt, (X, y), epochs=5, batch_size=128, seed=0,
                        distributed=True)          # rank 0's logs == every rank's logs

Building blocks for your own loop: ``init/rank/size``, ``ShardedLoader`` (this rank's share
of every global batch), ``broadcast_parameters`` and ``broadcast_optimizer_state`` (start
equal), ``DistributedOptimizer`` (one Allreduce of all gradients per step), ``average_metrics``,
``allreduce``/``broadcast``/``allgather`` of arrays, ``any_rank``/``all_ranks`` (collective
decisions) and ``check_consistency`` (refuse mismatched models instead of hanging).

Without ``mpiexec`` (or without mpi4py) everything works with one rank: collectives return
their input. Semantics, costs and measurements: docs/howto/distributed.md.
"""

from .comm import (
    MPI_HINT,
    Communicator,
    DistributedError,
    all_ranks,
    allgather,
    allreduce,
    any_rank,
    broadcast,
    get_comm,
    init,
    launched_size,
    rank,
    size,
)
from .fit import DataParallel
from .optimizer import DistributedOptimizer, GradientReducer
from .sharding import ShardedLoader, check_batches, shard_range
from .sync import (
    average_buffers,
    average_metrics,
    broadcast_optimizer_state,
    broadcast_parameters,
    check_consistency,
    check_identical,
    model_signature,
)

__all__ = ["MPI_HINT", "Communicator", "DistributedError", "init", "get_comm", "rank", "size",
           "launched_size", "allreduce", "broadcast", "allgather", "any_rank", "all_ranks",
           "DataParallel", "DistributedOptimizer", "GradientReducer", "ShardedLoader",
           "shard_range", "check_batches", "check_consistency", "broadcast_parameters",
           "broadcast_optimizer_state", "average_buffers", "average_metrics", "check_identical",
           "model_signature"]
