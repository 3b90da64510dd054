"""Callbacks: objects ``fit`` calls at fixed points of the loop, with Keras's hook names.

Order of calls in ``fit`` (``logs`` is a dict of floats)::

    on_train_begin(logs)
      on_epoch_begin(epoch, logs)
        on_train_batch_begin(step, logs)   # logs: {"batch": step, "size": B}
        on_train_batch_end(step, logs)     # logs: {"batch", "size", "loss"}
        ...
        on_test_begin(logs) / on_test_batch_begin / on_test_batch_end / on_test_end(logs)
      on_epoch_end(epoch, logs)            # logs: loss, <metric>, val_loss, val_<metric>, lr
    on_train_end(logs)                     # logs: the last epoch's logs

``evaluate`` calls only the ``on_test_*`` hooks, ``predict`` the ``on_predict_*`` ones. A callback
stops training by setting ``self.model.stop_training = True`` (checked after every batch and
every epoch). The ``epoch`` and ``step`` hook arguments are 0-based indices, as in Keras;
everything shown or stored (History, files, messages) numbers epochs and batches from 1.
"""

from __future__ import annotations

import csv
import inspect
import io
import math
import os
import re

__all__ = ["Callback", "CallbackList", "LambdaCallback", "TerminateOnNaN", "CSVLogger",
           "LearningRateScheduler", "SchedulerCallback", "StopWhen"]

HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
         "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
         "on_test_batch_begin", "on_test_batch_end", "on_predict_begin", "on_predict_end",
         "on_predict_batch_begin", "on_predict_batch_end")


class Callback:
    """Base class: override the hooks you need. ``self.model``, ``self.params`` and
    ``self.optimizer`` are set by ``fit`` before ``on_train_begin``."""

    def __init__(self):
        self.model = None
        self.params: dict = {}
        self.optimizer = None

    def set_model(self, model):
        self.model = model

    def set_params(self, params: dict):
        self.params = params

    def on_train_begin(self, logs=None): pass
    def on_train_end(self, logs=None): pass
    def on_epoch_begin(self, epoch, logs=None): pass
    def on_epoch_end(self, epoch, logs=None): pass
    def on_train_batch_begin(self, batch, logs=None): pass
    def on_train_batch_end(self, batch, logs=None): pass
    def on_test_begin(self, logs=None): pass
    def on_test_end(self, logs=None): pass
    def on_test_batch_begin(self, batch, logs=None): pass
    def on_test_batch_end(self, batch, logs=None): pass
    def on_predict_begin(self, logs=None): pass
    def on_predict_end(self, logs=None): pass
    def on_predict_batch_begin(self, batch, logs=None): pass
    def on_predict_batch_end(self, batch, logs=None): pass


class CallbackList:
    """Calls a hook on every callback in order: ``cbs.on_epoch_end(epoch, logs)``."""

    def __init__(self, callbacks=(), model=None, params=None, optimizer=None):
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks must be Callback instances, got "
                                f"{type(cb).__name__}; wrap a function in LambdaCallback.")
            cb.set_model(model)
            cb.set_params(params or {})
            cb.optimizer = optimizer

    def __getattr__(self, name):
        if name not in HOOKS:
            raise AttributeError(name)

        def call(*args):
            for cb in self.callbacks:
                getattr(cb, name)(*args)

        return call


class LambdaCallback(Callback):
    """A callback from plain functions: ``LambdaCallback(on_epoch_end=lambda e, logs: ...)``.

    Keyword arguments are hook names (``on_epoch_end``, ``on_train_batch_end``, ...); each
    function takes the hook's arguments. Keras's short names ``on_batch_begin/end`` also work.
    """

    def __init__(self, **hooks):
        super().__init__()
        for name, fn in hooks.items():
            name = {"on_batch_begin": "on_train_batch_begin",
                    "on_batch_end": "on_train_batch_end"}.get(name, name)
            if name not in HOOKS:
                raise TypeError(f"LambdaCallback: unknown hook {name!r}; hooks are {HOOKS}.")
            setattr(self, name, fn)


class TerminateOnNaN(Callback):
    """Stop at once (after the batch) when the batch loss becomes NaN or infinite."""

    def __init__(self):
        super().__init__()
        self.stopped_batch = None

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            self.stopped_batch = batch
            self.model.stop_training = True
            self.model._stop_reason = f"TerminateOnNaN: loss {loss} at batch {batch + 1}"


class CSVLogger(Callback):
    """Write one CSV row per epoch (``epoch,loss,...``; epochs numbered from 1), rewriting the
    file atomically after every epoch, so a crashed or interrupted run keeps every finished
    epoch and never leaves a torn line.

    Args:
        filename: the CSV path.
        separator: field separator.
        append: keep an existing file's rows (a resumed run) instead of overwriting it.
    """

    def __init__(self, filename, separator: str = ",", append: bool = False):
        super().__init__()
        self.filename, self.sep, self.append = os.fspath(filename), separator, append
        self.keys, self._text = None, ""

    def on_train_begin(self, logs=None):
        self._text = ""
        if self.append and os.path.exists(self.filename):
            with open(self.filename, newline="") as f:
                self._text = f.read()
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        from ..io.atomic import atomic_write_text

        logs = logs or {}
        buf = io.StringIO(newline="")
        writer = csv.writer(buf, delimiter=self.sep)
        if self.keys is None:
            self.keys = sorted(logs, key=_key_order)
            if not self._text:
                writer.writerow(["epoch", *self.keys])
        writer.writerow([epoch + 1, *(logs.get(k, "") for k in self.keys)])
        self._text += buf.getvalue()
        atomic_write_text(self.filename, self._text)


def _key_order(k: str):
    """loss first, then metrics, then val_ twins, lr last.

    NOTE: Keras's CSVLogger sorts the keys alphabetically (``accuracy,loss,val_...``); this
    order reads better and ``csv.DictReader`` users see no difference."""
    return (k == "lr", k.startswith("val_"), k != "loss" and k != "val_loss", k)


def _set_lr(optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = float(lr)


def _accepts_two_args(fn) -> bool:
    """Whether ``fn(epoch, lr)`` is a valid call (Keras falls back to ``fn(epoch)``).

    NOTE: decided from the signature, not by catching TypeError, so a TypeError raised inside
    the user's schedule is never mistaken for the one-argument form."""
    try:
        inspect.signature(fn).bind(0, 0.0)
    except TypeError:
        return False
    except ValueError:  # no signature (some builtins): assume Keras's (epoch, lr) form
        return True
    return True


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of every epoch from ``schedule(epoch, lr) -> lr``.

    As in Keras, a schedule of the epoch alone, ``schedule(epoch) -> lr``, works too.

    Example: ``LearningRateScheduler(lambda epoch, lr: lr * 0.95)``.
    """

    def __init__(self, schedule, verbose: int = 0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler: schedule must be a function "
                            f"(epoch, lr) -> lr or epoch -> lr, got {type(schedule).__name__}.")
        self.schedule, self.verbose = schedule, verbose
        self._takes_lr = _accepts_two_args(schedule)

    def on_epoch_begin(self, epoch, logs=None):
        lr = float(self.optimizer.param_groups[0]["lr"])
        new = float(self.schedule(epoch, lr) if self._takes_lr else self.schedule(epoch))
        if not math.isfinite(new) or new < 0:
            raise ValueError(f"LearningRateScheduler: schedule returned lr={new} at epoch {epoch}.")
        _set_lr(self.optimizer, new)
        if self.verbose and new != lr:
            print(f"Epoch {epoch + 1}: LearningRateScheduler set the learning rate to {new:.6g}.")


class SchedulerCallback(Callback):
    """Step a ``glassgrad.optim.lr_scheduler`` scheduler once per epoch (or per batch).

    ``ReduceLROnPlateau`` (anything whose ``step`` takes a metric) gets ``logs[monitor]``.

    Args:
        scheduler: the scheduler (already built on the optimizer ``fit`` uses).
        monitor: the log key fed to plateau schedulers (default ``"val_loss"``, falling back to
            ``"loss"`` when there is no validation data).
        per_batch: step after every batch instead of every epoch (OneCycle-style schedules).
    """

    def __init__(self, scheduler, monitor: str = "val_loss", per_batch: bool = False):
        super().__init__()
        self.scheduler, self.monitor, self.per_batch = scheduler, monitor, per_batch
        self.wants_metric = type(scheduler).__name__ == "ReduceLROnPlateau" or hasattr(
            scheduler, "mode") and hasattr(scheduler, "patience")

    def on_train_batch_end(self, batch, logs=None):
        if self.per_batch:
            self.scheduler.step()

    def on_epoch_end(self, epoch, logs=None):
        if self.per_batch:
            return
        if self.wants_metric:
            logs = logs or {}
            key = self.monitor if self.monitor in logs else "loss"
            if key not in logs:
                raise KeyError(f"SchedulerCallback: monitored key {self.monitor!r} is not in the "
                               f"logs {sorted(logs)}.")
            self.scheduler.step(logs[key])
        else:
            self.scheduler.step()


_CRITERION = re.compile(r"^\s*([A-Za-z_][\w]*)\s*(<=|>=|<|>)\s*([-+0-9.eE]+|nan|inf)\s*$")
_OPS = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


def parse_criterion(text: str):
    """``"loss < 1e-4"`` -> a function ``logs -> bool`` (keys: any epoch log key)."""
    m = _CRITERION.match(text)
    if not m:
        raise ValueError(f"stop_when: cannot read {text!r}; write '<log key> <op> <number>' with "
                         "op one of <, <=, >, >= (e.g. 'loss < 1e-4' or 'val_accuracy >= 0.99').")
    key, op, num = m.group(1), m.group(2), float(m.group(3))

    def criterion(logs):
        if key not in logs:
            raise KeyError(f"stop_when {text!r}: the logs have no {key!r}; keys are "
                           f"{sorted(logs)}.")
        return _OPS[op](logs[key], num)

    criterion.__name__ = text.strip()
    return criterion


class StopWhen(Callback):
    """Stop training at the end of the first epoch where a convergence criterion holds.

    Args:
        criterion: a string ``"loss < 1e-4"`` (``<log key> <op> <number>``, op in < <= > >=),
            a callable ``logs -> bool``, or a list of these (stop when ANY holds).

    With ``SSELoss`` (reduction "sum") the epoch ``loss`` is the summed error over the epoch, so
    ``"loss < 1e-4"`` is the textbook "training SSE below 1e-4" test.
    """

    def __init__(self, criterion):
        super().__init__()
        items = criterion if isinstance(criterion, (list, tuple)) else [criterion]
        self.criteria = []
        for c in items:
            if isinstance(c, str):
                c = parse_criterion(c)
            elif not callable(c):
                raise TypeError(f"stop_when: expected a string like 'loss < 1e-4' or a callable "
                                f"logs -> bool, got {type(c).__name__}.")
            self.criteria.append(c)
        self.stopped_epoch = None

    def on_epoch_end(self, epoch, logs=None):
        for c in self.criteria:
            if c(logs or {}):
                self.stopped_epoch = epoch + 1
                self.model.stop_training = True
                name = getattr(c, "__name__", "criterion")
                self.model._stop_reason = f"stop_when: {name} at epoch {epoch + 1}"
                return
