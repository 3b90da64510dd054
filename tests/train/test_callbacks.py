"""Callbacks: hook order, logs, CSV output, NaN, early stopping, checkpoints, LR, progress."""

import csv
import io

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn, optim, train
from glassgrad.train.callbacks import HOOKS


def _data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2)).astype(np.float32)
    y = (X @ np.array([1.5, -1.0]) + 0.5).astype(np.float32)[:, None]
    return X, y


class Recorder(train.Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def __getattribute__(self, name):
        if name in HOOKS:
            return lambda *args: self.calls.append((name, *args))
        return super().__getattribute__(name)


def test_hook_order_and_logs_keys():
    X, y = _data(20)
    model = nn.Linear(2, 1)
    rec = Recorder()
    train.fit(model, "mse", optim.SGD(model.parameters(), lr=0.1), (X, y), val=(X[:6], y[:6]),
              epochs=2, batch_size=10, metrics=["mae"], callbacks=[rec], verbose=0)
    names = [c[0] for c in rec.calls]
    epoch = (["on_epoch_begin"] + ["on_train_batch_begin", "on_train_batch_end"] * 2
             + ["on_test_begin", "on_test_batch_begin", "on_test_batch_end", "on_test_end",
                "on_epoch_end"])
    assert names == ["on_train_begin", *epoch, *epoch, "on_train_end"]
    assert rec.model is model and rec.params["epochs"] == 2 and rec.params["steps"] == 2
    batch_end = [c for c in rec.calls if c[0] == "on_train_batch_end"][0]
    assert batch_end[1] == 0 and set(batch_end[2]) == {"batch", "size", "loss"}
    epoch_end = [c for c in rec.calls if c[0] == "on_epoch_end"]
    assert [c[1] for c in epoch_end] == [0, 1]
    assert list(epoch_end[0][2]) == ["loss", "mae", "val_loss", "val_mae", "lr"]
    assert rec.calls[-1][1] == epoch_end[-1][2]  # on_train_end gets the last epoch's logs


def test_stop_training_flag_from_a_callback():
    X, y = _data()
    model = nn.Linear(2, 1)

    def stop(epoch, logs):
        if epoch == 1:
            model.stop_training = True

    h = train.fit(model, "mse", "sgd", (X, y), epochs=10, verbose=0,
                  callbacks=[train.LambdaCallback(on_epoch_end=stop)])
    assert h.epoch == [1, 2]   # epoch numbers are 1-based (hook index 1 = epoch 2)


def test_csv_logger_rows(tmp_path):
    X, y = _data()
    model = nn.Linear(2, 1)
    path = tmp_path / "log.csv"
    h = train.fit(model, "mse", optim.SGD(model.parameters(), lr=0.05), (X, y),
                  val=(X[:10], y[:10]), epochs=3, batch_size=8, metrics=["mae"], verbose=0,
                  callbacks=[train.CSVLogger(path)])
    rows = list(csv.DictReader(open(path)))
    assert list(rows[0]) == ["epoch", "loss", "mae", "val_loss", "val_mae", "lr"]
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3]
    for key in ("loss", "val_mae", "lr"):
        np.testing.assert_allclose([float(r[key]) for r in rows], h.history[key])
    h.to_csv(tmp_path / "h.csv")
    assert list(csv.DictReader(open(tmp_path / "h.csv")))[2]["loss"] == rows[2]["loss"]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_terminate_on_nan_stops_after_the_bad_batch():
    X, y = _data(40)
    model = nn.Linear(2, 1)
    y = y * 1e20   # SGD with this lr diverges to inf/nan within a few batches
    cb = train.TerminateOnNaN()
    h = train.fit(model, "mse", optim.SGD(model.parameters(), lr=10.0), (X, y), epochs=50,
                  batch_size=4, callbacks=[cb], verbose=0, shuffle=False, nan_guard=False)
    assert cb.stopped_batch is not None and len(h.epoch) <= 1
    assert "TerminateOnNaN" in h.stop_reason


def test_early_stopping_restores_the_best_epoch_weights():
    # 12 points, 60 free parameters: the net memorizes noise, val loss turns up
    rng = np.random.default_rng(1)
    Xtr = rng.uniform(-1, 1, (12, 1)).astype(np.float32)
    ytr = (np.sin(3 * Xtr) + rng.normal(0, 0.4, Xtr.shape)).astype(np.float32)
    Xva = rng.uniform(-1, 1, (50, 1)).astype(np.float32)
    yva = np.sin(3 * Xva).astype(np.float32)
    gg.manual_seed(0)
    model = nn.Sequential(nn.Linear(1, 20), nn.Tanh(), nn.Linear(20, 1))
    snaps = []
    snap = train.LambdaCallback(on_epoch_end=lambda e, logs: snaps.append(
        train.snapshot_weights(model)))
    es = train.EarlyStopping(monitor="val_loss", patience=30)
    h = train.fit(model, "mse", optim.Adam(model.parameters(), lr=0.03), (Xtr, ytr),
                  val=(Xva, yva), epochs=2000, batch_size=12, callbacks=[snap, es], verbose=0)
    val = h.history["val_loss"]
    best = int(np.argmin(val))
    assert es.stopped_epoch is not None and len(h.epoch) < 2000   # it did overfit and stop
    # Keras: patience=30 stops at the 30th epoch in a row without improvement
    assert es.best_epoch == best + 1 == h.restored_epoch and len(val) == best + 1 + 30
    assert val[-1] > val[best]
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.data, snaps[best][k], err_msg=k)
    end = train.evaluate(model, "mse", (Xva, yva))["loss"]
    assert end == pytest.approx(val[best], rel=1e-6)


def test_early_stopping_restores_even_when_epochs_run_out_and_modes():
    X, y = _data()
    model = nn.Linear(2, 1)
    es = train.EarlyStopping(monitor="loss", patience=100)
    snaps = []
    cb = train.LambdaCallback(on_epoch_end=lambda e, logs: snaps.append(
        (logs["loss"], train.snapshot_weights(model))))
    # lr so large that the loss rises: the best epoch is the first
    train.fit(model, "mse", optim.SGD(model.parameters(), lr=1.2), (X, y), epochs=5,
              batch_size=40, callbacks=[cb, es], verbose=0)
    assert es.stopped_epoch is None and es.best_epoch == 1 + int(np.argmin([s[0] for s in snaps]))
    np.testing.assert_array_equal(model.weight.data, snaps[es.best_epoch - 1][1]["weight"])
    assert train.EarlyStopping(monitor="val_accuracy").mode == "max"
    assert train.EarlyStopping(monitor="val_loss").mode == "min"
    with pytest.raises(ValueError, match="'val_loss' will never be in the logs"):
        train.fit(model, "mse", "sgd", (X, y), epochs=1, verbose=0,
                  callbacks=[train.EarlyStopping()])


class _Model:
    """Just enough of a model for EarlyStopping driven by hand."""

    def __init__(self):
        self.stop_training, self.w = False, 0

    def state_dict(self):
        return {"w": np.array(self.w)}

    def load_state_dict(self, state):
        self.w = int(state["w"])


def _drive(values, **kw):
    """Feed monitored values to EarlyStopping as fit would; weights w = the epoch index.
    Returns (epochs run, callback, restored w)."""
    model, es = _Model(), train.EarlyStopping(monitor="loss", **kw)
    es.set_model(model)
    es.on_train_begin()
    for epoch, v in enumerate(values):
        model.w = epoch
        es.on_epoch_end(epoch, {"loss": v})
        if model.stop_training:
            break
    es.on_train_end()
    return epoch + 1, es, model.w


# Expected values worked by hand from Keras 3's EarlyStopping (keras/src/callbacks/
# early_stopping.py): wait += 1 each epoch; an improvement resets it (only if it also beats the
# baseline) and never stops; otherwise stop when wait >= patience and epoch > 0.
@pytest.mark.parametrize("values, kw, epochs, best", [
    ([1.0, 0.9, 0.95, 0.96, 0.97, 0.5], {"patience": 3}, 5, 1),
    ([1.0, 0.9, 0.95, 0.96, 0.97, 0.5], {"patience": 1}, 3, 1),
    ([1.0, 0.9, 0.95, 0.96, 0.97, 0.5], {"patience": 0}, 3, 1),
    ([1.0, 0.9, 0.8, 0.7, 0.6], {"patience": 1, "min_delta": 0.15}, 2, 0),
    ([1.0, 0.8, 0.7, 0.6, 0.5], {"patience": 1, "min_delta": 0.15}, 3, 1),
    ([1.0, 1.0, 1.0, 1.0], {"patience": 2, "baseline": 0.5}, 2, 0),
    ([1.0, 0.4, 0.45, 0.46, 0.3], {"patience": 2, "baseline": 0.5}, 4, 1),
    ([5.0, 1.0, 2.0, 3.0, 4.0, 5.0], {"patience": 2, "start_from_epoch": 2}, 5, 2),
    ([0.3, 0.2, 0.1], {"patience": 0, "mode": "max"}, 2, 0),
])
def test_early_stopping_follows_keras_counting(values, kw, epochs, best):
    n, es, w = _drive(values, **kw)
    # NOTE: Keras's 0-based epoch indices, +1: glassgrad numbers epochs from 1
    assert n == epochs and es.best_epoch == best + 1 and w == best
    assert es.stopped_epoch == (epochs if epochs < len(values) else None)


@pytest.mark.parametrize("kw", [{"patience": "x"}, {"patience": -1}, {"patience": 2.5},
                                {"min_delta": "0.1"}, {"start_from_epoch": -2}])
def test_early_stopping_rejects_bad_arguments_by_name(kw):
    with pytest.raises(ValueError, match=next(iter(kw))):
        train.EarlyStopping(**kw)


def test_early_stopping_restores_first_epoch_when_nothing_improves():
    n, es, w = _drive([float("nan")] * 4, patience=2)   # NaN never counts as an improvement
    assert n == 2 and w == 0   # wait reaches patience at epoch 1 (never stops at epoch 0)


def test_model_checkpoint_best_only_and_roundtrip(tmp_path):
    X, y = _data()
    model = nn.Linear(2, 1)
    path = tmp_path / "best.npz"
    ck = train.ModelCheckpoint(path, monitor="loss", save_best_only=True)
    losses = []
    cb = train.LambdaCallback(on_epoch_end=lambda e, logs: losses.append(
        (logs["loss"], train.snapshot_weights(model))))
    train.fit(model, "mse", optim.SGD(model.parameters(), lr=0.05), (X, y), epochs=6,
              batch_size=40, callbacks=[cb, ck], verbose=0)
    best = int(np.argmin([v for v, _ in losses]))
    fresh = nn.Linear(2, 1)
    train.load_weights(fresh, path)
    np.testing.assert_array_equal(fresh.weight.data, losses[best][1]["weight"])
    assert not list(tmp_path.glob("*.tmp*"))   # atomic write left no temp file
    ck2 = train.ModelCheckpoint(tmp_path / "e{epoch:02d}.npz", save_freq=2)
    train.fit(model, "mse", "sgd", (X, y), epochs=4, callbacks=[ck2], verbose=0)
    assert sorted(p.name for p in tmp_path.glob("e*.npz")) == ["e02.npz", "e04.npz"]


def test_learning_rate_scheduler_and_optim_schedulers():
    X, y = _data()
    model = nn.Linear(2, 1)
    opt = optim.SGD(model.parameters(), lr=0.1)
    h = train.fit(model, "mse", opt, (X, y), epochs=4, verbose=0,
                  callbacks=[train.LearningRateScheduler(lambda e, lr: 0.1 * 0.5 ** e)])
    np.testing.assert_allclose(h.history["lr"], [0.1, 0.05, 0.025, 0.0125])
    opt = optim.SGD(model.parameters(), lr=0.1)
    step = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.1)
    h = train.fit(model, "mse", opt, (X, y), epochs=5, verbose=0,
                  callbacks=[train.SchedulerCallback(step)])
    np.testing.assert_allclose(h.history["lr"], [0.1, 0.1, 0.01, 0.01, 0.001])
    # ReduceLROnPlateau sees the monitored value: a flat loss (lr 0) triggers it
    opt = optim.SGD(model.parameters(), lr=0.0)
    plateau = optim.ReduceLROnPlateau(opt, factor=0.5, patience=0)
    for g in opt.param_groups:
        g["lr"] = 0.0
    seen = []
    plateau.step = (lambda orig: lambda m: (seen.append(m), orig(m)))(plateau.step)
    h = train.fit(model, "mse", opt, (X, y), val=(X, y), epochs=3, verbose=0,
                  callbacks=[train.SchedulerCallback(plateau, monitor="val_loss")])
    np.testing.assert_allclose(seen, h.history["val_loss"])


def _run_quiet(verbose, epochs=30, **bar):
    X, y = _data()
    model = nn.Linear(2, 1)
    out = io.StringIO()   # not a TTY
    progress = train.ProgressBar(verbose, file=out, **bar)
    train.fit(model, "mse", "sgd", (X, y), epochs=epochs, batch_size=4, verbose=0,
              callbacks=[progress])
    return out.getvalue()


def test_progress_is_silent_with_verbose_0(capsys):
    X, y = _data()
    model = nn.Linear(2, 1)
    train.fit(model, "mse", "sgd", (X, y), epochs=5, batch_size=4, verbose=0)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_progress_without_a_tty_does_not_flood(capsys):
    text = _run_quiet(1)
    lines = text.splitlines()
    assert "\r" not in text and 1 <= len(lines) <= 3   # first, (throttled), last epoch
    assert lines[0].startswith("Epoch 1/30 - loss:") and lines[-1].startswith("Epoch 30/30")
    every = _run_quiet(2).splitlines()
    assert len(every) == 30 and every[4].startswith("Epoch 5/30")
    # verbose=1 through fit itself (stdout captured, not a TTY)
    X, y = _data()
    model = nn.Linear(2, 1)
    train.fit(model, "mse", "sgd", (X, y), epochs=40, batch_size=2, verbose=1)
    out = capsys.readouterr().out
    assert "\r" not in out and len(out.splitlines()) <= 3


def test_progress_bar_mode_writes_a_bar():
    text = _run_quiet(1, epochs=3, bar=True)
    assert "train" in text and "3/3" in text
