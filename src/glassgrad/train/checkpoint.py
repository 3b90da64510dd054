"""Weights on disk and in memory, and the two callbacks that use them: EarlyStopping and
ModelCheckpoint.

File format (until ``glassgrad.io`` lands): the model's ``state_dict`` as a NumPy ``.npz``
(``numpy.savez``: one array per dotted parameter name), written to a temporary file and moved
into place with ``os.replace``, so a crash never leaves a half-written file. Loading uses
``allow_pickle=False``.
"""

from __future__ import annotations

import math
import os

import numpy as np

from ..backend import to_numpy
from .callbacks import Callback

__all__ = ["snapshot_weights", "restore_weights", "save_weights", "load_weights",
           "EarlyStopping", "ModelCheckpoint"]


def snapshot_weights(model) -> dict:
    """A deep copy of ``model.state_dict()`` as NumPy arrays (parameters and buffers)."""
    return {k: np.array(to_numpy(getattr(v, "data", v)), copy=True)
            for k, v in model.state_dict().items()}


def restore_weights(model, snapshot: dict) -> None:
    """Load a ``snapshot_weights`` result back into ``model`` (strict: same architecture)."""
    model.load_state_dict(snapshot)


def save_weights(model, path) -> None:
    """Write ``model.state_dict()`` to ``path`` (.npz) atomically."""
    path = os.fspath(path)
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, f".{os.path.basename(path)}.tmp.npz")
    np.savez(tmp, **snapshot_weights(model))
    os.replace(tmp, path)


def load_weights(model, path, strict: bool = True):
    """Load an ``.npz`` written by ``save_weights`` into ``model``; returns missing/unexpected."""
    with np.load(os.fspath(path), allow_pickle=False) as f:
        state = {k: f[k] for k in f.files}
    return model.load_state_dict(state, strict=strict)


def _resolve_mode(mode: str, monitor: str) -> str:
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}.")
    if mode != "auto":
        return mode
    base = monitor[4:] if monitor.startswith("val_") else monitor
    higher = ("acc", "accuracy", "precision", "recall", "f1", "auc", "r2")
    return "max" if any(base == h or base.startswith(h + "_") for h in higher) else "min"


class _Monitor(Callback):
    def __init__(self, monitor, mode, min_delta=0.0):
        super().__init__()
        self.monitor, self.mode = monitor, _resolve_mode(mode, monitor)
        self.min_delta = abs(float(min_delta))
        self.best = math.inf if self.mode == "min" else -math.inf

    def _value(self, logs):
        logs = logs or {}
        if self.monitor not in logs:
            raise KeyError(f"{type(self).__name__}: monitored {self.monitor!r} is not in the "
                           f"logs {sorted(logs)} (val_* keys need validation data).")
        return float(logs[self.monitor])

    def _improved(self, value, reference) -> bool:
        if math.isnan(value):
            return False
        if self.mode == "min":
            return value < reference - self.min_delta
        return value > reference + self.min_delta


class EarlyStopping(_Monitor):
    """Stop when a monitored quantity has stopped improving; restore the best weights.

    Args:
        monitor: log key to watch (``"val_loss"``, ``"val_accuracy"``, ``"loss"``, ...).
        patience: stop at the end of the ``patience``-th epoch in a row without improvement
            (Keras's count; 0 and 1 both stop at the first such epoch, never at epoch 0).
        min_delta: an improvement smaller than this does not count.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (max for accuracy/precision/recall/f1/r2).
        baseline: the patience counter restarts only on epochs that beat this value, so
            training stops after ``patience`` epochs unless the model gets past it.
        restore_best_weights: at the end of training, WHATEVER ended it (this callback, another
            one, the last epoch, Ctrl-C), load the weights of the best epoch. Default True
            (NOTE: Keras's default is False; ours is True because it is what users want).
        start_from_epoch: epochs of warm-up during which nothing is monitored.
        verbose: print a line when stopping and when restoring.

    Attributes:
        best, best_epoch (0-based), stopped_epoch (0-based or None), restored_epoch.
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 0, min_delta: float = 0.0,
                 mode: str = "auto", baseline: float | None = None,
                 restore_best_weights: bool = True, start_from_epoch: int = 0,
                 verbose: int = 0):
        for key, v in (("patience", patience), ("start_from_epoch", start_from_epoch)):
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise ValueError(f"EarlyStopping: {key} must be an integer >= 0, got {v!r}.")
        if not isinstance(min_delta, (int, float)) or isinstance(min_delta, bool):
            raise ValueError(f"EarlyStopping: min_delta must be a number, got {min_delta!r}.")
        super().__init__(monitor, mode, min_delta)
        self.patience, self.baseline = int(patience), baseline
        self.restore_best_weights, self.start_from_epoch = restore_best_weights, start_from_epoch
        self.verbose = verbose

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch, self.best_weights = None, None
        self.stopped_epoch = self.restored_epoch = None

    def on_epoch_end(self, epoch, logs=None):
        # NOTE: Keras's algorithm step for step: ``wait`` counts epochs since the last
        # improvement, so patience=3 stops at the 3rd epoch in a row without one.
        if epoch < self.start_from_epoch:
            return
        value = self._value(logs)
        if self.restore_best_weights and self.best_weights is None:
            # if nothing ever improves (NaN, or never beating the baseline) restore this epoch
            self.best_weights, self.best_epoch = snapshot_weights(self.model), epoch
        self.wait += 1
        if self._improved(value, self.best):
            self.best, self.best_epoch = value, epoch
            if self.restore_best_weights:
                self.best_weights = snapshot_weights(self.model)
            # the wait restarts only when the value beats both the best and the baseline
            if self.baseline is None or self._improved(value, float(self.baseline)):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            self.model._stop_reason = (f"EarlyStopping: {self.monitor} did not improve for "
                                       f"{self.wait} epoch(s) after epoch {self.best_epoch_1}")

    @property
    def best_epoch_1(self):
        return None if self.best_epoch is None else self.best_epoch + 1

    def on_train_end(self, logs=None):
        if self.verbose and self.stopped_epoch is not None:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping.")
        if self.restore_best_weights and self.best_weights is not None:
            restore_weights(self.model, self.best_weights)
            self.restored_epoch = self.best_epoch
            if self.verbose:
                print(f"Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch + 1} ({self.monitor} = {self.best:.6g}).")
            history = getattr(self.model, "history", None)
            if history is not None and hasattr(history, "restored_epoch"):
                history.restored_epoch = self.best_epoch


class ModelCheckpoint(_Monitor):
    """Save the weights (``state_dict`` as ``.npz``) after epochs.

    Args:
        filepath: where to write; may contain ``{epoch}`` (1-based) and log keys, e.g.
            ``"ckpt/epoch{epoch:03d}-{val_loss:.3f}.npz"``.
        monitor, mode, min_delta: as ``EarlyStopping`` (used with ``save_best_only``).
        save_best_only: write only when the monitored value improves (the file then always
            holds the best weights); otherwise write every ``save_freq`` epochs (the last ones).
        save_freq: epochs between saves when not ``save_best_only``.
        verbose: print a line per save.
    """

    def __init__(self, filepath, monitor: str = "val_loss", save_best_only: bool = False,
                 mode: str = "auto", min_delta: float = 0.0, save_freq: int = 1,
                 verbose: int = 0):
        super().__init__(monitor, mode, min_delta)
        self.filepath, self.save_best_only = os.fspath(filepath), save_best_only
        self.save_freq, self.verbose = int(save_freq), verbose
        self.saved: list[str] = []

    def on_train_begin(self, logs=None):
        self.best = math.inf if self.mode == "min" else -math.inf

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.save_best_only:
            value = self._value(logs)
            if not self._improved(value, self.best):
                return
            self.best = value
        elif (epoch + 1) % self.save_freq:
            return
        path = self.filepath.format(epoch=epoch + 1, **logs)
        save_weights(self.model, path)
        self.saved.append(path)
        if self.verbose:
            print(f"Epoch {epoch + 1}: saved weights to {path}")
