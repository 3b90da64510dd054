"""The ``Checkpoint`` callback (a full, resumable checkpoint after every epoch) and
``resume_fit``, which ``fit(..., resume_from=path)`` calls to pick a run up where it stopped."""

from __future__ import annotations

import math
import os

from ..train.callbacks import Callback
from .checkpoint import check_finite_state, load_checkpoint, restore_history, save_checkpoint
from .serialization import SerializationError

__all__ = ["Checkpoint", "resume_fit"]


def _loaders(cb) -> list:
    loaders = list(cb.loaders)
    fit_loader = cb.params.get("loader") if isinstance(cb.params, dict) else None
    if fit_loader is not None and all(fit_loader is not ld for ld in loaders):
        loaders.insert(0, fit_loader)
    return loaders


class Checkpoint(Callback):
    """Write a resumable checkpoint (weights, optimizer, scheduler, epoch/step, History, every
    random state) atomically at the end of every ``save_freq``-th epoch.

    A diverged epoch (NaN/Inf in the logs or in the weights) is NOT saved, so the file always
    holds the last good state. Resume with ``fit(..., resume_from=path)``.

    Args:
        path: ``*.safetensors`` or ``*.npz``; may contain ``{epoch}`` (1-based) to keep one file
            per epoch.
        scheduler: an lr scheduler to save with it (put this callback AFTER the
            ``SchedulerCallback`` that steps it, so the saved state is the stepped one).
        loaders: DataLoaders with their own generators to save (fit's own loader is included
            automatically).
        save_freq: epochs between saves.
        verbose: print a line per save and per refused save.

    Attributes:
        saved: the paths written; skipped: ``(epoch, reason)`` for refused saves; step: the
            optimizer steps completed.
    """

    def __init__(self, path, scheduler=None, loaders=(), save_freq: int = 1, verbose: int = 0):
        super().__init__()
        if not isinstance(save_freq, int) or save_freq < 1:
            raise ValueError(f"Checkpoint: save_freq must be a positive int, got {save_freq!r}.")
        self.path, self.scheduler, self.loaders = os.fspath(path), scheduler, list(loaders)
        ext = os.path.splitext(self.path)[1].lower()
        if ext not in (".safetensors", ".npz"):
            raise SerializationError(f"Checkpoint: {self.path!r} must end in .safetensors or "
                                     ".npz.")
        self.save_freq, self.verbose = save_freq, verbose
        self.saved: list[str] = []
        self.skipped: list[tuple[int, str]] = []
        self.step = 0

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.save_freq:
            return
        bad = [k for k, v in (logs or {}).items()
               if isinstance(v, float) and not math.isfinite(v)]
        try:
            if bad:
                raise SerializationError(f"non-finite {bad} in the epoch's logs")
            check_finite_state(self.model, "Checkpoint")
        except SerializationError as e:
            self.skipped.append((epoch, str(e)))
            if self.verbose:
                print(f"Epoch {epoch + 1}: checkpoint NOT saved ({e}); {self.path} keeps the "
                      "last good state.")
            return
        path = self.path.format(epoch=epoch + 1)
        save_checkpoint(path, self.model, self.optimizer, self.scheduler, epoch=epoch + 1,
                        step=self.step, history=getattr(self.model, "history", None),
                        loaders=_loaders(self))
        self.saved.append(path)
        if self.verbose:
            print(f"Epoch {epoch + 1}: saved checkpoint to {path}")


def resume_fit(path, model, optimizer, history, loader=None, callbacks=()) -> int:
    """Restore a ``Checkpoint`` file for ``fit`` and return the epoch to start from.

    Restores the model, optimizer, the scheduler of any callback with a ``scheduler``
    attribute (SchedulerCallback, Checkpoint), every random state, ``loader`` 's generator and
    the History; ``Checkpoint`` callbacks continue counting steps. All or nothing.
    """
    callbacks = list(callbacks or [])
    schedulers = []
    for cb in callbacks:
        s = getattr(cb, "scheduler", None)
        if s is not None and all(s is not t for t in schedulers):
            schedulers.append(s)
    if len(schedulers) > 1:
        raise ValueError("fit(resume_from=...): more than one lr scheduler among the callbacks; "
                         "a checkpoint stores one.")
    cks = [cb for cb in callbacks if isinstance(cb, Checkpoint)]
    loaders = [loader] if loader is not None else []
    for cb in cks[:1]:  # the saving callback's extra loaders, in the order it saved them
        loaders += [ld for ld in cb.loaders if ld is not loader]
    info = load_checkpoint(path, model, optimizer, schedulers[0] if schedulers else None,
                           loaders=loaders)
    restore_history(history, info["history"])
    for cb in cks:
        cb.step = info["step"]
    return info["epoch"]
