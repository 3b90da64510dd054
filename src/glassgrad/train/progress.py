"""The progress display of ``fit``: a tqdm bar in terminals and notebooks, plain lines in logs.

``verbose`` levels are monotonic (each shows at least what the one below shows):

* 0: nothing.
* 1: in a terminal or notebook, one bar over the epochs (its postfix holds the latest logs) and
  a transient bar over the batches of the current epoch. Where the output is not a terminal
  (CI logs, files, pipes) there is no bar and no carriage-return redraws: one line per epoch,
  at most one every ``mininterval`` seconds (the first and last epochs are always shown).
* 2: as 1, plus one line for EVERY epoch.
"""

from __future__ import annotations

import sys
import time

from .callbacks import Callback


def format_logs(logs: dict) -> str:
    """``"loss: 0.1234 - accuracy: 0.9500 - lr: 0.01"`` (4 significant decimals)."""
    parts = []
    for k, v in logs.items():
        if isinstance(v, float | int) and not isinstance(v, bool):
            parts.append(f"{k}: {v:.4g}" if k == "lr" or abs(v) < 1e-3 and v else f"{k}: {v:.4f}")
    return " - ".join(parts)


def _in_notebook() -> bool:
    try:
        from tqdm.auto import tqdm as auto
    except ImportError:  # pragma: no cover - tqdm is a core dependency
        return False
    return "notebook" in auto.__module__


class ProgressBar(Callback):
    """Shows training progress (``fit`` adds one unless ``verbose=0``).

    Args:
        verbose: 1 or 2 (see the module docstring).
        file: the stream (default ``sys.stdout`` at train start).
        mininterval: seconds between epoch lines when the output is not a terminal (verbose=1).
        bar: force the bar on (True) or off (False); default: on for terminals and notebooks.
    """

    def __init__(self, verbose: int = 1, file=None, mininterval: float = 5.0, bar=None):
        super().__init__()
        self.verbose, self.file, self.mininterval, self.bar = verbose, file, mininterval, bar
        self._epochs = self._batches = None

    # ------------------------------------------------------------ helpers
    def _use_bar(self, file) -> bool:
        if self.bar is not None:
            return bool(self.bar)
        if _in_notebook():
            return True
        isatty = getattr(file, "isatty", None)
        try:
            return bool(isatty and isatty())
        except ValueError:  # closed stream
            return False

    def _line(self, epoch, logs) -> str:
        total = self.params.get("epochs", "?")
        secs = time.perf_counter() - self._epoch_start
        return f"Epoch {epoch + 1}/{total} - {format_logs(logs)} - {secs:.2f}s"

    def _print(self, text):
        if self._epochs is not None:
            self._epochs.write(text, file=self._out)
        else:
            print(text, file=self._out, flush=True)

    # ------------------------------------------------------------ hooks
    def on_train_begin(self, logs=None):
        self._out = self.file if self.file is not None else sys.stdout
        self._last_print = -float("inf")
        self._last_epoch = self._printed_epoch = None
        self._last_logs = {}
        self._epoch_start = time.perf_counter()
        if self.verbose and self._use_bar(self._out):
            from tqdm.auto import tqdm

            epochs, initial = self.params.get("epochs"), self.params.get("initial_epoch", 0)
            self._tqdm = tqdm
            self._epochs = tqdm(total=epochs, initial=initial, unit="epoch", file=self._out,
                                dynamic_ncols=True, desc="train")

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.perf_counter()
        steps = self.params.get("steps") or 0
        if self._epochs is not None and steps > 1:
            self._batches = self._tqdm(total=steps, unit="batch", leave=False, file=self._out,
                                       dynamic_ncols=True, desc=f"epoch {epoch + 1}")

    def on_train_batch_end(self, batch, logs=None):
        if self._batches is not None:
            self._batches.update(1)
            if logs and "loss" in logs:
                self._batches.set_postfix_str(f"loss: {logs['loss']:.4f}", refresh=False)

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        self._last_epoch, self._last_logs = epoch, logs
        if self._batches is not None:
            self._batches.close()
            self._batches = None
        if self._epochs is not None:
            self._epochs.update(1)
            self._epochs.set_postfix_str(format_logs(logs))
        if not self.verbose:
            return
        now = time.perf_counter()
        last = epoch + 1 == self.params.get("epochs")
        due = self.verbose >= 2 or (self._epochs is None and (
            self._printed_epoch is None or last or now - self._last_print >= self.mininterval))
        if due:
            self._print(self._line(epoch, logs))
            self._last_print, self._printed_epoch = now, epoch

    def on_train_end(self, logs=None):
        if self._batches is not None:
            self._batches.close()
            self._batches = None
        if self._epochs is not None:
            self._epochs.close()
            self._epochs = None
        # in log mode, always end with the final epoch (early stopping, throttled lines)
        elif (self.verbose and self._last_epoch is not None
              and self._printed_epoch != self._last_epoch):
            self._print(self._line(self._last_epoch, self._last_logs))
            self._printed_epoch = self._last_epoch
