"""Checkpoints: resume bit for bit (dropout + shuffling + Adam + scheduler), all-or-nothing
loading, and NaN stops that keep the last good checkpoint."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.io import Checkpoint, SerializationError, load_checkpoint, save_checkpoint
from glassgrad.train import fit
from glassgrad.train.callbacks import LambdaCallback, SchedulerCallback, TerminateOnNaN

RNG = np.random.default_rng(1)
X = RNG.normal(size=(90, 4)).astype(np.float32)
Y = RNG.integers(0, 3, 90)


def _model():
    return nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3))


def _run(epochs, path, resume=None, seed=None, fmt_seed=0):
    gg.manual_seed(fmt_seed)
    model = _model()
    opt = gg.optim.Adam(model.parameters(), lr=0.01)
    sched = gg.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.8)
    cbs = [SchedulerCallback(sched), Checkpoint(path, scheduler=sched)]
    hist = fit(model, nn.CrossEntropyLoss(), opt, (X, Y), epochs=epochs, batch_size=16,
               verbose=0, callbacks=cbs, resume_from=resume, seed=seed, shuffle=True)
    return model, opt, hist


def _weights(model):
    return {k: v.data.tobytes() for k, v in model.state_dict().items()}


@pytest.mark.parametrize("fmt", ["npz", "safetensors"])
@pytest.mark.parametrize("seed", [None, 7], ids=["global-rng", "loader-seed"])
def test_resume_is_bit_identical_to_an_uninterrupted_run(tmp_path, fmt, seed):
    path = str(tmp_path / f"last.{fmt}")
    full, full_opt, full_hist = _run(4, str(tmp_path / f"full.{fmt}"), seed=seed)
    _run(2, path, seed=seed)
    # a fresh process would build different objects: other init seed, other RNG position
    resumed, opt, hist = _run(4, path, resume=path, seed=seed, fmt_seed=999)
    assert _weights(resumed) == _weights(full)
    assert hist.epoch == [1, 2, 3, 4]
    assert hist.history["loss"] == full_hist.history["loss"]
    assert opt.param_groups[0]["lr"] == full_opt.param_groups[0]["lr"] == pytest.approx(
        0.01 * 0.8**4)


def test_resume_without_the_random_states_would_differ(tmp_path):
    """Non-vacuity: the RNG part of the checkpoint is what makes the resume exact."""
    path = str(tmp_path / "last.npz")
    full, _, _ = _run(4, str(tmp_path / "full.npz"))
    _run(2, path)
    gg.manual_seed(5)
    model = _model()
    opt = gg.optim.Adam(model.parameters(), lr=0.01)
    sched = gg.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.8)
    info = load_checkpoint(path, model, opt, sched, restore_rng=False)
    assert info["epoch"] == 2 and info["step"] == 2 * 6
    fit(model, nn.CrossEntropyLoss(), opt, (X, Y), epochs=4, batch_size=16, verbose=0,
        initial_epoch=info["epoch"], callbacks=[SchedulerCallback(sched)])
    assert _weights(model) != _weights(full)


def test_checkpoint_contents(tmp_path):
    path = tmp_path / "c.npz"
    model, opt, hist = _run(2, str(path))
    state = gg.io.load(path)
    assert state["epoch"] == 2 and state["step"] == 12
    assert state["history"]["epoch"] == [1, 2]
    assert set(state["rng"]) == {"glassgrad", "python", "numpy_global", "loaders"}
    assert state["scheduler"]["last_epoch"] == 2
    meta = gg.io.load_with_metadata(path)[1]
    assert meta["kind"] == "checkpoint" and meta["config"]["class"] == "Sequential"


def test_failed_load_changes_nothing(tmp_path):
    path = tmp_path / "c.npz"
    _run(1, str(path))
    gg.manual_seed(3)
    model = _model()
    before = _weights(model)
    wrong_opt = gg.optim.Adam(list(model.parameters())[:2], lr=0.5)  # 2 of 4 parameters
    with pytest.raises(ValueError, match="parameter"):
        load_checkpoint(path, model, wrong_opt)
    assert _weights(model) == before and wrong_opt.param_groups[0]["lr"] == 0.5
    other = nn.Sequential(nn.Linear(4, 8), nn.Linear(8, 3))
    with pytest.raises(gg.GlassgradError, match="nothing was loaded"):
        load_checkpoint(path, other)
    gg.io.save({"model": model.state_dict()}, tmp_path / "plain.npz")
    with pytest.raises(SerializationError, match="not a glassgrad checkpoint"):
        load_checkpoint(tmp_path / "plain.npz", model)


class _BreaksAt(nn.Module):
    """A model whose forward takes log(0) on its n-th call (a classic source of -inf)."""

    def __init__(self, n):
        super().__init__()
        self.net, self.calls, self.n = _model(), 0, n

    def forward(self, x):
        self.calls += 1
        out = self.net(x)
        if self.calls == self.n:
            out = out + gg.log(gg.zeros(1))  # the bad line the error must point at
        return out


pytestmark_nan = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _nan_run(tmp_path, detect):
    gg.manual_seed(0)
    model = _BreaksAt(n=2 * 6 + 2)  # epoch 3, batch 2 (6 batches of 16 per epoch)
    opt = gg.optim.Adam(model.parameters(), lr=0.01)
    good = {}
    snap = LambdaCallback(on_epoch_end=lambda e, logs: good.update({e: _weights(model)}))
    ck = Checkpoint(tmp_path / "last.npz")
    cbs = [snap, ck] if detect else [snap, TerminateOnNaN(), ck]
    kwargs = dict(epochs=5, batch_size=16, verbose=0, callbacks=cbs, detect_anomaly=detect,
                  nan_guard=False)
    return model, good, ck, lambda: fit(model, nn.CrossEntropyLoss(), opt, (X, Y), **kwargs)


@pytestmark_nan
def test_nan_under_detect_anomaly_stops_at_the_first_bad_batch_and_keeps_last_checkpoint(
        tmp_path):
    model, good, ck, run = _nan_run(tmp_path, detect=True)
    with pytest.raises(gg.AnomalyError) as info:
        run()
    msg = str(info.value)
    assert "epoch 3, batch 2" in msg and "Log forward" in msg
    assert "test_checkpoint.py" in msg and "gg.log(gg.zeros(1))" in msg
    assert model.history.stop_reason == "NaN/Inf at epoch 3, batch 2"
    assert all(np.isfinite(p.data).all() for p in model.parameters())  # no step was taken
    info = load_checkpoint(tmp_path / "last.npz", model)
    assert info["epoch"] == 2 and _weights(model) == good[1]


@pytestmark_nan
def test_nan_without_anomaly_mode_never_overwrites_the_good_checkpoint(tmp_path):
    model, good, ck, run = _nan_run(tmp_path, detect=False)
    run()  # TerminateOnNaN stops after the bad batch; its weights are NaN
    assert "TerminateOnNaN" in model.history.stop_reason
    assert not all(np.isfinite(p.data).all() for p in model.parameters())
    assert ck.skipped and ck.skipped[0][0] == 3   # epoch 3 (1-based)
    load_checkpoint(tmp_path / "last.npz", model)
    assert _weights(model) == good[1]
    with pytest.raises(SerializationError, match="NaN/Inf"):
        model.net[0].weight.data[0, 0] = np.nan
        save_checkpoint(tmp_path / "last.npz", model)
