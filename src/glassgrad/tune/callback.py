"""``PruningCallback``: report a monitored metric to an Optuna trial after every epoch.

For users who write their own Optuna objective around ``fit``::

    def objective(trial):
        lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
        model = ...
        history = train.fit(model, loss, optim.Adam(model.parameters(), lr=lr), (X, y),
                            (X_val, y_val), epochs=50,
                            callbacks=[tune.PruningCallback(trial, monitor="val_loss")])
        return history.history["val_loss"][-1]

Epoch ``e`` (0-based in callbacks) is reported as step ``e + 1``: the number of epochs trained,
so Hyperband's resources count epochs. A pruned trial stops training and raises
``optuna.TrialPruned``, which Optuna records as PRUNED.
"""

from __future__ import annotations

import math
import warnings

from ..train.callbacks import Callback


class PruningCallback(Callback):
    """Report ``logs[monitor]`` to ``trial`` every epoch and stop the trial when Optuna's pruner
    says so.

    Args:
        trial: an ``optuna.Trial``.
        monitor: the logged value to report (``"val_loss"``, ``"val_accuracy"``, ...).
        interval: ask the pruner every ``interval`` epochs (the value is reported every epoch).

    A monitored name that is never logged gives a ``UserWarning`` at the end of the first epoch
    (and the trial is then never pruned). Non-finite values are not reported: a diverging
    trial should fail, not look like a bad-but-valid one; training is stopped instead, and
    ``self.diverged`` holds ``(epoch, value)``.
    """

    def __init__(self, trial, monitor: str = "val_loss", interval: int = 1):
        super().__init__()
        if isinstance(interval, bool) or not isinstance(interval, int) or interval < 1:
            raise ValueError(f"PruningCallback: interval must be an int >= 1, got {interval!r}.")
        self.trial, self.monitor, self.interval = trial, monitor, interval
        self.diverged = None
        self._warned = False

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.monitor not in logs:
            if not self._warned:
                self._warned = True
                warnings.warn(f"PruningCallback: {self.monitor!r} is not in the logs (logged: "
                              f"{', '.join(sorted(logs)) or 'nothing'}), so this trial is never "
                              "pruned; monitor one of the logged names (val_* needs validation "
                              "data).", UserWarning, stacklevel=2)
            return
        value = float(logs[self.monitor])
        if not math.isfinite(value):
            self.diverged = (epoch + 1, value)
            if self.model is not None:
                self.model.stop_training = True
            return
        step = epoch + 1
        self.trial.report(value, step)
        if step % self.interval == 0 and self.trial.should_prune():
            from . import require_optuna

            if self.model is not None:
                self.model.stop_training = True
            raise require_optuna().TrialPruned(
                f"pruned after epoch {step}: {self.monitor} = {value:.6g}")
