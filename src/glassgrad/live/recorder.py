"""``SnapshotRecorder``: a training callback that records snapshots for the static report.

    history = train.fit(model, loss, opt, train=(X, y), epochs=100,
                        callbacks=[live.SnapshotRecorder("runs/moons/live.json")])
    # then: glassgrad report runs/moons   (or live.write_report("runs/moons"))

The default interval is a time budget: a snapshot is taken at an epoch end only when the time
spent on snapshots so far (setting up included), plus what the last one cost, is at most
``budget`` (3%) of the time since training began; so snapshots take about 3% of the training
time on any workload, plus the last one (after training), which is always taken.
``every=N`` takes one every N epochs instead. Beyond ``max_snapshots`` the recorder keeps
every other one (first and last kept) and from then on records every second due snapshot, so
long runs stay evenly covered.
"""

from __future__ import annotations

import json
import os
import time
import warnings

import numpy as np

from ..train.callbacks import Callback
from .snapshot import FORMAT, Snapshotter, probe_batch

FILENAME = "live.json"


class Schedule:
    """When the next snapshot is due: ``every`` epochs, or when the time spent on snapshots so
    far (setup included) plus the last one's cost stays within ``budget`` of the time since
    training began, and ``min_interval`` seconds have passed since the last one."""

    def __init__(self, every: int | None = None, budget: float = 0.03,
                 min_interval: float = 0.0):
        if every is not None and (not isinstance(every, int) or every < 1):
            raise ValueError(f"live view: every must be a positive number of epochs or None "
                             f"(time budget), got {every!r}.")
        if not 0 < budget <= 1:
            raise ValueError(f"live view: budget must be a fraction in (0, 1], got {budget!r}.")
        self.every, self.budget, self.min_interval = every, float(budget), float(min_interval)
        self.begin()

    def begin(self) -> None:
        """Training starts now: nothing spent yet."""
        self.t0 = self.last_end = time.perf_counter()
        self.spent = self.last_cost = 0.0
        self._plan()

    def _plan(self) -> None:
        # spent + last_cost <= budget · (now − t0)  ⟺  now >= t0 + (spent + last_cost) / budget
        self.next_at = max(self.last_end + self.min_interval,
                           self.t0 + (self.spent + self.last_cost) / self.budget)

    def due(self, epochs_done: int | None = None) -> bool:
        if self.every is not None:
            return epochs_done is not None and epochs_done % self.every == 0
        return time.perf_counter() >= self.next_at

    def record(self, start: float) -> None:
        """A snapshot (or the setup) ran from ``start`` until now."""
        self.last_end = time.perf_counter()
        self.last_cost = self.last_end - start
        self.spent += self.last_cost
        self._plan()

    def charge(self, seconds: float) -> None:
        """Count ``seconds`` of other work (the setup) against the budget."""
        self.spent += seconds
        self._plan()

    def shift(self, seconds: float) -> None:
        """``seconds`` that were not training (a pause) do not earn budget."""
        self.t0 += seconds
        self._plan()

    def skip(self) -> None:
        """A due snapshot was skipped (thinning): wait a full interval again."""
        self.last_end = time.perf_counter()
        self._plan()


def loss_of(callback, loss):
    """The loss the callback observes with: given, fit's own (``params["loss"]``) or the
    compiled one; a clear error otherwise."""
    loss = loss if loss is not None else callback.params.get("loss")
    if loss is None:
        loss = getattr(getattr(callback.model, "_compiled", None), "loss", None)
    if loss is None:
        raise ValueError(f"{type(callback).__name__}: no loss known; pass loss=... (the loss "
                         "you train with).")
    return loss


class SnapshotRecorder(Callback):
    """Record snapshots of a fixed probe batch while ``fit`` trains (see the module docstring).

    Args:
        path: write the recording here (JSON) when training ends; a folder gets ``live.json``.
            None: keep it in memory (``.recording()``).
        probe: the probe batch ``(x, y)``; default: ``probe_size`` samples evenly spaced
            through the training data (default 256, fewer for large samples: 31 MNIST images).
        loss: the training loss (default: the one ``fit`` trains with).
        every: take a snapshot every N epochs instead of by time budget.
        budget: the largest fraction of training time snapshots may take (default 0.03).
        sample: the probe sample whose trace, feature maps and hidden states are shown.
        grid: resolution of the neuron maps over the input plane (2-D inputs).
        max_snapshots: thin the recording beyond this many (first and last always kept).
    """

    def __init__(self, path=None, probe=None, loss=None, every: int | None = None,
                 budget: float = 0.03, sample: int = 0, grid: int = 32,
                 probe_size: int | None = None, max_snapshots: int = 100):
        super().__init__()
        if path is not None and os.path.isdir(path):
            path = os.path.join(path, FILENAME)
        self.path, self.probe, self.loss, self.sample = path, probe, loss, sample
        self.grid, self.probe_size, self.max_snapshots = grid, probe_size, max_snapshots
        self.schedule = Schedule(every, budget)
        # NOTE: NumPy imports numpy.ma on the first np.quantile of a process (explain's
        # statistics), 20-70 ms: paid here, when the callback is made, not inside training.
        np.quantile(np.zeros(2), 0.5)
        self.snapshots: list = []
        self.snapshotter = None
        self._stride, self._due = 1, 0
        self.step, self.error = 0, None

    # ------------------------------------------------------------------ recording
    def _start(self) -> None:
        """Set up on the first batch's eve: the probe, the snapshotter; the budget starts."""
        self.schedule.begin()
        start = time.perf_counter()
        x, y = self.probe if self.probe is not None else probe_batch(
            self.params.get("loader"), self.probe_size)
        self.snapshotter = Snapshotter(self.model, loss_of(self, self.loss), x, y,
                                       sample=self.sample, grid=self.grid,
                                       history=getattr(self.model, "history", None))
        self.schedule.charge(time.perf_counter() - start)  # NOTE: the setup counts too

    def snapshot(self, epoch: float, logs=None) -> dict | None:
        """Take one snapshot now, keep it (and publish it), and return it.

        A snapshot that fails after the first one stops the snapshots with a warning saying
        why, not the training (the first one fails before any training, with its error)."""
        start = time.perf_counter()
        try:
            snap = self.snapshotter.take(epoch, self.step, logs)
        except Exception as exc:
            if not self.snapshots:
                raise
            self.error = f"snapshots stopped at step {self.step}: {type(exc).__name__}: {exc}"
            warnings.warn(f"{type(self).__name__}: {self.error}", RuntimeWarning, stacklevel=2)
            return None
        self.keep(snap)
        self.publish(snap)
        self.schedule.record(start)  # NOTE: the cost includes publishing it
        return snap

    def publish(self, snap: dict) -> None:
        """Hand a new snapshot on (the live view sends it to the page)."""

    def keep(self, snap: dict) -> None:
        self.snapshots.append(snap)
        if len(self.snapshots) > self.max_snapshots:
            last = self.snapshots[-1]
            self.snapshots = self.snapshots[:-1][::2] + [last]
            self._stride *= 2

    def _due_now(self, epochs_done=None) -> bool:
        if self.error is not None or not self.schedule.due(epochs_done):
            return False
        self._due += 1
        if self._due % self._stride:
            self.schedule.skip()
            return False
        return True

    # ------------------------------------------------------------------ hooks
    def on_train_begin(self, logs=None):
        self._start()
        self.snapshot(0.0)

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1

    def on_epoch_end(self, epoch, logs=None):
        if self._due_now(epoch + 1):
            self.snapshot(epoch + 1, logs)

    def on_train_end(self, logs=None):
        if self.snapshotter is None:
            return
        history = getattr(self.model, "history", None)
        done = len(history.epoch) if history is not None else None
        if self.snapshots and self.snapshots[-1]["step"] != self.step and self.error is None:
            # NOTE: History.epoch is 1-based already (the epochs completed)
            epoch = history.epoch[-1] if history is not None and history.epoch else 0
            self.snapshot(float(epoch), {k: v for k, v in (logs or {}).items()
                                         if k != "interrupted"})
        if self.path is not None:
            from ..io.atomic import atomic_write_bytes

            data = json.dumps(self.recording(done), separators=(",", ":"))
            atomic_write_bytes(self.path, data.encode("utf-8"))

    def recording(self, epochs_done=None) -> dict:
        """Everything the report needs: meta, snapshots, curves (the History)."""
        from .observe import jsonable

        history = getattr(self.model, "history", None)
        return {"format": FORMAT, "meta": self.snapshotter.meta(), "snapshots": self.snapshots,
                "history": jsonable(getattr(history, "history", {}), None),
                "epochs": list(getattr(history, "epoch", [])),
                "stop_reason": getattr(history, "stop_reason", None), "error": self.error,
                "epochs_done": epochs_done}
