"""Keeping ranks identical: the start-up consistency check, broadcasts from rank 0, averaged
buffers and metrics.

A data-parallel run is correct only if every rank holds the same model. ``check_consistency``
compares a hash of every parameter's and buffer's name, shape and dtype across ranks BEFORE the
first collective that depends on them, and refuses with an error naming the first difference:
a mismatch would otherwise make ranks call ``Allreduce`` with different buffer sizes, which
hangs or silently reads garbage.
"""

from __future__ import annotations

import hashlib

import numpy as np

from ..backend import get_array_module, to_numpy
from .comm import DistributedError, get_comm

__all__ = ["check_consistency", "broadcast_parameters", "broadcast_optimizer_state",
           "average_buffers", "check_identical", "average_metrics", "model_signature"]


def model_signature(model, optimizer=None) -> list:
    """``[(kind, name, shape, dtype), ...]`` for every parameter and buffer (and, given an
    optimizer, its type and parameter-group sizes): what must agree across ranks."""
    sig = [("param", n, tuple(p.shape), str(p.dtype)) for n, p in model.named_parameters()]
    sig += [("buffer", n, tuple(b.shape), str(b.dtype)) for n, b in model.named_buffers()
            if b is not None]
    if optimizer is not None:
        opt = getattr(optimizer, "optimizer", optimizer)  # a DistributedOptimizer's inner one
        sig.append(("optimizer", type(opt).__name__,
                    tuple(len(g["params"]) for g in opt.param_groups), ""))
    return sig


def _digest(sig) -> str:
    return hashlib.sha256(repr(sig).encode()).hexdigest()


def check_consistency(model, optimizer=None, comm=None) -> None:
    """Refuse (DistributedError, on EVERY rank) unless all ranks hold the same architecture.

    One small allgather of a SHA-256 digest; only on a mismatch are the full signatures
    gathered to name the first difference.
    """
    c = get_comm(comm)
    sig = model_signature(model, optimizer)
    digests = c.allgather(_digest(sig))
    if all(d == digests[0] for d in digests):
        return
    sigs = c.allgather(sig)
    bad = next(r for r, d in enumerate(digests) if d != digests[0])
    detail = f"rank 0 has {len(sigs[0])} entries, rank {bad} has {len(sigs[bad])}"
    for a, b in zip(sigs[0], sigs[bad]):
        if a != b:
            detail = (f"rank 0 has {a[0]} {a[1]!r} {a[2]} {a[3]}, rank {bad} has "
                      f"{b[0]} {b[1]!r} {b[2]} {b[3]}")
            break
    raise DistributedError(
        f"the ranks hold different models or optimizers ({detail}). Every rank must build the "
        "same model (same config and code); no step was taken.")


def _tensors(model):
    yield from (p for _, p in model.named_parameters())
    yield from (b for _, b in model.named_buffers() if b is not None)


def broadcast_parameters(model, root: int = 0, comm=None) -> None:
    """Overwrite every parameter and buffer of ``model`` with rank ``root``'s, in place.

    Call ``check_consistency`` first (``fit(distributed=...)`` does).
    """
    c = get_comm(comm)
    for t in _tensors(model):
        xp = get_array_module(t.data)
        if not t.data.flags.c_contiguous:
            t.data = xp.ascontiguousarray(t.data)
        c.broadcast_(t.data, root)


def broadcast_optimizer_state(optimizer, root: int = 0, comm=None) -> None:
    """Give every rank rank ``root``'s optimizer state (moments, step counts, lr ...).

    Done once at start-up (after a resume, too), so it goes through ``state_dict`` and the
    pickling broadcast; the per-step traffic never does.
    """
    c = get_comm(comm)
    opt = getattr(optimizer, "optimizer", optimizer)
    state = None
    if c.rank == root:
        state = opt.state_dict()
        state["state"] = {i: {k: to_numpy(v) if hasattr(v, "shape") else v
                              for k, v in s.items()} for i, s in state["state"].items()}
    state = c.bcast(state, root=root)
    if c.rank != root:
        opt.load_state_dict(state)  # NOTE: arrays go back onto each parameter's device


def average_buffers(model, comm=None) -> None:
    """Average floating buffers (BatchNorm running statistics) across ranks, in place.

    Each rank's BatchNorm sees only its shard, so its running statistics differ; averaging
    them at the end of each epoch keeps the ranks' models identical.
    """
    c = get_comm(comm)
    for _, b in model.named_buffers():
        if b is None or b.dtype.kind != "f":
            continue
        buf = c.allreduce(b.data, "mean", check=False)
        b.data[...] = buf.astype(b.dtype, copy=False)


def check_identical(model, comm=None) -> bool:
    """True on every rank if all ranks hold bit-identical parameters and buffers.

    One allgather of a digest of the bytes. ``fit`` calls it after every epoch and, should MPI
    ever have reduced in a different order on some rank, re-broadcasts rank 0's weights.
    """
    c = get_comm(comm)
    h = hashlib.sha256()
    for t in _tensors(model):
        h.update(np.ascontiguousarray(to_numpy(t.data)).tobytes())
    digests = c.allgather(h.hexdigest())
    return all(d == digests[0] for d in digests)


def average_metrics(logs: dict, n: int, comm=None) -> dict:
    """Sample-weighted average of each rank's metrics: ``Σ_r n_r·logs_r[k] / Σ_r n_r``.

    Exact for metrics that are means over samples (loss with mean reduction, accuracy, MSE,
    MAE); NOT for ratios such as precision, recall, F1 or R² — ``fit`` and ``evaluate`` gather
    the outputs and compute those once instead. Every rank must pass the same keys.

    Args:
        logs: this rank's ``{name: value}``.
        n: this rank's number of samples (0 is allowed).
    """
    c = get_comm(comm)
    keys = sorted(logs)
    c.check_same(("average_metrics", tuple(keys)), "Every rank must pass the same metric names.")
    buf = np.array([float(n)] + [float(n) * float(logs[k]) if n else 0.0 for k in keys],
                   dtype=np.float64)
    c.allreduce_(buf, "sum")
    total = buf[0]
    if total == 0:
        raise DistributedError("average_metrics: no rank has any sample (n = 0 everywhere).")
    return {k: float(v / total) for k, v in zip(keys, buf[1:])}
