"""Weights and checkpoints on disk: ``save_weights``/``load_weights``, the ``ModelCheckpoint``
callback (Keras's names) and ``resume_fit``, which ``fit(resume_from=path)`` uses.

There is ONE checkpoint format, ``glassgrad.io.save_checkpoint``'s: model, optimizer (and its
class), lr scheduler, epoch and step counters, History, every random state and the state of
the callbacks that count (EarlyStopping, ModelCheckpoint). Every file goes through
``glassgrad.io``'s atomic writer, and none is ever written from NaN/Inf parameters.

``load_weights`` reads any of: ``save_weights`` / ``ModelCheckpoint(save_weights_only=True)``
files, ``glassgrad.save(model.state_dict(), path)`` files, full checkpoints (their model part)
and plain ``numpy.savez`` files of a state dict.
"""

from __future__ import annotations

import math
import os
import string

import numpy as np

from ..backend import to_numpy
from ..io.atomic import clean_stale_temps
from ..io.checkpoint import (
    CHECKPOINT_FORMAT,
    check_finite_state,
    load_checkpoint,
    restore_history,
    save_checkpoint,
)
from ..io.serialization import SerializationError, load_with_metadata, save
from .monitor import EarlyStopping, Monitor, check_log_key

__all__ = ["snapshot_weights", "restore_weights", "save_weights", "load_weights",
           "EarlyStopping", "ModelCheckpoint", "Checkpoint", "resume_fit"]


def snapshot_weights(model) -> dict:
    """A deep copy of ``model.state_dict()`` as NumPy arrays (parameters and buffers)."""
    return {k: np.array(to_numpy(getattr(v, "data", v)), copy=True)
            for k, v in model.state_dict().items()}


def restore_weights(model, snapshot: dict) -> None:
    """Load a ``snapshot_weights`` result back into ``model`` (strict: same architecture)."""
    model.load_state_dict(snapshot)


def save_weights(model, path) -> None:
    """Write ``model.state_dict()`` to ``path`` (``.npz`` or ``.safetensors``) atomically, in
    ``glassgrad.save``'s format (``numpy.load`` reads the ``.npz`` too: one array per dotted
    name). Refuses (SerializationError) a model holding NaN/Inf, so a diverged run never
    replaces good weights."""
    check_finite_state(model, "save_weights")
    save(model.state_dict(), path, kind="weights")


def _model_part(state, meta: dict, path: str):
    if isinstance(state, dict) and state.get("format") == CHECKPOINT_FORMAT:
        return state["model"]
    if isinstance(state, dict) and meta.get("kind") == "checkpoint" and "model" in state:
        return state["model"]
    if isinstance(state, dict) and state and all(not isinstance(v, dict) for v in state.values()):
        return state
    raise SerializationError(f"load_weights: {path} holds no model state dict (keys "
                             f"{sorted(state)[:5] if isinstance(state, dict) else type(state)}).")


def load_weights(model, path, strict: bool = True):
    """Load weights into ``model`` from any file listed in the module docstring; returns what
    ``model.load_state_dict`` returns (missing/unexpected keys when ``strict=False``)."""
    path = os.fspath(path)
    state, meta = load_with_metadata(path)
    return model.load_state_dict(_model_part(state, meta, path), strict=strict)


def _format_fields(filepath: str) -> list[str]:
    try:
        return [f.split(".")[0].split("[")[0]
                for _, f, _, _ in string.Formatter().parse(filepath) if f]
    except ValueError as e:
        raise ValueError(f"ModelCheckpoint: cannot read the file name {filepath!r} ({e}); use "
                         "fields such as {epoch:03d} or {val_loss:.2f}.") from None


class ModelCheckpoint(Monitor):
    """Save a full, resumable checkpoint (or only the weights) at the end of epochs.

    Args:
        filepath: ``*.npz`` or ``*.safetensors``; may contain ``{epoch}`` (1-based) and any log
            key with a format, e.g. ``"ckpt/e{epoch:03d}-{val_loss:.2f}.npz"``. A field that
            ``fit`` will never log is an error before the first epoch.
        monitor: the log key ``save_best_only`` compares (default ``"val_loss"``).
        verbose: print a line per save and per refused save.
        save_best_only: write only when ``monitor`` improves on the best so far.
        save_weights_only: write ``model.state_dict()`` only (``load_weights`` reads it);
            default False: a full checkpoint that ``fit(resume_from=path)`` continues bit for
            bit (model, optimizer, scheduler, epoch, History, random states, callback states).
        mode: ``"min"``, ``"max"`` or ``"auto"``; min_delta: as ``EarlyStopping``.
        save_freq: ``"epoch"`` (every epoch) or N: every N-th epoch (NOTE: Keras counts batches
            for an int; a checkpoint here is always at an epoch's end, so it resumes exactly).
        initial_value_threshold: with ``save_best_only``, save only values better than this.
        scheduler: the lr scheduler to save (default: the one a ``SchedulerCallback`` among
            ``fit``'s callbacks steps).
        loaders: more DataLoaders whose own generators to save (fit's own is included).

    A checkpoint is never written from NaN/Inf weights or logs: the epoch is recorded in
    ``skipped`` and the file keeps the last good state. Attributes: ``saved`` (paths written),
    ``skipped`` ((epoch, reason) pairs, 1-based), ``step`` (optimizer steps so far).
    """

    _write_last = True  # NOTE: fit runs it after the other callbacks' on_epoch_end (see fit)

    def __init__(self, filepath, monitor: str = "val_loss", verbose: int = 0,
                 save_best_only: bool = False, save_weights_only: bool = False,
                 mode: str = "auto", save_freq="epoch", min_delta: float = 0.0,
                 initial_value_threshold: float | None = None, scheduler=None, loaders=()):
        super().__init__(monitor, mode, min_delta)
        self.filepath = os.fspath(filepath)
        ext = os.path.splitext(self.filepath)[1].lower()
        if ext not in (".npz", ".safetensors"):
            raise ValueError(f"ModelCheckpoint: {self.filepath!r} must end in .npz or "
                             ".safetensors (glassgrad never writes pickles such as .h5/.keras/"
                             ".pt files).")
        self.fields = _format_fields(self.filepath)
        if save_freq == "epoch":
            save_freq = 1
        if isinstance(save_freq, bool) or not isinstance(save_freq, int) or save_freq < 1:
            raise ValueError(f"ModelCheckpoint: save_freq must be 'epoch' or a positive int "
                             f"(epochs), got {save_freq!r}.")
        for key, v in (("save_best_only", save_best_only),
                       ("save_weights_only", save_weights_only)):
            if not isinstance(v, bool):
                raise ValueError(f"ModelCheckpoint: {key} must be True or False, got {v!r}.")
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        self.save_freq, self.verbose = save_freq, verbose
        self.initial_value_threshold = initial_value_threshold
        self.scheduler, self.loaders = scheduler, list(loaders)
        self.saved: list[str] = []
        self.skipped: list[tuple[int, str]] = []
        self.step = 0

    def on_train_begin(self, logs=None):
        folder = os.path.dirname(os.path.abspath(self.filepath))
        if "{" not in folder:  # NOTE: a killed earlier run may have left its temporary file
            clean_stale_temps(folder)
        for field in self.fields:
            if field != "epoch":
                check_log_key(field, self.params, f"ModelCheckpoint: file name field {{{field}}}")
        if self.save_best_only:
            check_log_key(self.monitor, self.params, "ModelCheckpoint(monitor=...)")
        t = self.initial_value_threshold
        self.best = self._worst() if t is None else float(t)

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1

    def _why_not(self, logs) -> str | None:
        bad = sorted(k for k, v in logs.items() if isinstance(v, float) and not math.isfinite(v))
        if bad:
            return f"non-finite {', '.join(bad)} in the epoch's logs"
        try:
            check_finite_state(self.model, "ModelCheckpoint")
        except SerializationError as e:
            return str(e).split(";")[0]
        return None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if (epoch + 1) % self.save_freq:
            return
        why = self._why_not(logs)
        if why is not None:
            self.skipped.append((epoch + 1, why))
            if self.verbose:
                print(f"Epoch {epoch + 1}: checkpoint NOT saved ({why}); the last file keeps "
                      "the last good state.")
            return
        if self.save_best_only:
            value = self._value(logs)
            if not self._improved(value, self.best):
                return
            self.best = value
        path = self.filepath.format(epoch=epoch + 1, **logs)
        if self.save_weights_only:
            save_weights(self.model, path)
        else:
            save_checkpoint(path, self.model, self.optimizer, self._scheduler(), epoch=epoch + 1,
                            step=self.step, history=getattr(self.model, "history", None),
                            loaders=self._loaders(), extra=self._extra())
        self.saved.append(path)
        if self.verbose:
            what = "weights" if self.save_weights_only else "checkpoint"
            print(f"Epoch {epoch + 1}: saved {what} to {path}")

    def _scheduler(self):
        if self.scheduler is not None:
            return self.scheduler
        found = _schedulers(self.params.get("callbacks", ()))
        return found[0] if len(found) == 1 else None

    def _loaders(self) -> list:
        fit_loader = self.params.get("loader")
        extra = [ld for ld in self.loaders if ld is not fit_loader]
        return ([fit_loader] if fit_loader is not None else []) + extra

    def _extra(self) -> dict:
        return {"callbacks": _callback_states(self.params.get("callbacks", ()))}

    def state_dict(self) -> dict:
        return {"best": float(self.best), "step": self.step}

    def load_state_dict(self, state: dict) -> None:
        self.best, self.step = state["best"], state["step"]


class Checkpoint(ModelCheckpoint):
    """``glassgrad.io.Checkpoint``: a ``ModelCheckpoint`` that writes a full checkpoint every
    ``save_freq`` epochs (kept for existing code; new code uses ``ModelCheckpoint``)."""

    def __init__(self, path, scheduler=None, loaders=(), save_freq: int = 1, verbose: int = 0):
        super().__init__(path, monitor="loss", verbose=verbose, save_freq=save_freq,
                         scheduler=scheduler, loaders=loaders)


def _schedulers(callbacks) -> list:
    found = []
    for cb in callbacks:
        s = getattr(cb, "scheduler", None)
        if s is not None and all(s is not t for t in found):
            found.append(s)
    return found


def _callback_states(callbacks) -> list:
    """``[[class name, state], ...]`` of the callbacks that have a ``state_dict``."""
    return [[type(cb).__name__, cb.state_dict()] for cb in callbacks
            if callable(getattr(cb, "state_dict", None)) and hasattr(cb, "load_state_dict")]


def resume_fit(path, model, optimizer, history, loader=None, callbacks=()) -> int:
    """Restore a checkpoint for ``fit``; returns the epoch to start from (the number of
    completed epochs).

    Restores the model, the optimizer (refusing a checkpoint of another optimizer class), the
    scheduler of a ``SchedulerCallback`` among ``callbacks``, every random state, ``loader`` 's
    generator and the History, all or nothing; the saved states of EarlyStopping and
    ModelCheckpoint callbacks are handed to ``callbacks`` (``apply_resumed_states`` loads
    them after ``on_train_begin``).
    """
    path = os.fspath(path)
    state, meta = load_with_metadata(path)
    if not (isinstance(state, dict) and state.get("format") == CHECKPOINT_FORMAT):
        raise SerializationError(
            f"fit(resume_from={path!r}): the file holds weights only (save_weights / "
            "ModelCheckpoint(save_weights_only=True) / glassgrad.save), not a training "
            "checkpoint; load it with glassgrad.train.load_weights(model, path), or write full "
            "checkpoints with ModelCheckpoint(path) to resume.")
    callbacks = list(callbacks or [])
    schedulers = _schedulers(callbacks)
    if len(schedulers) > 1:
        raise ValueError("fit(resume_from=...): more than one lr scheduler among the callbacks; "
                         "a checkpoint stores one.")
    cks = [cb for cb in callbacks if isinstance(cb, ModelCheckpoint)]
    loaders = [loader] if loader is not None else []
    for cb in cks[:1]:  # the saving callback's extra loaders, in the order it saved them
        loaders += [ld for ld in cb.loaders if ld is not loader]
    info = load_checkpoint(path, model, optimizer, schedulers[0] if schedulers else None,
                           loaders=loaders)
    restore_history(history, info["history"])
    extra = info["extra"] if isinstance(info["extra"], dict) else {}
    _hand_out(callbacks, list(extra.get("callbacks") or []))
    return info["epoch"]


def _hand_out(callbacks, states: list) -> None:
    """Give each callback the saved state of the callback of its class at the same rank."""
    pending: dict[str, list] = {}
    for name, state in states:
        pending.setdefault(name, []).append(state)
    for cb in callbacks:
        queue = pending.get(type(cb).__name__)
        if queue and hasattr(cb, "load_state_dict"):
            cb._resumed_state = queue.pop(0)


def apply_resumed_states(callbacks) -> None:
    """Load the states ``resume_fit`` handed out (``fit`` calls it after ``on_train_begin``)."""
    for cb in callbacks:
        state = getattr(cb, "_resumed_state", None)
        if state is not None:
            cb.load_state_dict(state)
            cb._resumed_state = None
