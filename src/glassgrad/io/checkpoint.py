"""Training checkpoints: everything needed to continue a run bit for bit.

A checkpoint holds the model's, optimizer's and scheduler's ``state_dict``, the epoch and step
counters, the ``History``, EVERY random state (glassgrad's generator behind init, dropout and
shuffling; Python's ``random``; NumPy's legacy global generator; each DataLoader's own
generator) and any ``extra`` JSON-able values. It is written atomically (see ``atomic.py``), so a
crash or ``kill -9`` mid-write leaves the previous checkpoint intact, and it is loaded
all-or-nothing: if any part does not fit, nothing is changed.

Example:
    >>> save_checkpoint("run/last.safetensors", model, opt, epoch=3, step=300, history=hist)
    >>> info = load_checkpoint("run/last.safetensors", model, opt)
    >>> info["epoch"], info["step"]
    (3, 300)
"""

from __future__ import annotations

import math
import random

import numpy as np

from .. import backend
from ..backend import to_numpy
from .serialization import SerializationError, load_with_metadata, save

__all__ = ["save_checkpoint", "load_checkpoint", "rng_state", "set_rng_states",
           "restore_history", "check_finite_state", "CHECKPOINT_FORMAT"]

CHECKPOINT_FORMAT = "glassgrad-checkpoint"


def _loader_rng(loader):
    """A DataLoader's own generator, or None when it draws from glassgrad's global one."""
    return getattr(loader, "_rng", None) if loader is not None else None


def rng_state(loaders=()) -> dict:
    """Every random state a training run draws from (see the module docstring)."""
    return {"glassgrad": backend.get_rng_state(), "python": random.getstate(),
            "numpy_global": np.random.get_state(),
            "loaders": [None if _loader_rng(ld) is None else _loader_rng(ld).bit_generator.state
                        for ld in loaders]}


def set_rng_states(state: dict, loaders=()) -> None:
    """Restore ``rng_state`` 's result (and the given loaders' generators, in order)."""
    backend.set_rng_state(state["glassgrad"])
    random.setstate(state["python"])
    np.random.set_state(state["numpy_global"])
    for loader, s in zip(loaders, state["loaders"]):
        if s is not None:
            _loader_rng(loader).bit_generator.state = s


def check_finite_state(model, what: str = "save_checkpoint") -> None:
    """Raise ``SerializationError`` naming the first parameter or buffer holding NaN/Inf."""
    for name, t in model.state_dict().items():
        a = to_numpy(getattr(t, "data", t))
        if a.dtype.kind in "fc" and not np.isfinite(a).all():
            raise SerializationError(
                f"{what}: {name} contains NaN/Inf; refusing to overwrite the last good "
                "checkpoint with it. Train under detect_anomaly to find the op that produced it.")


def _history_dict(history):
    if history is None or isinstance(history, dict):
        return history
    return history.to_dict()


def restore_history(history, saved: dict | None) -> None:
    """Fill a (new) ``History`` with a checkpoint's record, so a resumed run's History spans
    all epochs (NaN, stored as null, comes back as NaN). Epoch numbers are 1-based; a record
    from before that convention (starting at 0) is renumbered."""
    if not saved:
        return
    epochs = [int(e) for e in saved.get("epoch", [])]
    history.epoch = [e + 1 for e in epochs] if 0 in epochs else epochs
    history.history = {k: [math.nan if v is None else float(v) for v in vals]
                       for k, vals in saved.get("history", {}).items()}
    for key in ("stop_reason", "interrupted", "restored_epoch"):
        if key in saved and hasattr(history, key):
            setattr(history, key, saved[key])


def _model_config(model) -> dict:
    config = {"class": type(model).__name__, "repr": repr(model)}
    get_config = getattr(model, "get_config", None)
    if callable(get_config):
        config["config"] = get_config()
    return config


def save_checkpoint(path, model, optimizer=None, scheduler=None, epoch: int = 0, step: int = 0,
                    history=None, extra=None, loaders=(), allow_nonfinite: bool = False) -> None:
    """Write a complete, atomic training checkpoint to ``path`` (``.safetensors`` or ``.npz``).

    Args:
        path: the file; replaced atomically (the old one survives a crash mid-write).
        model: the ``nn.Module``.
        optimizer, scheduler: their ``state_dict`` s are saved (None: skipped).
        epoch: completed epochs (a resumed ``fit`` starts at this epoch index).
        step: completed optimizer steps (batches).
        history: a ``History`` or its ``to_dict()``.
        extra: any JSON-able values (and arrays) to keep alongside.
        loaders: DataLoaders whose own generators (``seed=``) must be restored on resume.
        allow_nonfinite: by default a model holding NaN/Inf is refused (SerializationError),
            so a diverged run never overwrites its last good checkpoint.
    """
    if not allow_nonfinite:
        check_finite_state(model)
    state = {"format": CHECKPOINT_FORMAT, "epoch": int(epoch), "step": int(step),
             "model": model.state_dict(),
             "optimizer": None if optimizer is None else optimizer.state_dict(),
             "scheduler": None if scheduler is None else scheduler.state_dict(),
             "history": _history_dict(history), "rng": rng_state(loaders), "extra": extra,
             "optimizer_class": None if optimizer is None else type(optimizer).__name__,
             "scheduler_class": None if scheduler is None else type(scheduler).__name__}
    save(state, path, config=_model_config(model), kind="checkpoint")


def _check(state, path: str, optimizer, scheduler, loaders) -> None:
    keys = ("format", "epoch", "step", "model", "optimizer", "scheduler", "history", "rng")
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise SerializationError(f"{path}: not a glassgrad checkpoint (written by "
                                 "save_checkpoint); for a plain state file use glassgrad.load.")
    missing = [k for k in keys if k not in state]
    if missing:
        raise SerializationError(f"{path}: checkpoint lacks {missing}; the file is damaged.")
    if optimizer is not None and state["optimizer"] is None:
        raise SerializationError(f"{path}: the checkpoint holds no optimizer state, but an "
                                 "optimizer was given to restore.")
    for what, obj in (("optimizer", optimizer), ("scheduler", scheduler)):
        saved_cls = state.get(f"{what}_class")
        if obj is not None and saved_cls is not None and saved_cls != type(obj).__name__:
            raise SerializationError(
                f"{path}: the checkpoint holds {saved_cls} state but the {what} given is a "
                f"{type(obj).__name__}; its settings and running averages do not carry over. "
                f"Resume with a {saved_cls}, or start a new run from the weights alone "
                "(glassgrad.train.load_weights).")
    if scheduler is not None and state["scheduler"] is None:
        raise SerializationError(f"{path}: the checkpoint holds no scheduler state, but a "
                                 "scheduler was given to restore.")
    saved = state["rng"].get("loaders", []) if isinstance(state["rng"], dict) else None
    if saved is None or len(saved) < len(loaders):
        raise SerializationError(f"{path}: the checkpoint has random states for "
                                 f"{len(saved or [])} DataLoader(s) but {len(loaders)} given.")
    for i, (loader, s) in enumerate(zip(loaders, saved)):
        if s is not None and _loader_rng(loader) is None:
            raise SerializationError(
                f"{path}: DataLoader {i} was saved with its own generator (seed=...) but the "
                "one given draws from the global generator; build it with a seed as before.")


def load_checkpoint(path, model=None, optimizer=None, scheduler=None, loaders=(),
                    restore_rng: bool = True, strict: bool = True) -> dict:
    """Restore a ``save_checkpoint`` file into the given objects, all or nothing.

    Args:
        path: the checkpoint file.
        model, optimizer, scheduler: objects to load into (None: not restored).
        loaders: DataLoaders (same order as when saved) whose generators to restore.
        restore_rng: also restore every global random state (needed to resume bit for bit).
        strict: passed to ``model.load_state_dict``.

    Returns:
        ``{"epoch", "step", "history" (dict or None), "extra", "metadata"}``.

    Raises:
        SerializationError: not a checkpoint, damaged, or unsafe; StateDictError / ValueError:
        the states do not fit the objects. In every case nothing was changed.
    """
    state, meta = load_with_metadata(path)
    path = str(path)
    _check(state, path, optimizer, scheduler, loaders)
    undo = []  # NOTE: snapshots taken before each change, replayed in reverse on failure
    try:
        if model is not None:
            snap = {k: np.array(to_numpy(v.data), copy=True)
                    for k, v in model.state_dict().items()}
            model.load_state_dict(state["model"], strict=strict)
            undo.append(lambda: model.load_state_dict(snap))
        if optimizer is not None:
            opt_snap = optimizer.state_dict()
            optimizer.load_state_dict(state["optimizer"])
            undo.append(lambda: optimizer.load_state_dict(opt_snap))
        if scheduler is not None:
            sched_snap = scheduler.state_dict()
            scheduler.load_state_dict(state["scheduler"])
            undo.append(lambda: scheduler.load_state_dict(sched_snap))
        if restore_rng:
            rng_snap = rng_state(loaders)
            set_rng_states(state["rng"], loaders)
            undo.append(lambda: set_rng_states(rng_snap, loaders))
    except BaseException:
        for fn in reversed(undo):
            fn()
        raise
    return {"epoch": state["epoch"], "step": state["step"], "history": state["history"],
            "extra": state.get("extra"), "metadata": meta}
