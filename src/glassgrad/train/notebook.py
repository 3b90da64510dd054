"""``NotebookDisplay``: training progress and live curves in ONE notebook output, updated in place.

``fit(..., verbose="notebook")`` adds it (or pass it in ``callbacks``). In Jupyter it shows a
progress bar, the latest logs and one small chart per metric (training solid, validation dashed),
and rewrites that same output through an IPython display handle (``display(obj,
display_id=True)`` then ``handle.update(obj)``): no ``clear_output`` flicker, no ipywidgets, no
JavaScript. Updates are throttled (``min_interval`` seconds; the last state is always shown).
Outside a notebook (a terminal, a script, CI logs) it does nothing at all.

The charts are inline SVG drawn in ``currentColor``, so they follow the notebook's light or dark
theme; non-finite values (a diverged loss) are left out of a chart and said so in its title.
"""

from __future__ import annotations

import math
import sys
import time

from .. import _html
from .callbacks import Callback

_W, _H, _PAD = 300, 130, 34


def in_notebook() -> bool:
    """True inside a Jupyter kernel (IPython's ZMQ shell, as in JupyterLab, Notebook, VS Code
    and Colab), False in terminals, the IPython console and scripts."""
    # NOTE: a kernel has imported IPython long before; a script never pays for importing it.
    if "IPython" not in sys.modules or "ipykernel" not in sys.modules:
        return False
    shell = sys.modules["IPython"].get_ipython()
    from ipykernel.zmqshell import ZMQInteractiveShell

    return isinstance(shell, ZMQInteractiveShell)


def _svg_chart(name: str, train: list, val: list | None) -> str:
    """A small line chart of one metric over epochs, as escaped inline SVG."""
    series = [(train, "")] + ([(val, "5,4")] if val else [])
    finite = [v for s, _ in series for v in s if math.isfinite(v)]
    dropped = sum(1 for s, _ in series for v in s if not math.isfinite(v))
    title = name + (f" ({dropped} non-finite values not drawn)" if dropped else "")
    n = max(len(s) for s, _ in series)
    lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
    if hi == lo:
        lo, hi = lo - 0.5, hi + 0.5

    def xy(i, v):
        x = _PAD + (_W - _PAD - 6) * (i / max(n - 1, 1))
        y = 8 + (_H - 28) * (1 - (v - lo) / (hi - lo))
        return f"{x:.1f},{y:.1f}"

    lines = []
    for values, dash in series:
        pts = " ".join(xy(i, v) for i, v in enumerate(values) if math.isfinite(v))
        if pts:
            lines.append(f'<polyline points="{pts}" fill="none" stroke="currentColor" '
                         f'stroke-width="1.5" stroke-dasharray="{dash or "none"}"/>')
    e = _html.esc
    labels = (f'<text x="2" y="14" font-size="10" fill="currentColor">{hi:.3g}</text>'
              f'<text x="2" y="{_H - 20}" font-size="10" fill="currentColor">{lo:.3g}</text>'
              f'<text x="{_PAD}" y="{_H - 4}" font-size="10" fill="currentColor">epoch 1</text>'
              f'<text x="{_W - 6}" y="{_H - 4}" font-size="10" fill="currentColor" '
              f'text-anchor="end">{n}</text>')
    axis = (f'<line x1="{_PAD}" y1="{_H - 20}" x2="{_W - 6}" y2="{_H - 20}" '
            f'stroke="currentColor" stroke-opacity="0.4"/>')
    return (f'<figure style="display: inline-block; margin: 0 1em 0 0;">'
            f'<figcaption style="font-size: 0.85em;">{e(title)}'
            f'{" — training solid, validation dashed" if val else ""}</figcaption>'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" '
            f'role="img" aria-label="{e(title)}">{axis}{"".join(lines)}{labels}</svg></figure>')


class TrainingView:
    """What the display shows at one moment (its ``_repr_html_`` and plain-text ``repr``)."""

    def __init__(self, epoch: int, epochs, batch: int, steps, logs: dict, history: dict,
                 elapsed: float, status: str):
        self.epoch, self.epochs, self.batch, self.steps = epoch, epochs, batch, steps
        self.logs, self.history, self.elapsed, self.status = logs, history, elapsed, status

    def _fraction(self) -> float:
        if not self.epochs:
            return 0.0
        inner = self.batch / self.steps if self.steps else 0.0
        return min(1.0, (self.epoch + inner) / self.epochs)

    def __repr__(self):
        logs = " - ".join(f"{k}: {v:.4g}" for k, v in self.logs.items()
                          if isinstance(v, (int, float)))
        return (f"epoch {self.epoch}/{self.epochs or '?'} ({self.status}, "
                f"{self.elapsed:.1f}s) {logs}").rstrip()

    def _repr_html_(self):
        pct = 100 * self._fraction()
        bar = (f'<div style="width: 320px; height: 0.6em; border: {_html.RULE}; '
               f'border-radius: 3px; margin: 0.2em 0;"><div style="width: {pct:.1f}%; '
               f'height: 100%; background: currentColor; opacity: 0.55;"></div></div>')
        head = _html.paragraph(f"epoch {self.epoch}/{self.epochs or '?'}  ·  {self.status}  ·  "
                               f"{self.elapsed:.1f} s")
        logs = [[k, f"{v:.4g}"] for k, v in self.logs.items() if isinstance(v, (int, float))]
        table = _html.table(["metric", "latest"], logs) if logs else ""
        charts = "".join(_svg_chart(k, v, self.history.get(f"val_{k}"))
                         for k, v in self.history.items()
                         if not k.startswith("val_") and k != "lr" and v)
        return _html.box(head, bar, table, f"<div>{charts}</div>")


class NotebookDisplay(Callback):
    """Live training display for Jupyter: one output, updated in place (see the module doc).

    Args:
        min_interval: seconds between redraws (batch and epoch ends in between are skipped).
        curves: draw the per-metric charts (default True).

    Attributes:
        updates: how many times the output was redrawn (0 outside a notebook).
        active: whether a notebook was found at train start.
    """

    def __init__(self, min_interval: float = 0.5, curves: bool = True):
        super().__init__()
        if not min_interval >= 0:
            raise ValueError(f"NotebookDisplay: min_interval must be >= 0 seconds, got "
                             f"{min_interval!r}.")
        self.min_interval, self.curves = float(min_interval), curves
        self.updates, self.active = 0, False
        self._handle = None

    def _view(self, status: str) -> TrainingView:
        history = {k: list(v) for k, v in self._history.items()} if self.curves else {}
        return TrainingView(self._epoch, self.params.get("epochs"), self._batch,
                            self.params.get("steps"), self._logs, history,
                            time.perf_counter() - self._start, status)

    def _show(self, status: str, force: bool = False) -> None:
        if not self.active:
            return
        now = time.perf_counter()
        if not force and now - self._last < self.min_interval:
            return
        self._last = now
        if self._handle is None:
            from IPython.display import display

            self._handle = display(self._view(status), display_id=True)
        else:
            self._handle.update(self._view(status))
        self.updates += 1

    def on_train_begin(self, logs=None):
        self.active = in_notebook()
        self._start = self._last = time.perf_counter()
        self._epoch = self.params.get("initial_epoch", 0) if isinstance(self.params, dict) else 0
        self._batch, self._logs, self._history, self._handle = 0, {}, {}, None
        self._show("starting", force=True)

    def on_train_batch_end(self, batch, logs=None):
        self._batch = batch + 1
        if logs and "loss" in logs:
            self._logs = {**self._logs, "loss": logs["loss"]}
        self._show("training")

    def on_epoch_end(self, epoch, logs=None):
        self._epoch, self._batch = epoch + 1, 0
        self._logs = dict(logs or {})
        for k, v in self._logs.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                self._history.setdefault(k, []).append(float(v))
        self._show("training")

    def on_train_end(self, logs=None):
        reason = getattr(self.model, "_stop_reason", None) if self.model is not None else None
        self._show(f"stopped: {reason}" if reason else "finished", force=True)
