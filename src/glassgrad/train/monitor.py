"""Callbacks that watch one logged quantity: the shared ``Monitor`` base and ``EarlyStopping``.

Epoch numbers (``best_epoch``, ``stopped_epoch``, ``restored_epoch``) are 1-based, as everything
glassgrad shows or stores: epoch 1 is the first pass over the data (see ``train/__init__``).
"""

from __future__ import annotations

import math

import numpy as np

from .callbacks import Callback

__all__ = ["EarlyStopping", "Monitor", "resolve_mode", "expected_log_keys", "check_log_key"]

HIGHER_IS_BETTER = ("acc", "accuracy", "precision", "recall", "f1", "auc", "r2")


def resolve_mode(mode: str, monitor: str) -> str:
    """``"min"`` or ``"max"`` for ``mode`` ``"auto"`` (max for accuracy-like names)."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}.")
    if mode != "auto":
        return mode
    base = monitor[4:] if monitor.startswith("val_") else monitor
    return "max" if any(base == h or base.startswith(h + "_") for h in HIGHER_IS_BETTER) \
        else "min"


def expected_log_keys(metrics=(), validation: bool = False, lr: bool = True) -> list[str]:
    """The keys ``fit`` puts into every epoch's logs: loss, the metrics, their ``val_``
    twins when there is validation data, and ``lr``."""
    base = ["loss", *metrics]
    return base + ([f"val_{k}" for k in base] if validation else []) + (["lr"] if lr else [])


def check_log_key(key, params: dict | None, what: str) -> None:
    """Raise ValueError BEFORE training when ``key`` is not a key ``fit`` will log (``params``
    is what ``fit`` passes to callbacks; without ``log_keys`` nothing is checked)."""
    keys = (params or {}).get("log_keys")
    if keys is None or key in keys:
        return
    hint = (" (val_* keys need validation data: pass val=... or validation_split=...)"
            if str(key).startswith("val_") and f"{key}"[4:] in keys else "")
    raise ValueError(f"{what}: {key!r} will never be in the logs{hint}; the logged keys are "
                     f"{', '.join(keys)}.")


class Monitor(Callback):
    """Base of callbacks that compare a logged value with the best so far."""

    def __init__(self, monitor, mode, min_delta=0.0):
        super().__init__()
        if not isinstance(monitor, str):
            raise ValueError(f"{type(self).__name__}: monitor must be a log key such as "
                             f"'val_loss', got {monitor!r}.")
        self.monitor, self.mode = monitor, resolve_mode(mode, monitor)
        self.min_delta = abs(float(min_delta))
        self.best = self._worst()

    def _worst(self) -> float:
        return math.inf if self.mode == "min" else -math.inf

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


class EarlyStopping(Monitor):
    """Stop when a monitored quantity has stopped improving; restore the best weights.

    Args:
        monitor: log key to watch (``"val_loss"``, ``"val_accuracy"``, ``"loss"``, ...); a key
            ``fit`` will never log is an error before the first epoch.
        patience: stop at the end of the ``patience``-th epoch in a row without improvement
            (Keras's count; 0 and 1 both stop at the first such epoch, never at epoch 1).
        min_delta: an improvement smaller than this does not count.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (max for accuracy/precision/recall/f1/r2).
        baseline: the patience counter restarts only on epochs that beat this value, so
            training stops after ``patience`` epochs unless the model gets past it.
        restore_best_weights: at the end of training, WHATEVER ended it (this callback, another
            one, the last epoch, Ctrl-C, a non-finite loss), load the weights of the best epoch
            and record it as ``History.restored_epoch``. Default True (NOTE: Keras's default is
            False; ours is True because it is what users want).
        start_from_epoch: epochs of warm-up during which nothing is monitored.
        verbose: print a line when stopping and when restoring.

    Attributes:
        best, best_epoch, stopped_epoch (None if it did not stop), restored_epoch: 1-based.
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
        if baseline is not None and (isinstance(baseline, bool) or
                                     not isinstance(baseline, (int, float))):
            raise ValueError(f"EarlyStopping: baseline must be a number, got {baseline!r}.")
        if not isinstance(restore_best_weights, bool):
            raise ValueError(f"EarlyStopping: restore_best_weights must be true or false, got "
                             f"{restore_best_weights!r}.")
        super().__init__(monitor, mode, min_delta)
        self.patience, self.baseline = int(patience), baseline
        self.restore_best_weights, self.start_from_epoch = restore_best_weights, start_from_epoch
        self.verbose = verbose
        self._reset()

    def _reset(self):
        self.wait, self.best = 0, self._worst()
        self.best_epoch, self.best_weights = None, None
        self.stopped_epoch = self.restored_epoch = None

    def on_train_begin(self, logs=None):
        check_log_key(self.monitor, self.params, "EarlyStopping(monitor=...)")
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        # NOTE: Keras's algorithm step for step: ``wait`` counts epochs since the last
        # improvement, so patience=3 stops at the 3rd epoch in a row without one.
        from .checkpoint import snapshot_weights

        if epoch < self.start_from_epoch:
            return
        value = self._value(logs)
        if self.restore_best_weights and self.best_weights is None:
            # if nothing ever improves (NaN, or never beating the baseline) restore this epoch
            self.best_weights, self.best_epoch = snapshot_weights(self.model), epoch + 1
        self.wait += 1
        if self._improved(value, self.best):
            self.best, self.best_epoch = value, epoch + 1
            if self.restore_best_weights:
                self.best_weights = snapshot_weights(self.model)
            # the wait restarts only when the value beats both the best and the baseline
            if self.baseline is None or self._improved(value, float(self.baseline)):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch + 1
            self.model.stop_training = True
            self.model._stop_reason = (f"EarlyStopping: {self.monitor} did not improve for "
                                       f"{self.wait} epoch(s) after epoch {self.best_epoch}")

    @property
    def best_epoch_1(self):  # NOTE: kept for old callers; best_epoch is 1-based now
        return self.best_epoch

    def on_train_end(self, logs=None):
        if self.verbose and self.stopped_epoch is not None:
            print(f"Epoch {self.stopped_epoch}: early stopping.")
        if self.restore_best_weights and self.best_weights is not None:
            from .checkpoint import restore_weights

            restore_weights(self.model, self.best_weights)
            self.restored_epoch = self.best_epoch
            if self.verbose:
                print(f"Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch} ({self.monitor} = {self.best:.6g}).")
            history = getattr(self.model, "history", None)
            if history is not None and hasattr(history, "restored_epoch"):
                history.restored_epoch = self.best_epoch

    # ------------------------------------------------------------ checkpointing
    def state_dict(self) -> dict:
        """What a resumed run needs to continue counting exactly (saved by ModelCheckpoint)."""
        return {"wait": self.wait, "best": float(self.best), "best_epoch": self.best_epoch,
                "best_weights": self.best_weights}

    def load_state_dict(self, state: dict) -> None:
        self.wait, self.best, self.best_epoch = state["wait"], state["best"], state["best_epoch"]
        bw = state.get("best_weights")
        self.best_weights = None if bw is None else {
            k: np.array(getattr(v, "data", v), copy=True) for k, v in bw.items()}
