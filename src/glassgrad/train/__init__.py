"""Training: ``fit``/``evaluate``/``predict``, ``History``, callbacks, metrics, baselines.

    from glassgrad import nn, optim, train
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1), nn.Sigmoid())
    history = train.fit(model, nn.BCELoss(), optim.Adam(model.parameters(), lr=0.01),
                        train=(X, y), val=(X_val, y_val), epochs=200, batch_size=32,
                        metrics=["accuracy"], callbacks=[train.EarlyStopping(patience=20)],
                        stop_when="loss < 1e-3", seed=0)
    history.history["val_accuracy"][-1]; history.plot(save="curves.png")
    train.evaluate(model, nn.BCELoss(), (X_test, y_test), metrics=["accuracy"])
    train.predict(model, X_test)          # NumPy array of outputs

Epoch numbering (one convention everywhere a person reads it)
-------------------------------------------------------------
Epochs are numbered from 1: epoch 1 is the first pass over the data. ``History.epoch``,
``History.restored_epoch``, ``EarlyStopping.best_epoch``/``stopped_epoch``, the ``epoch`` column
of ``history.csv``/``history.json``, ``{epoch}`` in ``ModelCheckpoint`` file names, the
checkpoint's ``epoch`` (= epochs completed), the console, the plots' x axis and the diagnosis
all use it; batches are numbered from 1 in messages too. ``fit(epochs=E, initial_epoch=I)``
runs epochs I+1 .. E (counts, as in Keras). The one 0-based number is the ``epoch`` argument
that callback hooks receive (Keras's index): its epoch number is ``epoch + 1``.

Delegation API (for ``Module.compile/fit/evaluate/predict``)
-------------------------------------------------------------
``compile(model, optimizer, loss, metrics=None)`` resolves names and stores a
``CompiledConfig(optimizer, loss, metrics)`` as ``model._compiled``. After it, ``fit``,
``evaluate`` and ``predict`` take the model alone plus data; explicit arguments override the
compiled ones. So the methods are one-liners::

    def compile(self, optimizer="adam", loss=None, metrics=None):
        return train.compile(self, optimizer, loss, metrics)
    def fit(self, x, y=None, **kw):                    # x: (X, y) arrays, Dataset or loader
        return train.fit(self, train=x if y is None else (x, y), **kw)
    def evaluate(self, x, y=None, **kw):
        return train.evaluate(self, data=x if y is None else (x, y), **kw)
    def predict(self, x, batch_size=None):
        return train.predict(self, x, batch_size)

``fit`` sets ``model.history`` (the History) and honours ``model.stop_training = True`` set by
any callback. Keras-name keyword mapping: ``validation_data`` -> ``val``.
"""

from . import callbacks, metrics
from .baselines import LogisticRegression, SoftmaxRegression
from .callbacks import (
    Callback,
    CallbackList,
    CSVLogger,
    LambdaCallback,
    LearningRateScheduler,
    SchedulerCallback,
    StopWhen,
    TerminateOnNaN,
)
from .checkpoint import (
    Checkpoint,
    EarlyStopping,
    ModelCheckpoint,
    load_weights,
    restore_weights,
    save_weights,
    snapshot_weights,
)
from .compile import CompiledConfig, compile
from .fit import evaluate, fit, predict
from .history import History
from .notebook import NotebookDisplay
from .progress import ProgressBar

__all__ = ["fit", "evaluate", "predict", "compile", "CompiledConfig", "History", "Callback",
           "CallbackList", "EarlyStopping", "ModelCheckpoint", "Checkpoint",
           "LearningRateScheduler",
           "SchedulerCallback", "TerminateOnNaN", "CSVLogger", "LambdaCallback", "StopWhen",
           "ProgressBar", "NotebookDisplay", "LogisticRegression", "SoftmaxRegression",
           "metrics", "callbacks",
           "save_weights", "load_weights", "snapshot_weights", "restore_weights"]


def __getattr__(name):
    # NOTE: the live view sits above train (it serves pages); loaded only when asked for.
    if name in ("LiveView", "SnapshotRecorder"):
        from .. import live

        return getattr(live, name)
    raise AttributeError(f"module 'glassgrad.train' has no attribute {name!r}")
