"""Audit of fit/callbacks/metrics against Keras's documented semantics and PyTorch.

Expected values come from closed-form formulas written here, from NumPy's generator for the
shuffling order, or from ``torch`` (ReduceLROnPlateau); never from glassgrad's own output.
"""

import math

import numpy as np
import pytest

from glassgrad import nn, optim, train
from glassgrad.train import metrics as M
from tests._torch import torch


def _line(n, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2)).astype(np.float32)
    y = (X @ np.array([1.5, -1.0]) + 0.5 + rng.normal(0, 0.3, n)).astype(np.float32)[:, None]
    return X, y


def _frozen_linear():
    """A Linear(2, 1) with known weights, trained with lr 0 (so it never changes)."""
    model = nn.Linear(2, 1)
    model.weight.data[...] = [[0.3, -0.7]]
    model.bias.data[...] = 0.1
    return model, np.array([0.3, -0.7]), 0.1


# ---------------------------------------------------------------- fit: validation_split


# Keras (keras/src/trainers/data_adapters/data_adapter_utils.train_validation_split):
# split_at = floor(N * (1 - validation_split)); the LAST N - split_at samples validate.
@pytest.mark.parametrize("n, split", [(10, 0.25), (10, 0.05), (10, 0.15), (7, 0.5), (50, 0.2),
                                      (50, 0.0001)])
def test_validation_split_counts_and_rows_follow_keras(n, split):
    X, y = _line(n)
    cut = int(math.floor(n * (1.0 - split)))
    model, w, b = _frozen_linear()
    h = train.fit(model, "mse", optim.SGD(model.parameters(), lr=0.0), (X, y), epochs=1,
                  validation_split=split, batch_size=3, shuffle=True, seed=0, verbose=0)
    pred = X.astype(np.float64) @ w + b
    err2 = (pred - y[:, 0]) ** 2
    assert h.history["loss"][0] == pytest.approx(err2[:cut].mean(), rel=1e-5)
    assert h.history["val_loss"][0] == pytest.approx(err2[cut:].mean(), rel=1e-5)


# ---------------------------------------------------------------- fit: epoch loss & metrics


def test_epoch_loss_and_metric_weight_a_partial_last_batch_by_its_size():
    """Keras's loss tracker is a Mean weighted by batch size; metrics see every sample once."""
    X, y = _line(11)
    model, w, b = _frozen_linear()
    h = train.fit(model, "mse", optim.SGD(model.parameters(), lr=0.0), (X, y), epochs=1,
                  batch_size=4, metrics=["mae"], shuffle=True, seed=3, verbose=0)  # 4, 4, 3
    e = X.astype(np.float64) @ w + b - y[:, 0]
    assert h.history["loss"][0] == pytest.approx((e ** 2).mean(), rel=1e-5)
    assert h.history["mae"][0] == pytest.approx(np.abs(e).mean(), rel=1e-5)
    # the unweighted mean of the 3 batch means would differ: make sure the data tells them apart
    sq = e ** 2
    order = np.random.default_rng(3).permutation(11)
    batch_means = [sq[order[i:i + 4]].mean() for i in (0, 4, 8)]
    assert abs(np.mean(batch_means) - sq.mean()) > 1e-4


def test_shuffling_in_fit_is_numpy_permutations_from_the_seed_and_changes_per_epoch():
    n, epochs = 12, 3
    X = np.arange(n, dtype=np.float32)[:, None] * np.ones((1, 2), np.float32)
    y = np.arange(n, dtype=np.float32)[:, None]
    seen = []

    def recording_loss(out, target):
        seen.append(target.numpy()[:, 0].astype(int).tolist())
        return ((out - target) ** 2).mean()

    def run(seed):
        seen.clear()
        model, _, _ = _frozen_linear()
        train.fit(model, recording_loss, optim.SGD(model.parameters(), lr=0.0), (X, y),
                  epochs=epochs, batch_size=5, shuffle=True, seed=seed, verbose=0)
        return [sum(seen[e * 3:(e + 1) * 3], []) for e in range(epochs)]

    first = run(7)
    rng = np.random.default_rng(7)   # one generator made once: epoch k draws permutation k
    assert first == [rng.permutation(n).tolist() for _ in range(epochs)]
    assert first[0] != first[1] and run(7) == first
    seen.clear()
    model, _, _ = _frozen_linear()
    train.fit(model, recording_loss, optim.SGD(model.parameters(), lr=0.0), (X, y), epochs=2,
              batch_size=5, shuffle=False, verbose=0)
    assert sum(seen, []) == list(range(n)) * 2


def test_initial_epoch_numbers_epochs_like_keras(tmp_path):
    X, y = _line(20)
    model = nn.Linear(2, 1)
    epochs_seen = []
    sched = train.LearningRateScheduler(lambda e, lr: epochs_seen.append(e) or 0.01)
    ck = train.ModelCheckpoint(tmp_path / "w{epoch}.npz")
    h = train.fit(model, "mse", "sgd", (X, y), epochs=5, initial_epoch=2, verbose=0,
                  callbacks=[sched, ck])
    # hook indices 2..4 are epochs 3..5 (1-based), as Keras prints them
    assert h.epoch == [3, 4, 5] and epochs_seen == [2, 3, 4]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w3.npz", "w4.npz", "w5.npz"]


# ---------------------------------------------------------------- callbacks


def test_learning_rate_scheduler_takes_keras_one_argument_schedules():
    X, y = _line(20)
    model = nn.Linear(2, 1)
    h = train.fit(model, "mse", optim.SGD(model.parameters(), lr=0.1), (X, y), epochs=4,
                  verbose=0, callbacks=[train.LearningRateScheduler(
                      lambda epoch: 0.1 if epoch < 2 else 0.01)])
    np.testing.assert_allclose(h.history["lr"], [0.1, 0.1, 0.01, 0.01])

    def broken(epoch, lr):
        raise TypeError("a bug inside the schedule")

    with pytest.raises(TypeError, match="a bug inside the schedule"):   # not swallowed
        train.fit(model, "mse", "sgd", (X, y), epochs=1, verbose=0,
                  callbacks=[train.LearningRateScheduler(broken)])


def test_reduce_lr_on_plateau_through_fit_matches_torch():
    X, y = _line(40)
    Xv, yv = _line(20, seed=1)
    model = nn.Linear(2, 1)
    lr0 = 0.3
    kw = {"factor": 0.5, "patience": 1, "cooldown": 1, "min_lr": 0.05, "threshold": 0.2}
    opt = optim.SGD(model.parameters(), lr=lr0)
    plateau = optim.ReduceLROnPlateau(opt, **kw)
    h = train.fit(model, "mse", opt, (X, y), val=(Xv, yv), epochs=16, batch_size=40,
                  verbose=0, callbacks=[train.SchedulerCallback(plateau, monitor="val_loss")])
    t_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr0)
    t_sched = torch.optim.lr_scheduler.ReduceLROnPlateau(t_opt, **kw)
    expected = [lr0]
    for v in h.history["val_loss"][:-1]:
        t_sched.step(v)
        expected.append(t_opt.param_groups[0]["lr"])
    np.testing.assert_allclose(h.history["lr"], expected, rtol=1e-12)
    assert len(set(expected)) > 2   # it did reduce, more than once, down to min_lr
    assert min(expected) == pytest.approx(kw["min_lr"])


class _Stub:
    def __init__(self):
        self.stop_training, self.w = False, 0

    def state_dict(self):
        return {"w": np.array(self.w)}

    def load_state_dict(self, state):
        self.w = int(state["w"])


def test_early_stopping_negative_min_delta_and_auto_mode_names():
    # Keras 3: self.min_delta = abs(min_delta); a negative value acts as its magnitude.
    model, es = _Stub(), train.EarlyStopping(monitor="loss", min_delta=-0.15, patience=1)
    es.set_model(model)
    es.on_train_begin()
    for epoch, v in enumerate([1.0, 0.9, 0.8, 0.7]):
        model.w = epoch
        es.on_epoch_end(epoch, {"loss": v})
        if model.stop_training:
            break
    es.on_train_end()
    assert es.stopped_epoch == 2 and es.best_epoch == 1 and model.w == 0   # 1-based
    for name, mode in [("val_accuracy", "max"), ("f1", "max"), ("val_f1_macro", "max"),
                       ("val_r2", "max"), ("val_mae", "min"), ("loss", "min"),
                       ("val_mse", "min")]:
        assert train.EarlyStopping(monitor=name).mode == mode, name


def test_csv_logger_append_adds_rows_without_a_second_header(tmp_path):
    X, y = _line(20)
    model = nn.Linear(2, 1)
    path = tmp_path / "log.csv"
    train.fit(model, "mse", "sgd", (X, y), epochs=2, verbose=0,
              callbacks=[train.CSVLogger(path)])
    train.fit(model, "mse", "sgd", (X, y), epochs=4, initial_epoch=2, verbose=0,
              callbacks=[train.CSVLogger(path, append=True)])
    lines = path.read_text().splitlines()
    assert lines[0].startswith("epoch,") and sum(ln.startswith("epoch") for ln in lines) == 1
    assert [ln.split(",")[0] for ln in lines[1:]] == ["1", "2", "3", "4"]


# ---------------------------------------------------------------- metrics


def test_binary_threshold_is_strict_like_keras():
    # keras binary_accuracy: y_pred > threshold; a score of exactly 0.5 is class 0
    t = np.array([0.0, 1.0, 0.0, 1.0])
    p = np.array([0.5, 0.5, 0.2, 0.9])
    assert M.accuracy(t, p) == pytest.approx(3 / 4)
    assert M.accuracy(t, np.array([0.0, 0.0, -1.0, 2.0]), from_logits=True) == pytest.approx(3 / 4)
    # precision: predicted positive only the 0.9 -> TP 1, FP 0; recall 1 of 2
    assert M.precision(t, p) == 1.0 and M.recall(t, p) == 0.5
    assert M.f1_score(t, p) == pytest.approx(2 * 1 * 0.5 / 1.5)
    np.testing.assert_array_equal(M.confusion_matrix(t, p), [[2, 0], [1, 1]])
    # nothing predicted positive: precision 0/0 -> 0 and F1 0 (zero_division=0)
    assert M.precision(t, np.full(4, 0.5)) == 0.0 and M.f1_score(t, np.full(4, 0.5)) == 0.0


def test_accuracy_of_multi_label_bce_outputs_is_per_element():
    t = np.array([[1, 0, 1], [0, 1, 1]], np.float32)
    p = np.array([[0.9, 0.1, 0.8], [0.2, 0.7, 0.4]], np.float32)
    expected = ((p > 0.5) == (t > 0.5)).mean()      # 5 of 6 labels right
    assert M.binary_accuracy(t, p) == pytest.approx(expected)
    model = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid())
    X = np.array([[0.3, -1.0], [1.2, 0.4]], np.float32)
    h = train.fit(model, nn.BCELoss(), optim.SGD(model.parameters(), lr=0.0), (X, t),
                  epochs=1, batch_size=2, metrics=["accuracy"], verbose=0)
    lin = model[0]
    probs = 1 / (1 + np.exp(-(X.astype(np.float64) @ lin.weight.data.T + lin.bias.data)))
    assert h.history["accuracy"][0] == pytest.approx(((probs > 0.5) == (t > 0.5)).mean())


def test_precision_recall_f1_of_multi_label_bce_outputs_pool_every_label():
    t = np.array([[1, 0, 1], [0, 1, 1]], np.float32)
    model = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid())
    X = np.array([[0.3, -1.0], [1.2, 0.4]], np.float32)
    h = train.fit(model, nn.BCELoss(), optim.SGD(model.parameters(), lr=0.0), (X, t),
                  epochs=1, batch_size=2, metrics=["precision", "recall", "f1"], verbose=0)
    lin = model[0]
    pred = 1 / (1 + np.exp(-(X.astype(np.float64) @ lin.weight.data.T + lin.bias.data))) > 0.5
    tp = np.sum(pred & (t > 0.5))  # micro counts over all N·C labels (Keras's Precision())
    p_ = tp / max(pred.sum(), 1)
    r_ = tp / (t > 0.5).sum()
    assert h.history["precision"][0] == pytest.approx(p_)
    assert h.history["recall"][0] == pytest.approx(r_)
    assert h.history["f1"][0] == pytest.approx(0 if p_ + r_ == 0 else 2 * p_ * r_ / (p_ + r_))
