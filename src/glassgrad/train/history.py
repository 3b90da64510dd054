"""``History``: what ``fit`` returns, the per-epoch record of losses, metrics and learning rate."""

from __future__ import annotations

import csv
import io
import json
import math

from ..io.atomic import atomic_write_text
from .callbacks import Callback


def _clean(v):
    """A JSON-safe float (NaN/inf become None in JSON, which has no NaN)."""
    v = float(v)
    return v if math.isfinite(v) else None


class History(Callback):
    """Keras-style training record.

    Attributes:
        history: ``{"loss": [...], "accuracy": [...], "val_loss": [...], "lr": [...]}``, one
            entry per completed epoch.
        epoch: the epoch numbers (1-based: 1 is the first epoch) those entries belong to.
        params: ``{"epochs", "steps", "batch_size", "verbose", "samples"}``.
        stop_reason: why training ended early (``None`` when it ran all epochs), e.g.
            ``"stop_when: loss < 0.0001 at epoch 42"``, ``"EarlyStopping"``, ``"interrupted"``.
        interrupted: training was stopped by KeyboardInterrupt (Ctrl-C).
        restored_epoch: the epoch (1-based) whose weights EarlyStopping restored, or None.
        failed: training stopped on a non-finite loss (``fit``'s NaN guard).
        status: ``"completed"`` (ran every epoch), ``"stopped"`` (a callback or criterion
            ended it early), ``"failed"`` or ``"interrupted"``.
    """

    def __init__(self):
        super().__init__()
        self.history: dict[str, list] = {}
        self.epoch: list[int] = []
        self.stop_reason: str | None = None
        self.interrupted = False
        self.restored_epoch: int | None = None
        self.failed = False

    @property
    def status(self) -> str:
        if self.failed:
            return "failed"
        if self.interrupted:
            return "interrupted"
        return "stopped" if self.stop_reason else "completed"

    def on_train_begin(self, logs=None):
        # NOTE: like Keras, a second fit() call on the same History keeps appending.
        pass

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch + 1)  # NOTE: hooks get Keras's 0-based index; we show 1-based
        for k, v in (logs or {}).items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                self.history.setdefault(k, []).append(float(v))

    def __getitem__(self, key):
        return self.history[key]

    def __len__(self):
        return len(self.epoch)

    def __repr__(self):
        keys = ", ".join(self.history)
        return f"History(epochs={len(self.epoch)}, keys=[{keys}])"

    def _repr_html_(self):
        """Jupyter's display: the first and last epochs' logs, and why training stopped."""
        from .._html import box, table

        keys = list(self.history)
        shown = range(len(self.epoch)) if len(self.epoch) <= 12 else [
            0, 1, 2, None, *range(len(self.epoch) - 8, len(self.epoch))]
        rows = [["…"] * (len(keys) + 1) if i is None else
                [self.epoch[i], *(_shown(self.history[k], i) for k in keys)] for i in shown]
        status = self.stop_reason or ("interrupted" if self.interrupted else "all epochs run")
        caption = f"History  ·  {len(self.epoch)} epochs  ·  {status}"
        note = (f"weights restored from epoch {self.restored_epoch + 1}"
                if self.restored_epoch is not None else "")
        return box(table(["epoch", *keys], rows, caption=caption, note=note))

    def last(self) -> dict:
        """The final epoch's logs ``{"loss": .., "val_loss": .., ...}`` ({} before any epoch)."""
        return {k: v[-1] for k, v in self.history.items() if v}

    # ------------------------------------------------------------ export
    def to_dict(self) -> dict:
        return {"epoch": list(self.epoch),
                "history": {k: [_clean(x) for x in v] for k, v in self.history.items()},
                "stop_reason": self.stop_reason, "interrupted": self.interrupted,
                "restored_epoch": self.restored_epoch, "status": self.status}

    def to_json(self, path) -> None:
        """Write ``{"epoch": [...], "history": {...}, ...}`` (NaN becomes null) atomically."""
        atomic_write_text(path, json.dumps(self.to_dict(), indent=2) + "\n")

    def to_csv(self, path) -> None:
        """Write one row per epoch: ``epoch,loss,...`` (the CSVLogger layout) atomically."""
        keys = list(self.history)
        f = io.StringIO(newline="")
        w = csv.writer(f)
        w.writerow(["epoch", *keys])
        for i, e in enumerate(self.epoch):
            w.writerow([e, *(_cell(self.history[k], i) for k in keys)])
        atomic_write_text(path, f.getvalue())

    def plot(self, keys=None, save=None, ax=None, title: str | None = None, *, path=None):
        """Plot training curves: one panel per metric, training vs validation.

        The same figure as ``glassgrad.viz.plot_history(history)`` (which draws it).

        Args:
            keys: the base names to draw (e.g. ``["loss", "accuracy"]``); default all but ``lr``.
                Each base name is drawn with its ``val_`` twin when present.
            save: write the figure there (``.png``, ``.svg``, ``.pdf``: matplotlib's formats),
                as every ``glassgrad.viz`` function; ``path=`` is a deprecated alias.
            ax: draw into this Axes instead of creating a figure.
            title: figure title.

        Returns:
            The matplotlib Figure.
        """
        # NOTE: viz sits above train; imported here so train itself never needs matplotlib.
        from ..viz._mpl import save_target
        from ..viz.curves import plot_history

        save = save_target(save, path, "History.plot")
        if not self.history:
            raise ValueError("History.plot: nothing to plot (no completed epochs).")
        return plot_history(self, keys, save=save, ax=ax, title=title)


def _shown(values, i) -> str:
    return f"{values[i]:.4g}" if i < len(values) else "—"


def _cell(values, i):
    return values[i] if i < len(values) else ""

