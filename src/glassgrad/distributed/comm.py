"""The communicator: which rank am I, how many are we, and the collectives glassgrad uses.

``init()`` returns the process-wide ``Communicator``. Under ``mpiexec -n N`` it wraps mpi4py's
``MPI.COMM_WORLD``; started any other way (plain ``python``, or mpi4py not installed) it is a
size-1 communicator whose collectives are the identity, so the same script runs alone unchanged.

Every collective here moves arrays with mpi4py's buffer methods (``Allreduce``, ``Bcast``,
``Allgatherv``: no pickling); only small Python values at start-up (names, shapes, optimizer
hyperparameters) use the pickling lower-case methods.

Failure semantics (see docs/howto/distributed.md): ``init()`` installs a ``sys.excepthook`` that
calls ``MPI_Abort`` after printing the traceback, so an exception on one rank ends every rank at
once instead of leaving them blocked in a collective forever. A rank killed outright is noticed
by the launcher (MPICH's Hydra), which then stops the others.
"""

from __future__ import annotations

import contextlib
import os
import sys

import numpy as np

from ..backend import get_array_module, to_numpy
from ..errors import GlassgradError

__all__ = ["Communicator", "DistributedError", "init", "get_comm", "rank", "size",
           "launched_size", "allreduce", "broadcast", "allgather", "any_rank", "all_ranks",
           "MPI_HINT"]

MPI_HINT = ("glassgrad.distributed needs mpi4py and an MPI library, an optional extra: "
            "pip install 'glassgrad[mpi]' (mpi4py + the MPICH wheel, which brings mpiexec).")

# Environment variables MPI launchers set in every process they start: MPICH/Hydra and Intel
# MPI (PMI_SIZE), Open MPI (OMPI_COMM_WORLD_SIZE), PMIx launchers (PMIX_SIZE... not standard,
# so PMIX_RANK only tells "launched"), Slurm's srun with PMI (PMI_SIZE).
_SIZE_VARS = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MPI_LOCALNRANKS", "PMIX_SIZE")
_OPS = ("sum", "mean", "max", "min")


class DistributedError(GlassgradError, RuntimeError):
    """Ranks that disagree (models, data, arguments) or an MPI set-up that cannot work."""


def launched_size() -> int:
    """How many processes the MPI launcher started (1 when not under ``mpiexec``).

    Read from the launcher's environment variables, so it costs nothing and imports nothing.
    """
    for var in _SIZE_VARS:
        value = os.environ.get(var)
        if value and value.isdigit():
            return int(value)
    return 1


class Communicator:
    """A group of ranks training together (rank 0 is the one that writes files).

    Args:
        comm: an mpi4py communicator (``MPI.COMM_WORLD``, ``MPI.COMM_SELF``, a split one), or
            None for a size-1 communicator that needs no MPI at all (its collectives return
            their input).

    Attributes:
        rank, size: this process's index and the number of processes.
        mpi: the mpi4py ``MPI`` module, or None for the size-1 fallback.
    """

    def __init__(self, comm=None):
        self.comm, self.mpi = comm, None if comm is None else _import_mpi()
        self.rank = 0 if comm is None else int(comm.Get_rank())
        self.size = 1 if comm is None else int(comm.Get_size())

    def __repr__(self) -> str:
        kind = "size-1 fallback" if self.mpi is None else "MPI"
        return f"Communicator(rank={self.rank}, size={self.size}, {kind})"

    # ------------------------------------------------------------ arrays (buffer methods)
    def _op(self, op: str):
        if op not in _OPS:
            raise ValueError(f"allreduce: op must be one of {_OPS}, got {op!r}.")
        if self.mpi is None:
            return None
        return {"sum": self.mpi.SUM, "mean": self.mpi.SUM, "max": self.mpi.MAX,
                "min": self.mpi.MIN}[op]

    def allreduce_(self, buf, op: str = "sum"):
        """Reduce a contiguous array IN PLACE across ranks (every rank gets the result; "mean"
        sums here, the caller divides)."""
        mpi_op = self._op(op)
        if self.mpi is not None:
            with _on_host(buf) as host:
                self.comm.Allreduce(self.mpi.IN_PLACE, _buffer(host), op=mpi_op)
        return buf

    def allreduce(self, array, op: str = "sum", check: bool = True):
        """Reduce an array of any shape and numeric dtype across ranks; returns a new array.

        Args:
            array: a NumPy array (or CuPy, see the docs), a Tensor's ``.data``, or a number.
            op: ``"sum"``, ``"mean"`` (sum / size; integers become float64), ``"max"``,
                ``"min"``.
            check: first compare shapes and dtypes across ranks (one small extra collective)
                and raise DistributedError naming them, instead of letting MPI read past a
                shorter buffer. Pass False in hot loops whose shapes are known to agree.
        """
        scalar = np.ndim(array) == 0 and not hasattr(array, "__cuda_array_interface__")
        xp = get_array_module(array) if not scalar else np
        buf = xp.array(array, copy=True, order="C")
        if op == "mean" and buf.dtype.kind in "iub":
            buf = buf.astype(np.float64)
        if check and self.size > 1:
            self.check_same(("allreduce", op, tuple(buf.shape), str(buf.dtype)))
        self.allreduce_(buf, op)
        if op == "mean":
            buf /= self.size
        return buf.item() if scalar else buf

    def broadcast_(self, array, root: int = 0):
        """Overwrite ``array`` (contiguous, same shape and dtype on every rank) with root's."""
        if self.mpi is not None:
            with _on_host(array) as host:
                self.comm.Bcast(_buffer(host), root=root)
        return array

    def allgather_arrays(self, array) -> list:
        """Every rank's array (same trailing shape and dtype, any length), in rank order.

        A rank may pass None (nothing to contribute); ranks that all pass None get ``[]``.
        """
        arr = None if array is None else np.ascontiguousarray(to_numpy(array))
        if self.mpi is None:
            return [] if arr is None else [arr]
        metas = self.comm.allgather(None if arr is None else (arr.shape, str(arr.dtype)))
        given = [m for m in metas if m is not None]
        if not given:
            return []
        tails = {(s[1:], d) for s, d in given}
        if len(tails) != 1:
            raise DistributedError(f"allgather_arrays: ranks hold arrays of different trailing "
                                   f"shapes or dtypes: {metas}.")
        counts = [0 if m is None else int(np.prod(m[0])) for m in metas]
        out = np.empty(sum(counts), dtype=given[0][1])
        send = np.empty(0, dtype=out.dtype) if arr is None else arr.reshape(-1)
        self.comm.Allgatherv(send, [out, counts])
        parts, start = [], 0
        for m, c in zip(metas, counts):
            if m is not None:
                parts.append(out[start:start + c].reshape(m[0]))
            start += c
        return parts

    # ------------------------------------------------------------ small Python values
    def bcast(self, obj, root: int = 0):
        """Root's Python object on every rank (pickled: for small values only)."""
        return obj if self.mpi is None else self.comm.bcast(obj, root=root)

    def allgather(self, obj) -> list:
        """Every rank's Python object, in rank order (pickled: for small values only)."""
        return [obj] if self.mpi is None else self.comm.allgather(obj)

    def check_same(self, value, fix: str = "Every rank must pass the same shape and dtype."):
        """Raise DistributedError on EVERY rank unless ``value`` (small, picklable) is equal on
        all ranks; the message lists each rank's value and ends with ``fix``."""
        values = self.allgather(value)
        if any(v != values[0] for v in values):
            detail = "; ".join(f"rank {r}: {v}" for r, v in enumerate(values))
            raise DistributedError(f"the ranks disagree ({detail}). {fix}")

    # ------------------------------------------------------------ collective decisions
    def any(self, flag) -> bool:
        """True on every rank if ``flag`` is true on ANY rank (e.g. "stop training")."""
        if self.mpi is None:
            return bool(flag)
        buf = np.array([1 if flag else 0], dtype=np.int32)
        self.comm.Allreduce(self.mpi.IN_PLACE, buf, op=self.mpi.MAX)
        return bool(buf[0])

    def all(self, flag) -> bool:
        """True on every rank only if ``flag`` is true on EVERY rank."""
        return not self.any(not flag)

    def barrier(self) -> None:
        if self.mpi is not None:
            self.comm.Barrier()

    def abort(self, code: int = 1) -> None:
        """End every rank now (MPI_Abort); the launcher exits with ``code``."""
        sys.stdout.flush()
        sys.stderr.flush()
        if self.mpi is None:
            os._exit(code)
        self.comm.Abort(code)


@contextlib.contextmanager
def _on_host(array):
    """The array itself for NumPy (or with ``GLASSGRAD_MPI_CUDA_AWARE=1``); for a device array, a
    host copy that is written back afterwards. NOTE: the MPICH wheel is not CUDA-aware, so
    CuPy arrays are staged through host memory unless the user's MPI says otherwise."""
    if isinstance(array, np.ndarray) or os.environ.get("GLASSGRAD_MPI_CUDA_AWARE") == "1":
        yield array
        return
    host = np.ascontiguousarray(to_numpy(array))
    yield host
    array[...] = get_array_module(array).asarray(host)


def _buffer(array):
    """An mpi4py buffer spec for a contiguous array (host, or device with CUDA-aware MPI)."""
    if not (getattr(array, "flags", None) is not None and array.flags.c_contiguous):
        raise ValueError("glassgrad.distributed: MPI buffers must be C-contiguous arrays.")
    return array


def _import_mpi():
    try:
        from mpi4py import MPI
    except ImportError as exc:
        raise ImportError(MPI_HINT) from exc
    return MPI


# ---------------------------------------------------------------- the process-wide communicator

_world: Communicator | None = None
_hook_installed = False


def init(comm=None, abort_on_exception: bool = True) -> Communicator:
    """The process-wide communicator (created on the first call).

    Args:
        comm: an mpi4py communicator to use instead of ``MPI.COMM_WORLD``.
        abort_on_exception: install a ``sys.excepthook`` that prints the traceback and then
            calls ``MPI_Abort``, so an uncaught exception on one rank stops all ranks (only when
            there is more than one).

    Under ``mpiexec -n N`` (N > 1) this imports mpi4py (ImportError with the install hint if
    missing) and wraps ``COMM_WORLD``; otherwise it returns a size-1 communicator without
    initializing MPI.
    """
    global _world
    if comm is not None:
        _world = comm if isinstance(comm, Communicator) else Communicator(comm)
    elif _world is None:
        if launched_size() > 1:
            _world = Communicator(_import_mpi().COMM_WORLD)
        else:
            _world = Communicator(None)
    if abort_on_exception and _world.size > 1:
        _install_excepthook()
    return _world


def get_comm(comm=None) -> Communicator:
    """``comm`` as a Communicator (None or True: ``init()``'s)."""
    if comm is None or comm is True:
        return init()
    return comm if isinstance(comm, Communicator) else Communicator(comm)


def rank() -> int:
    """This process's rank (0 alone)."""
    return init().rank


def size() -> int:
    """The number of ranks (1 alone)."""
    return init().size


def allreduce(array, op: str = "sum", comm=None, check: bool = True):
    """``Communicator.allreduce`` on the process-wide (or given) communicator."""
    return get_comm(comm).allreduce(array, op, check=check)


def broadcast(array, root: int = 0, comm=None):
    """Root's copy of ``array`` on every rank (a new array; ``array`` is left alone)."""
    xp = get_array_module(array)
    buf = xp.array(array, copy=True, order="C")
    c = get_comm(comm)
    if c.size > 1:
        c.check_same(("broadcast", tuple(buf.shape), str(buf.dtype)))
    return c.broadcast_(buf, root)


def allgather(array, comm=None) -> list:
    """``Communicator.allgather_arrays``: every rank's array, in rank order."""
    return get_comm(comm).allgather_arrays(array)


def any_rank(flag, comm=None) -> bool:
    """Collective decision: True everywhere if ``flag`` holds on any rank."""
    return get_comm(comm).any(flag)


def all_ranks(flag, comm=None) -> bool:
    """Collective decision: True everywhere if ``flag`` holds on every rank."""
    return get_comm(comm).all(flag)


def _install_excepthook() -> None:
    global _hook_installed
    if _hook_installed:
        return
    previous = sys.excepthook

    def abort_hook(exc_type, exc, tb):
        try:
            w = _world
            sys.stderr.write(f"glassgrad.distributed: uncaught exception on rank "
                             f"{w.rank if w else '?'}; aborting all ranks.\n")
            previous(exc_type, exc, tb)
        finally:
            if _world is not None:
                _world.abort(1)

    sys.excepthook = abort_hook
    _hook_installed = True
