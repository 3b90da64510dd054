"""The NaN guard: on every data path (arrays, Dataset, DataLoader, generators) fit stops at
the first non-finite loss BEFORE its update, names epoch and batch (and the sample, for NaN
inputs), records status "failed", and no checkpoint or weights file gets non-finite values."""

import warnings

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn, optim, train
from glassgrad.data import DataLoader, Dataset, TensorDataset

RNG = np.random.default_rng(0)
X = RNG.normal(size=(64, 3)).astype(np.float32)
Y = (X @ [1.0, -1.0, 0.5]).astype(np.float32)
BAD = 37  # the sample holding NaN (batches of 16, no shuffling: epoch 1, batch 3, row 5)


def _nan_x():
    x = X.copy()
    x[BAD, 1] = np.nan
    return x


class _Rows(Dataset):  # a plain map-style Dataset (no arrays to search)
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


class _Batches:  # any re-iterable of (xb, yb) batches, e.g. a generator function's
    def __init__(self, x):
        self.x = x

    def __iter__(self):
        for i in range(0, 64, 16):
            yield self.x[i:i + 16], Y[i:i + 16].reshape(-1, 1)


def _fit(data, **kw):
    gg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
    before = train.snapshot_weights(model)
    with pytest.warns(RuntimeWarning, match="non-finite loss"):
        h = train.fit(model, "mse", optim.SGD(model.parameters(), lr=0.01), data, epochs=3,
                      verbose=0, shuffle=False, **kw)
    return model, h, before


@pytest.mark.parametrize("path", ["dataset", "dataloader", "plain-dataset", "generator"])
def test_nan_inputs_stop_at_the_batch_and_name_the_sample(path):
    x = _nan_x()
    data = {"dataset": TensorDataset(x, Y), "plain-dataset": _Rows(x, Y),
            "dataloader": DataLoader(TensorDataset(x, Y), batch_size=16),
            "generator": _Batches(x)}[path]
    model, h, _ = _fit(data, batch_size=None if path in ("dataloader", "generator") else 16)
    assert h.status == "failed" and h.failed and h.epoch == []
    assert "epoch 1, batch 3" in h.stop_reason and "row 5" in h.stop_reason
    if path != "generator":
        assert f"sample {BAD} of the dataset" in h.stop_reason
    assert all(np.isfinite(p.data).all() for p in model.parameters())


def test_arrays_with_nan_are_refused_up_front():
    with pytest.raises(ValueError, match=f"row {BAD}"):
        train.fit(nn.Linear(3, 1), "mse", "sgd", (_nan_x(), Y), epochs=1, verbose=0)


def test_divergence_stops_before_the_bad_update_and_keeps_the_last_good_checkpoint(tmp_path):
    """A DataLoader run that diverges in epoch 3: the guard stops, the checkpoint written
    after epoch 2 survives, and nothing non-finite reaches a file."""
    gg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
    huge = Y[40:] * np.float32(1e30)   # in epoch 3, batches 3-4 overflow the squared error
    loader = DataLoader(TensorDataset(X, Y.copy()), batch_size=16)
    targets = loader.dataset.tensors[1]
    seen = []
    snap = train.LambdaCallback(on_epoch_end=lambda e, logs: seen.append(
        train.snapshot_weights(model)))
    ck = train.ModelCheckpoint(tmp_path / "last.npz", monitor="loss")
    w = train.ModelCheckpoint(tmp_path / "w.npz", monitor="loss", save_weights_only=True)
    cut = train.LambdaCallback(on_epoch_begin=lambda e, logs: targets.__setitem__(
        slice(40, None), huge if e == 2 else Y[40:]))
    with pytest.warns(RuntimeWarning, match="epoch 3, batch 3"):
        h = train.fit(model, "mse", optim.SGD(model.parameters(), lr=0.01), loader, epochs=5,
                      verbose=0, callbacks=[cut, snap, ck, w])
    assert h.status == "failed" and h.epoch == [1, 2] and "model diverged" in h.stop_reason
    assert all(np.isfinite(p.data).all() for p in model.parameters())
    state = gg.io.load(tmp_path / "last.npz")
    assert state["epoch"] == 2
    fresh = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
    train.load_weights(fresh, tmp_path / "w.npz")
    for k, v in fresh.state_dict().items():
        np.testing.assert_array_equal(v.data, seen[-1][k])


def test_the_guard_can_be_turned_off_and_terminate_on_nan_stays():
    x = _nan_x()
    model = nn.Linear(3, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        h = train.fit(model, "mse", "sgd", TensorDataset(x, Y), epochs=2, verbose=0,
                      shuffle=False, batch_size=16, nan_guard=False)
    assert h.status == "completed" and np.isnan(h.history["loss"][0])   # Keras's behaviour
    cb = train.TerminateOnNaN()
    h = train.fit(nn.Linear(3, 1), "mse", "sgd", TensorDataset(x, Y), epochs=2, verbose=0,
                  shuffle=False, batch_size=16, nan_guard=False, callbacks=[cb])
    assert cb.stopped_batch == 2 and "TerminateOnNaN: loss nan at batch 3" in h.stop_reason


def test_a_restore_after_the_failure_is_reported():
    gg.manual_seed(0)
    x = np.concatenate([X, _nan_x()])   # epoch 1 sees finite data, epoch 2 the NaN row
    y = np.concatenate([Y, Y])
    loader = DataLoader(TensorDataset(x[:64], y[:64]), batch_size=16)
    inputs = loader.dataset.tensors[0]
    swap = train.LambdaCallback(on_epoch_begin=lambda e, logs: inputs.__setitem__(
        slice(None), x[64:] if e == 1 else x[:64]))
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 1))
    es = train.EarlyStopping(monitor="loss", patience=5)
    with pytest.warns(RuntimeWarning, match="epoch 2, batch 3"):
        h = train.fit(model, "mse", "sgd", loader, epochs=4, verbose=0,
                      callbacks=[swap, es])
    assert h.status == "failed" and h.restored_epoch == 1
    assert h.stop_reason.endswith("EarlyStopping then restored the weights of epoch 1.")
