"""One checkpoint system: ModelCheckpoint writes full, resumable checkpoints (Keras's options)
through the one atomic writer; fit(resume_from=) continues them bit for bit; load_weights reads
every weights file the project (and glassgrad.save) writes; wrong optimizers are refused."""

import os
import stat

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn, optim, train
from glassgrad.io import SerializationError
from glassgrad.io.atomic import TMP_PATTERN, atomic_write_bytes, clean_stale_temps

RNG = np.random.default_rng(3)
X = RNG.normal(size=(96, 4)).astype(np.float32)
Y = RNG.integers(0, 3, 96)
XV, YV = X[:24] + 0.1, Y[:24]


def _model():
    return nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))


def _run(epochs, ck_path, resume=None, init_seed=0, patience=2):
    gg.manual_seed(init_seed)
    model = _model()
    opt = optim.Adam(model.parameters(), lr=0.02)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.9)
    # NOTE: the checkpoint is listed FIRST: fit still writes it after the scheduler stepped
    cbs = [train.ModelCheckpoint(ck_path, monitor="val_loss"), train.SchedulerCallback(sched),
           train.EarlyStopping(monitor="val_loss", patience=patience, min_delta=1e9)]
    h = train.fit(model, nn.CrossEntropyLoss(), opt, (X, Y), val=(XV, YV), epochs=epochs,
                  batch_size=16, metrics=["accuracy"], verbose=0, callbacks=cbs, seed=5,
                  resume_from=resume)
    return model, opt, h, cbs[2]


def _weights(model):
    return {k: v.data.tobytes() for k, v in model.state_dict().items()}


def test_model_checkpoint_then_resume_is_bit_identical(tmp_path):
    # min_delta=1e9: only epoch 1 counts as an improvement (on inf), so EarlyStopping's
    # counter matters: patience=5 stops after epoch 6 (Keras's count); the resumed run must
    # stop there too, which it does only if the checkpoint restored the counter
    full, full_opt, full_h, full_es = _run(8, tmp_path / "full.npz", patience=5)
    assert full_h.epoch == [1, 2, 3, 4, 5, 6] and full_es.stopped_epoch == 6
    _run(3, tmp_path / "ck.npz", patience=5)
    state = gg.io.load(tmp_path / "ck.npz")
    assert state["epoch"] == 3 and state["optimizer_class"] == "Adam"
    resumed, opt, h, es = _run(8, tmp_path / "ck.npz", resume=tmp_path / "ck.npz",
                               init_seed=99, patience=5)
    assert _weights(resumed) == _weights(full)
    assert h.epoch == full_h.epoch and h.history == full_h.history
    assert es.stopped_epoch == 6 and h.restored_epoch == full_h.restored_epoch == 1
    assert opt.param_groups[0]["lr"] == full_opt.param_groups[0]["lr"]


def test_file_name_fields_best_only_and_weights_only(tmp_path):
    gg.manual_seed(0)
    model = _model()
    best = train.ModelCheckpoint(tmp_path / "best-{epoch:02d}-{val_loss:.2f}.npz",
                                 save_best_only=True, save_weights_only=True)
    every = train.ModelCheckpoint(tmp_path / "e{epoch}.safetensors", save_freq=2)
    h = train.fit(model, "cross_entropy", "adam", (X, Y), val=(XV, YV), epochs=4,
                  verbose=0, callbacks=[best, every])
    vals = h.history["val_loss"]
    expected = [f"best-{e:02d}-{v:.2f}.npz" for e, v in zip(h.epoch, vals)
                if v == min(vals[:h.epoch.index(e) + 1])]
    assert [os.path.basename(p) for p in best.saved] == expected
    assert sorted(p.name for p in tmp_path.glob("e*")) == ["e2.safetensors", "e4.safetensors"]
    fresh = _model()
    train.load_weights(fresh, best.saved[-1])            # a weights-only file
    train.load_weights(fresh, tmp_path / "e4.safetensors")   # the model part of a checkpoint
    assert _weights(fresh) == _weights(model)
    with pytest.raises(SerializationError, match="weights only"):
        train.fit(fresh, "cross_entropy", "adam", (X, Y), epochs=5, verbose=0,
                  resume_from=best.saved[-1])


def test_unknown_name_field_or_monitor_is_an_error_before_training(tmp_path):
    started = []
    spy = train.LambdaCallback(on_epoch_begin=lambda e, logs: started.append(e))
    for ck, match in [
            (train.ModelCheckpoint(tmp_path / "{epoch}-{val_los:.2f}.npz"), "val_los"),
            (train.ModelCheckpoint(tmp_path / "{epoch}-{val_loss:.2f}.npz"),
             "val_\\* keys need validation data"),
            (train.ModelCheckpoint(tmp_path / "b.npz", monitor="val_acc", save_best_only=True),
             "val_acc")]:
        with pytest.raises(ValueError, match=match):
            train.fit(_model(), "cross_entropy", "adam", (X, Y), epochs=2, verbose=0,
                      callbacks=[spy, ck])
    assert started == [] and not list(tmp_path.iterdir())
    with pytest.raises(ValueError, match=".npz or .safetensors"):
        train.ModelCheckpoint(tmp_path / "model.h5")


def test_load_weights_reads_glassgrad_save_and_numpy_savez_files(tmp_path):
    gg.manual_seed(1)
    model = _model()
    gg.save(model.state_dict(), tmp_path / "sd.safetensors")
    gg.save(model.state_dict(), tmp_path / "sd.npz")
    np.savez(tmp_path / "plain.npz", **train.snapshot_weights(model))
    for name in ("sd.safetensors", "sd.npz", "plain.npz"):
        fresh = _model()
        train.load_weights(fresh, tmp_path / name)
        assert _weights(fresh) == _weights(model), name


def test_resuming_into_another_optimizer_type_is_refused(tmp_path):
    _run(1, tmp_path / "ck.npz")
    gg.manual_seed(0)
    model = _model()
    before = _weights(model)
    sgd = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    with pytest.raises(SerializationError, match="holds Adam state but the optimizer given is "
                                                 "a SGD"):
        train.fit(model, nn.CrossEntropyLoss(), sgd, (X, Y), epochs=3, verbose=0,
                  resume_from=tmp_path / "ck.npz")
    assert _weights(model) == before and sgd.param_groups[0]["lr"] == 0.5
    with pytest.raises(SerializationError, match="Adam"):
        gg.io.load_checkpoint(tmp_path / "ck.npz", model, sgd)


def test_files_follow_the_umask_and_temp_names_never_touch_user_files(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write_bytes(tmp_path / "a.bin", b"x")
        train.save_weights(_model(), tmp_path / "w.npz")
        os.umask(0o077)
        atomic_write_bytes(tmp_path / "b.bin", b"y")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "a.bin").st_mode) == 0o644
    assert stat.S_IMODE(os.stat(tmp_path / "w.npz").st_mode) == 0o644
    assert stat.S_IMODE(os.stat(tmp_path / "b.bin").st_mode) == 0o600
    # user files that look like other tools' temp names are never matched nor touched
    for name in (".a.bin.tmp", "a.bin.tmp", ".~a.bin", "~gg-tmp-1-x"):
        (tmp_path / name).write_text("mine")
        assert not TMP_PATTERN.match(name)
    with pytest.raises(TypeError):
        atomic_write_bytes(tmp_path / "c.bin", "not bytes")   # fails mid-write
    assert not (tmp_path / "c.bin").exists()
    assert not [f for f in os.listdir(tmp_path) if TMP_PATTERN.match(f)]   # removed on failure
    dead = tmp_path / f".~gg-tmp-{2**22 + 12345}-{'0' * 16}-a.bin"   # no such process
    live = tmp_path / f".~gg-tmp-{os.getpid()}-{'1' * 16}-a.bin"
    dead.write_bytes(b"half")
    live.write_bytes(b"writing")
    assert clean_stale_temps(tmp_path) == [dead.name]
    assert live.exists() and (tmp_path / ".a.bin.tmp").read_text() == "mine"


def test_weights_are_never_written_from_nonfinite_parameters(tmp_path):
    model = _model()
    train.save_weights(model, tmp_path / "w.npz")
    good = (tmp_path / "w.npz").read_bytes()
    model[0].weight.data[0, 0] = np.nan
    with pytest.raises(SerializationError, match="NaN/Inf"):
        train.save_weights(model, tmp_path / "w.npz")
    assert (tmp_path / "w.npz").read_bytes() == good
