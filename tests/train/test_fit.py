"""fit / evaluate / predict / compile: the loop, the logs, the input checks."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import data, nn, optim, train
from glassgrad.errors import ShapeError


def _line_data(n=64):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 3)).astype(np.float32)
    y = (X @ np.array([1.0, -2.0, 0.5]) + 0.3).astype(np.float32)[:, None]
    return X, y


def test_fit_equals_the_handwritten_loop():
    X, y = _line_data()
    gg.manual_seed(0)
    a = nn.Linear(3, 1)
    b = nn.Linear(3, 1)
    b.load_state_dict(a.state_dict())
    loader = data.DataLoader(data.TensorDataset(X, y), batch_size=16, shuffle=False)
    train.fit(a, nn.MSELoss(), optim.SGD(a.parameters(), lr=0.1), loader, epochs=3, verbose=0)
    opt, loss = optim.SGD(b.parameters(), lr=0.1), nn.MSELoss()
    for _ in range(3):
        for xb, yb in loader:
            opt.zero_grad()
            loss(b(xb), yb).backward()
            opt.step()
    for (k, va), vb in zip(a.state_dict().items(), b.state_dict().values()):
        np.testing.assert_array_equal(va.data, vb.data, err_msg=k)


def test_history_keys_epoch_loss_and_lr():
    X, y = _line_data(60)
    model = nn.Linear(3, 1)
    h = train.fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.05), (X, y),
                  val=(X[:20], y[:20]), epochs=4, batch_size=60, metrics=["mae", "r2"],
                  verbose=0, shuffle=False)
    assert set(h.history) == {"loss", "mae", "r2", "val_loss", "val_mae", "val_r2", "lr"}
    assert h.epoch == [1, 2, 3, 4] and h.history["lr"] == [0.05] * 4
    assert model.history is h and h.stop_reason is None
    # full batch: the epoch loss is the loss at the start of that epoch's single step ...
    # so epoch 2's loss equals evaluate() on the weights after epoch 1: check the last one
    after = train.evaluate(model, nn.MSELoss(), (X, y), metrics=["mae"])
    assert after["loss"] < h.history["loss"][-1]
    pred = train.predict(model, X)
    assert isinstance(pred, np.ndarray) and pred.shape == (60, 1)
    np.testing.assert_allclose(after["mae"], np.abs(pred - y).mean(), rtol=1e-5)
    np.testing.assert_allclose(pred, X @ model.weight.data.T + model.bias.data, rtol=1e-5)


def test_epoch_loss_is_sample_weighted_mean_or_sum_for_sse():
    X, y = _line_data(10)
    model = nn.Linear(3, 1)
    w0 = {k: v.data.copy() for k, v in model.state_dict().items()}
    h = train.fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.0), (X, y),
                  epochs=1, batch_size=4, verbose=0, shuffle=False)   # lr 0: weights fixed
    err = X @ w0["weight"].T + w0["bias"] - y
    assert h.history["loss"][0] == pytest.approx(float((err ** 2).mean()), rel=1e-5)
    h = train.fit(model, nn.SSELoss(), optim.SGD(model.parameters(), lr=0.0), (X, y),
                  epochs=1, batch_size=4, verbose=0, shuffle=False)
    assert h.history["loss"][0] == pytest.approx(float(0.5 * (err ** 2).sum()), rel=1e-5)


def test_stop_when_string_and_callable():
    X, y = _line_data()
    model = nn.Linear(3, 1)
    h = train.fit(model, nn.SSELoss(), optim.SGD(model.parameters(), lr=0.01), (X, y),
                  epochs=500, batch_size=64, stop_when="loss < 1e-4", verbose=0)
    assert h.history["loss"][-1] < 1e-4 <= h.history["loss"][-2]
    assert len(h.epoch) < 500 and h.stop_reason.startswith("stop_when: loss < 1e-4")
    model = nn.Linear(3, 1)
    h = train.fit(model, "mse", "sgd", (X, y), epochs=50, verbose=0,
                  stop_when=lambda logs: logs["loss"] < 10)
    assert len(h.epoch) == 1
    with pytest.raises(ValueError, match="'<log key> <op> <number>'"):
        train.fit(model, "mse", "sgd", (X, y), epochs=2, verbose=0, stop_when="loss ~ 1")


def test_binary_targets_of_shape_n_are_aligned_and_logits_metrics():
    X, y = data.make_moons(200, noise=0.1, seed=0)   # y: (200,) int64
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    h = train.fit(model, nn.BCEWithLogitsLoss(), optim.Adam(model.parameters(), lr=0.05),
                  (X, y.astype(np.float32)), epochs=20, batch_size=50, metrics=["accuracy"],
                  verbose=0, seed=0)
    logits = train.predict(model, X)
    assert h.history["accuracy"][-1] > 0.8   # read as logits (threshold 0), not as probabilities
    acc = train.evaluate(model, nn.BCEWithLogitsLoss(), (X, y.astype(np.float32)),
                         metrics=["accuracy"])["accuracy"]
    assert acc == pytest.approx(((logits[:, 0] >= 0) == y).mean())


def test_compile_then_fit_evaluate_predict():
    X, y = _line_data()
    model = nn.Linear(3, 1)
    cfg = train.compile(model, optimizer="adam", loss="mse", metrics=["mae"])
    assert model._compiled is cfg and isinstance(cfg.loss, nn.MSELoss)
    h = train.fit(model, train=(X, y), epochs=3, verbose=0)
    assert set(h.history) == {"loss", "mae", "lr"}
    assert set(train.evaluate(model, data=(X, y))) == {"loss", "mae"}
    with pytest.raises(ValueError, match="unknown loss 'msee'"):
        train.compile(model, "adam", "msee")
    with pytest.raises(ValueError, match="unknown optimizer"):
        train.compile(model, "adamm", "mse")


def test_validation_split_takes_the_last_fraction():
    X, y = _line_data(50)
    model = nn.Linear(3, 1)
    seen = []
    cb = train.LambdaCallback(on_test_batch_begin=lambda b, logs: seen.append(logs["size"]))
    train.fit(model, "mse", "sgd", (X, y), epochs=1, validation_split=0.2, callbacks=[cb],
              batch_size=100, verbose=0)
    assert seen == [10]
    # Keras keeps floor(N * (1 - split)) for training: 0.0001 still holds out 1 of 50, while
    # 0.99 would leave floor(0.5) = 0 for training
    for bad in (0.99, 1.0, 1.5):
        with pytest.raises(ValueError, match="validation_split"):
            train.fit(model, "mse", "sgd", (X, y), epochs=1, validation_split=bad, verbose=0)


def test_input_errors_are_clear():
    X, y = _line_data(20)
    model = nn.Linear(3, 1)
    with pytest.raises(ShapeError, match="X has 20 samples but y has 19"):
        train.fit(model, "mse", "sgd", (X, y[:19]), verbose=0)
    Xn = X.copy()
    Xn[7, 1] = np.nan
    with pytest.raises(ValueError, match=r"X contains NaN .* \(first: row 7\)"):
        train.fit(model, "mse", "sgd", (Xn, y), verbose=0)
    with pytest.raises(ValueError, match="NaN"):
        train.predict(model, Xn)
    with pytest.raises(ValueError, match="no optimizer"):
        train.fit(model, "mse", None, (X, y), verbose=0)
    with pytest.raises(TypeError, match="DataLoader, a Dataset or an"):
        train.fit(model, "mse", "sgd", 42, verbose=0)
    loader = data.DataLoader(data.TensorDataset(X, y), batch_size=5)
    with pytest.raises(ValueError, match="do not pass batch_size"):
        train.fit(model, "mse", "sgd", loader, batch_size=7, verbose=0)


def test_dataset_input_and_reproducible_shuffling():
    X, y = _line_data()
    runs = []
    for _ in range(2):
        gg.manual_seed(3)
        model = nn.Linear(3, 1)
        train.fit(model, "mse", optim.SGD(model.parameters(), lr=0.05),
                  data.TensorDataset(X, y), epochs=2, batch_size=8, seed=11, verbose=0)
        runs.append(model.weight.data.copy())
    np.testing.assert_array_equal(runs[0], runs[1])


def test_keyboard_interrupt_runs_on_train_end_and_reraises():
    X, y = _line_data()
    model = nn.Linear(3, 1)
    ended = []

    def boom(epoch, logs):
        if epoch == 2:
            raise KeyboardInterrupt

    cbs = [train.LambdaCallback(on_epoch_begin=boom,
                                on_train_end=lambda logs: ended.append(logs))]
    with pytest.raises(KeyboardInterrupt):
        train.fit(model, "mse", "sgd", (X, y), epochs=10, callbacks=cbs, verbose=0)
    assert model.history.interrupted and model.history.epoch == [1, 2]
    assert ended and ended[0]["interrupted"] is True


def test_history_plot_and_json(tmp_path, monkeypatch):
    import builtins
    import json

    pytest.importorskip("matplotlib")
    X, y = _line_data()
    model = nn.Linear(3, 1)
    h = train.fit(model, "mse", "sgd", (X, y), val=(X, y), epochs=3, metrics=["mae"], verbose=0)
    fig = h.plot(save=tmp_path / "c.svg")
    assert len(fig.axes) == 2 and (tmp_path / "c.svg").read_text().lstrip().startswith("<")
    h.to_json(tmp_path / "h.json")
    assert json.loads((tmp_path / "h.json").read_text())["history"]["loss"] == h.history["loss"]
    real_import = builtins.__import__

    def no_mpl(name, *a, **k):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", no_mpl)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        h.plot()


def test_a_softmax_output_layer_before_cross_entropy_is_refused():
    """CrossEntropyLoss takes logits: a Softmax layer in front would squash twice, silently."""
    model = nn.Sequential(nn.Linear(2, 3), nn.Softmax(dim=1))
    X = np.zeros((4, 2), np.float32)
    y = np.array([0, 1, 2, 0])
    with pytest.raises(ValueError, match="ends in Softmax.*logits"):
        train.fit(model, nn.CrossEntropyLoss(), "sgd", train=(X, y), epochs=1,
                            verbose=0)
    with pytest.raises(ValueError, match="ends in Sigmoid"):
        train.fit(nn.Sequential(nn.Linear(2, 1), nn.Sigmoid()),
                            nn.BCEWithLogitsLoss(), "sgd",
                            train=(X, np.zeros((4, 1), np.float32)), epochs=1, verbose=0)
