"""Snapshots hold the model's real values: checked against NumPy forward passes written here,
PyTorch (trace tables, conv feature maps, GRU hidden states) and the explain tools."""

import json

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import explain, live, nn, optim, train
from glassgrad.data.synthetic import make_moons
from glassgrad.live.observe import decode8, image8, jsonable, plane_grid
from glassgrad.live.snapshot import Snapshotter, auto_probe_size, probe_batch
from tests._torch import import_torch


def _moons(n=300):
    x, y = make_moons(n, noise=0.1, seed=0)
    return x.astype(np.float32), y.astype(np.float32)


def _mlp():
    return nn.Sequential(nn.Linear(2, 5), nn.Tanh(), nn.Linear(5, 3), nn.Tanh(), nn.Linear(3, 1),
                         nn.Sigmoid())


def _np_forward(model, x):
    """Each layer's output a, in float64 NumPy, from the model's weights."""
    outs, a = [], np.asarray(x, np.float64)
    for lin, act in ((model[0], np.tanh), (model[2], np.tanh),
                     (model[4], lambda z: 1 / (1 + np.exp(-z)))):
        a = act(a @ lin.weight.detach().numpy().astype(np.float64).T
                + lin.bias.detach().numpy().astype(np.float64))
        outs.append(a)
    return outs


def test_plane_maps_edges_and_values_are_the_models():
    x, y = _moons()
    model = _mlp()
    snap = Snapshotter(model, nn.BCELoss(), *probe_batch((x, y)), sample=7).take(epoch=2, step=5)
    meta_cols = [c["units"] for c in Snapshotter(model, nn.BCELoss(), x, y).meta()["columns"]]
    assert meta_cols == [2, 5, 3, 1]
    # edges are the weight matrices (4 significant digits), biases too
    for j, lin in ((1, model[0]), (2, model[2]), (3, model[4])):
        np.testing.assert_allclose(snap["columns"][j]["edges"], lin.weight.detach().numpy(),
                                   rtol=1e-3, atol=1e-6)
        np.testing.assert_allclose(snap["columns"][j]["bias"], lin.bias.detach().numpy(),
                                   rtol=1e-3, atol=1e-6)
    # each neuron's map over the plane = its output on the grid (to one 8-bit step)
    px, _ = probe_batch((x, y))
    grid, extent = plane_grid(px, 32)
    assert grid[0].tolist() == pytest.approx([extent[0], extent[3]])  # top-left corner
    ref = _np_forward(model, grid)
    for j, a in enumerate(ref, start=1):
        for u in range(a.shape[1]):
            img = snap["maps"]["columns"][j][u]
            step = (img["hi"] - img["lo"]) / 255
            np.testing.assert_allclose(decode8(img).ravel(), a[:, u], atol=step / 2 + 1e-5)
    np.testing.assert_allclose(decode8(snap["maps"]["decision"]).ravel(), ref[-1][:, 0],
                               atol=1 / 255 + 1e-5)
    # the unit values of the chosen sample
    a_sample = _np_forward(model, px[7:8])
    for j, a in enumerate(a_sample, start=1):
        np.testing.assert_allclose(snap["columns"][j]["values"], a[0], rtol=1e-4, atol=1e-6)
    assert snap["sample"] == 7 and snap["epoch"] == 2 and snap["step"] == 5
    json.dumps(snap, allow_nan=False)  # strict JSON: the browser parses it


def test_trace_tables_match_pytorch():
    torch = import_torch()
    x, y = _moons()
    model = _mlp()
    px, py = probe_batch((x, y), 64)
    i = 11
    tr = Snapshotter(model, nn.BCELoss(), px, py, sample=i).take()["trace"]
    tm = torch.nn.Sequential(torch.nn.Linear(2, 5), torch.nn.Tanh(), torch.nn.Linear(5, 3),
                             torch.nn.Tanh(), torch.nn.Linear(3, 1), torch.nn.Sigmoid())
    tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()})
    zs = []
    h = torch.tensor(px[i:i + 1])
    for k in range(0, 6, 2):
        z = tm[k](h)
        z.retain_grad()
        h = tm[k + 1](z)
        h.retain_grad()
        zs.append((z, h))
    E = torch.nn.functional.binary_cross_entropy(h, torch.tensor(py[i:i + 1]).reshape(1, 1))
    E.backward()
    assert tr["loss"] == pytest.approx(E.item(), rel=1e-5)
    for L, (z, a) in enumerate(zs, start=1):
        recs = [r for r in tr["neurons"] if r["layer"] == L]
        np.testing.assert_allclose([r["z"] for r in recs], z.detach().numpy()[0], rtol=1e-5,
                                   atol=1e-6)
        np.testing.assert_allclose([r["a"] for r in recs], a.detach().numpy()[0], rtol=1e-5,
                                   atol=1e-6)
        np.testing.assert_allclose([r["delta"] for r in recs], z.grad.numpy()[0], rtol=1e-4,
                                   atol=1e-7)
        lin = tm[2 * (L - 1)]
        np.testing.assert_allclose(tr["layers"][L - 1]["dw"], lin.weight.grad.numpy(),
                                   rtol=1e-4, atol=1e-7)
        np.testing.assert_allclose(tr["layers"][L - 1]["db"], lin.bias.grad.numpy(),
                                   rtol=1e-4, atol=1e-7)
    assert tr["ids"] == [["1", "2"], ["3", "4", "5", "6", "7"], ["8", "9", "10"], ["11"]]
    # the model's own gradients are untouched by the snapshot
    assert all(p.grad is None for p in model.parameters())


def test_stats_and_findings_are_the_explain_tools_and_true():
    x, y = _moons()
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1), nn.Sigmoid())
    with gg.no_grad():
        model[0].bias.fill_(-50.0)  # every ReLU dead on this data
    px, py = probe_batch((x, y))
    snap = Snapshotter(model, nn.BCELoss(), px, py).take()
    dead = [f for f in snap["findings"] if f["kind"] == "dead_relu"]
    assert dead and dead[0]["layer"] == "0"
    # independent: the fraction of units that never fire on the probe
    z = px.astype(np.float64) @ model[0].weight.detach().numpy().T + model[0].bias.detach().numpy()
    assert snap["stats"][0]["dead"] == pytest.approx(float(np.mean(z.max(axis=0) <= 0)))
    a = 1 / (1 + np.exp(-(np.maximum(z, 0) @ model[2].weight.detach().numpy().T
                          + model[2].bias.detach().numpy())))
    assert snap["stats"][1]["a"]["mean"] == pytest.approx(a.mean(), rel=1e-4)
    report = explain.diagnose(model, (px, py.reshape(-1, 1)), loss=nn.BCELoss())
    assert [f["kind"] for f in snap["findings"]] == [f["kind"] for f in report.findings]


def test_conv_feature_maps_and_filters_match_pytorch():
    torch = import_torch()
    rng = np.random.default_rng(0)
    x = rng.random((8, 1, 12, 12), dtype=np.float32)
    y = rng.integers(0, 3, 8)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(144, 3))
    snap = Snapshotter(model, nn.CrossEntropyLoss(), x, y, sample=5).take()
    w = torch.tensor(model[0].weight.detach().numpy())
    b = torch.tensor(model[0].bias.detach().numpy())
    ref = torch.relu(torch.nn.functional.conv2d(torch.tensor(x[5:6]), w, b, padding=1))[0]
    img = snap["features"][0]["img"]
    assert snap["features"][0]["name"] == "0" and img["shape"] == [4, 12, 12]
    np.testing.assert_allclose(decode8(img), ref.numpy(), atol=(img["hi"] - img["lo"]) / 510
                               + 1e-5)
    f = snap["filters"]["img"]
    np.testing.assert_allclose(decode8(f), w.numpy(), atol=(f["hi"] - f["lo"]) / 510 + 1e-6)
    # channel edges into the Linear after Flatten: each channel's block of 36 weights summed
    W = model[4].weight.detach().numpy()
    np.testing.assert_allclose(snap["columns"][2]["edges"],
                               W.reshape(3, 4, 36).sum(axis=2), rtol=1e-3, atol=1e-5)
    assert "Conv2d" in Snapshotter(model, nn.CrossEntropyLoss(), x, y).meta()["trace"]


def test_gru_hidden_state_over_time_matches_pytorch():
    torch = import_torch()

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn, self.fc = nn.GRU(3, 4), nn.Linear(4, 1)  # time first, as PyTorch's default

        def forward(self, x):
            out, _ = self.rnn(x.transpose(0, 1))
            return self.fc(out[-1])

    rng = np.random.default_rng(1)
    x = rng.standard_normal((6, 7, 3)).astype(np.float32)
    y = rng.standard_normal((6, 1)).astype(np.float32)
    model = Net()
    snap = Snapshotter(model, nn.MSELoss(), x, y, sample=2).take()
    ref = torch.nn.GRU(3, 4)
    ref.load_state_dict({k[4:]: torch.tensor(v.numpy()) for k, v in model.state_dict().items()
                         if k.startswith("rnn.")})
    h = ref(torch.tensor(x[2:3]).transpose(0, 1))[0][:, 0].detach().numpy()  # (T, H)
    img = snap["hidden"][0]["img"]
    assert img["shape"] == [7, 4]
    np.testing.assert_allclose(decode8(img), h, atol=(img["hi"] - img["lo"]) / 510 + 1e-5)


def test_recording_does_not_change_training():
    """Same seed, same weights with and without snapshots (dropout + batch norm + shuffling:
    a snapshot in train mode would draw random numbers or move the running statistics)."""
    x, y = _moons(200)

    def run(callbacks):
        gg.manual_seed(3)
        model = nn.Sequential(nn.Linear(2, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.3),
                              nn.Linear(8, 1), nn.Sigmoid())
        train.fit(model, nn.BCELoss(), optim.SGD(model.parameters(), lr=0.1), train=(x, y),
                  epochs=4, batch_size=16, verbose=0, callbacks=callbacks, seed=1)
        return model.state_dict()

    rec = live.SnapshotRecorder(every=1)
    with_rec, without = run([rec]), run([])
    assert len(rec.snapshots) == 5  # before training and after each of 4 epochs
    for k in without:
        np.testing.assert_array_equal(with_rec[k].numpy(), without[k].numpy(), err_msg=k)


def test_recorder_schedule_file_and_thinning(tmp_path):
    x, y = _moons(100)
    model = _mlp()
    rec = live.SnapshotRecorder(tmp_path, every=2, max_snapshots=4)
    train.fit(model, nn.BCELoss(), optim.Adam(model.parameters(), lr=0.01), train=(x, y),
              epochs=9, batch_size=50, verbose=0, callbacks=[rec])
    data = json.loads((tmp_path / "live.json").read_text())
    epochs = [s["epoch"] for s in data["snapshots"]]
    assert epochs[0] == 0 and epochs[-1] == 9 and len(epochs) <= 5  # first and last kept
    assert epochs == sorted(epochs)
    assert data["history"]["loss"] == pytest.approx(model.history.history["loss"])
    assert data["meta"]["probe"]["size"] == 100


def test_probe_batch_is_spread_and_draws_no_random_numbers():
    x = np.arange(1000, dtype=np.float32).reshape(-1, 1).repeat(2, axis=1)
    y = (np.arange(1000) >= 500).astype(np.float32)  # sorted by class
    state = json.dumps(gg.get_rng_state(), default=str)
    px, py = probe_batch((x, y), 10)
    assert px[:, 0].tolist() == [0, 111, 222, 333, 444, 555, 666, 777, 888, 999]
    assert set(py.tolist()) == {0.0, 1.0}
    assert json.dumps(gg.get_rng_state(), default=str) == state
    assert auto_probe_size((2,)) == 256 and auto_probe_size((1, 28, 28)) == 31
    from glassgrad.data import DataLoader, TensorDataset

    lx, _ = probe_batch(DataLoader(TensorDataset(x, y), batch_size=7, shuffle=True), 5)
    assert lx[:, 0].tolist() == [0, 250, 500, 749, 999]
    with pytest.raises(TypeError, match="probe="):
        probe_batch(iter([(x, y)]))


def test_image8_and_jsonable_edge_cases():
    img = image8(np.array([[0.0, np.nan], [np.inf, 2.0]]))
    assert img["nonfinite"] == 2 and img["lo"] == 0 and img["hi"] == 2
    assert decode8(image8(np.full(3, 5.0))).tolist() == [5.0, 5.0, 5.0]  # flat map
    assert jsonable({"a": np.float32(np.nan), "b": [np.inf, -np.inf], "c": np.int64(3)}) == \
        {"a": "NaN", "b": ["Infinity", "-Infinity"], "c": 3}
    assert jsonable(np.array([[1.23456789, np.nan]]), 3) == [[1.23, "NaN"]]
    with pytest.raises(ValueError, match="sample 9"):
        Snapshotter(_mlp(), nn.BCELoss(), *_moons(9), sample=9)


def test_schedule_keeps_snapshots_within_the_budget(monkeypatch):
    from glassgrad.live import recorder

    clock = [0.0]
    monkeypatch.setattr(recorder.time, "perf_counter", lambda: clock[0])
    s = recorder.Schedule(budget=0.1, min_interval=0.05)
    s.charge(0.02)  # the setup
    clock[0] = 0.02
    s.record(0.0)  # a first snapshot of 0.02 s: spent 0.04
    assert s.spent == pytest.approx(0.04)
    clock[0] = 0.5  # 0.04 + 0.02 > 10% of 0.5 s
    assert not s.due()
    clock[0] = 0.6
    assert s.due() and s.next_at == pytest.approx(0.6)  # 0.06 <= 10% of 0.6 s
    s.shift(0.2)  # a pause of 0.2 s earns no budget
    assert not s.due() and s.next_at == pytest.approx(0.8)
    clock[0] = 0.6 + 0.2
    s.skip()
    clock[0] = 0.83
    assert not s.due()  # within min_interval of the skipped one
    every = recorder.Schedule(every=3)
    assert [every.due(e) for e in range(1, 7)] == [False, False, True, False, False, True]
    with pytest.raises(ValueError, match="every"):
        recorder.Schedule(every=0)
    with pytest.raises(ValueError, match="budget"):
        recorder.Schedule(budget=0)


def test_a_failing_snapshot_stops_snapshots_not_training(monkeypatch):
    x, y = _moons(60)
    model = _mlp()
    rec = live.SnapshotRecorder(every=1)
    calls = [0]
    take = live.Snapshotter.take

    def flaky(self, *a, **k):
        calls[0] += 1
        if calls[0] == 3:
            raise FloatingPointError("boom")
        return take(self, *a, **k)

    monkeypatch.setattr(live.Snapshotter, "take", flaky)
    with pytest.warns(RuntimeWarning, match="snapshots stopped at step 2.*boom"):
        history = train.fit(model, nn.BCELoss(), optim.SGD(model.parameters(), lr=0.1),
                            train=(x, y), epochs=4, batch_size=60, verbose=0, callbacks=[rec])
    assert len(history.epoch) == 4 and len(rec.snapshots) == 2
    assert "boom" in rec.recording()["error"]
